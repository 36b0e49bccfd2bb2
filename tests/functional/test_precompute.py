"""Precompute against moto: features, segments, the published bundle."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from tailor.bundle import decode_bundle
from tailor.storage import BundleStore
from tailor_precompute.job import run_precompute

from .conftest import Deployment

ALL = {"Analytics": True, "Personalization": True, "Marketing": True}
NOW = datetime.now(UTC)


def event(name: str, anonymous_id: str, at: datetime, message_id: str | None = None):
    return {
        "type": "track",
        "event": name,
        "anonymousId": anonymous_id,
        "messageId": message_id or str(uuid.uuid4()),
        "timestamp": at.isoformat(),
        "context": {"consent": {"categoryPreferences": ALL}},
    }


def precompute(deployment: Deployment):
    environment = deployment.environment
    return run_precompute(
        s3=deployment.client("s3"),
        dynamodb=deployment.client("dynamodb"),
        bundle_bucket=environment.bundle_bucket,
        event_bucket=environment.event_bucket,
        profiles_table=environment.profiles_table,
        now=NOW,
    )


def test_a_visitor_stalled_after_their_profile_sees_the_stalled_welcome(
    deployment: Deployment,
):
    # GIVEN one visitor who completed their profile three days ago and stopped
    # AND one who went on to create a project an hour later
    stalled, active = "visitor-stalled-01", "visitor-active-02"
    three_days_ago = NOW - timedelta(days=3)
    deployment.send(
        "/v1/batch",
        {
            "batch": [
                event("Profile Completed", stalled, three_days_ago),
                event("Profile Completed", active, three_days_ago),
                event("Project Created", active, three_days_ago + timedelta(hours=1)),
            ]
        },
    )

    # WHEN precompute runs
    report = precompute(deployment)

    # THEN only the stalled visitor is in the segment, and decide knows it
    assert report.segment_sizes.get("stalled") == 1
    _, answer, _ = deployment.decide("placement=welcome", **{"x-anonymous-id": stalled})
    assert "stalled" in answer["segments"]
    assert answer["placements"]["welcome"]["variant"] == "welcome_stalled"
    assert answer["placements"]["welcome"]["rule"] == "welcome_back_stalled"
    _, other, _ = deployment.decide("placement=welcome", **{"x-anonymous-id": active})
    assert "stalled" not in other["segments"]


def test_duplicate_deliveries_count_once(deployment: Deployment):
    repeated = event(
        "Project Created", "visitor-dup-03", NOW - timedelta(hours=2), "m-1"
    )
    deployment.send("/v1/batch", {"batch": [repeated]})
    deployment.send("/v1/batch", {"batch": [repeated]})

    report = precompute(deployment)

    assert report.events == 1


def test_the_published_bundle_records_its_lineage(deployment: Deployment):
    deployment.send(
        "/v1/batch",
        {
            "batch": [
                event("Project Created", "visitor-lin-04", NOW - timedelta(hours=1))
            ]
        },
    )

    report = precompute(deployment)

    store = BundleStore(deployment.client("s3"), deployment.environment.bundle_bucket)
    pointer = store.pointer()
    bundle = decode_bundle(store.read(pointer.key))
    assert pointer.version == report.version
    lineage = bundle.manifest.lineage
    assert lineage["events"] == 1
    assert lineage["subjects"] == 1
    assert lineage["input_partitions"]
    assert lineage["config_hash"]
    assert len(store.versions()) == 2  # the configuration, then precompute's


def test_a_damaged_log_line_is_counted_and_skipped(deployment: Deployment):
    deployment.send(
        "/v1/batch",
        {
            "batch": [
                event("Project Created", "visitor-bad-05", NOW - timedelta(hours=1))
            ]
        },
    )
    deployment.client("s3").put_object(
        Bucket=deployment.environment.event_bucket,
        Key="events/2026/12/03/10/damaged",
        Body=b'{"messageId": "x", "timestamp": \n' + json.dumps({"ok": 1}).encode(),
    )

    report = precompute(deployment)

    assert report.skipped_lines == 1
    assert report.events == 1
