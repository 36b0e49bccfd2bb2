"""The local stack, driven as a user drives it: real analytics clients over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import boto3
import pytest
from rudderstack.analytics.client import Client as RudderStackClient
from segment.analytics.client import Client as SegmentClient

from .conftest import RunningStack

pytestmark = pytest.mark.e2e

WRITE_KEY = "local-dev-key"
ALL = {"Analytics": True, "Personalization": True, "Marketing": False}


def get(url: str, **headers: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def next_step(stack: RunningStack, anonymous_id: str) -> str:
    status, answer = get(
        f"{stack.url}/v1/decide?placement=next_step", **{"X-Anonymous-Id": anonymous_id}
    )
    assert status == 200, answer
    return str(answer["placements"]["next_step"]["variant"])


def segment_client(stack: RunningStack) -> SegmentClient:
    return SegmentClient(WRITE_KEY, host=stack.url, sync_mode=True, max_retries=1)


def test_a_step_sent_by_a_segment_client_changes_next_step(local_stack: RunningStack):
    # GIVEN a visitor who consented through a real Segment client
    visitor = f"e2e-{uuid.uuid4()}"
    client = segment_client(local_stack)
    consent = {"consent": {"categoryPreferences": ALL}}
    client.identify(anonymous_id=visitor, context=consent)
    client.flush()
    before = next_step(local_stack, visitor)

    # WHEN the client sends "Profile Completed"
    client.track(anonymous_id=visitor, event="Profile Completed", context=consent)
    client.flush()

    # THEN decide answers differently at once, with no precompute run
    assert before == "next_profile"
    assert next_step(local_stack, visitor) == "next_project"


def test_rudderstack_gzip_events_arrive_once(local_stack: RunningStack):
    visitor = f"e2e-{uuid.uuid4()}"
    client = RudderStackClient(WRITE_KEY, host=local_stack.url, sync_mode=True)
    consent = {
        "consentManagement": {"allowedConsentIds": ["Analytics", "Personalization"]}
    }

    client.track(anonymous_id=visitor, event="Profile Completed", context=consent)
    client.track(anonymous_id=visitor, event="Project Created", context=consent)
    client.flush()

    assert next_step(local_stack, visitor) == "next_invite"


def test_nothing_unconsented_or_raw_is_in_storage(local_stack: RunningStack):
    # GIVEN one visitor who declined analytics, and one who accepted
    declined, accepted = f"e2e-declined-{uuid.uuid4()}", f"e2e-accepted-{uuid.uuid4()}"
    client = segment_client(local_stack)
    client.track(
        anonymous_id=declined,
        event="Declined Visitor Event",
        context={"consent": {"categoryPreferences": {"Analytics": False}}},
    )
    client.track(
        anonymous_id=accepted,
        user_id="e2e-raw-user-id",
        event="Project Created",
        context={"consent": {"categoryPreferences": ALL}},
    )
    client.flush()

    # WHEN everything in every table and bucket is read back
    session = boto3.Session(
        aws_access_key_id="local",
        aws_secret_access_key="local",
        region_name="us-east-1",
    )
    state = json.loads(local_stack.state_file.read_text())
    s3 = session.client("s3", endpoint_url=local_stack.endpoint)
    dynamodb = session.client("dynamodb", endpoint_url=local_stack.endpoint)
    stored = b""
    for bucket in (
        state["environment"]["TAILOR_EVENT_BUCKET"],
        state["environment"]["TAILOR_BUNDLE_BUCKET"],
    ):
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            stored += s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    table = state["environment"]["TAILOR_PROFILES_TABLE"]
    stored += json.dumps(dynamodb.scan(TableName=table)["Items"]).encode()

    # THEN the declined event is nowhere, and no raw id is anywhere
    assert b"Declined Visitor Event" not in stored
    for raw in (declined, accepted, "e2e-raw-user-id"):
        assert raw.encode() not in stored
    assert b"Project Created" in stored


def test_request_errors_are_clear_json(local_stack: RunningStack):
    status, answer = get(f"{local_stack.url}/v1/decide?placement=nope")
    assert status == 400
    assert "nope" in answer["error"]["message"]

    request = urllib.request.Request(
        f"{local_stack.url}/v1/batch",
        data=b"{not json",
        method="POST",
        headers={"authorization": "Basic bG9jYWwtZGV2LWtleTo="},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 400
    assert "not valid JSON" in json.loads(raised.value.read())["error"]["message"]


def test_the_demo_page_is_served(local_stack: RunningStack):
    with urllib.request.urlopen(f"{local_stack.url}/", timeout=10) as response:
        page = response.read().decode()

    assert response.status == 200
    assert "Boardwalk" in page
