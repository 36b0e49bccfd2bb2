"""One precompute run: event log -> features -> segments -> profiles and bundle.

The run builds on the active bundle's configuration, derives every subject's
features from the deduplicated event log, evaluates the segments only precompute
can know, writes each subject's precomputed facts, and publishes a new bundle whose
lineage says what it was built from.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from tailor.engine import Engine, Profile
from tailor.storage import BundleStore, PrecomputedFacts, ProfileStore
from tailor_precompute.eventlog import load_events
from tailor_precompute.features import compute_features
from tailor_precompute.publish import active_bundle, config_hash, publish_bundle

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PrecomputeReport:
    """What one run read, computed and published."""

    version: str
    objects: int
    events: int
    skipped_lines: int
    subjects: int
    segment_sizes: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)


def run_precompute(
    *,
    s3: Any,
    dynamodb: Any,
    bundle_bucket: str,
    event_bucket: str,
    profiles_table: str,
    now: datetime | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> PrecomputeReport:
    """Run every stage once and publish the result."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    store = BundleStore(s3, bundle_bucket)
    seconds: dict[str, float] = {}

    started = clock()
    current = active_bundle(store)
    config = current.body["config"]
    engine = Engine.compile(config, version=current.manifest.version)
    connection = duckdb.connect()
    read = load_events(connection, s3, event_bucket)
    seconds["read"] = clock() - started
    logger.info("stage done", extra={"stage": "read", "events": read.events})

    started = clock()
    features = compute_features(connection, config, now=moment.timestamp())
    seconds["features"] = clock() - started
    logger.info("stage done", extra={"stage": "features", "subjects": len(features)})

    started = clock()
    facts = [
        PrecomputedFacts(
            subject=subject,
            segments=engine.precomputed_segments(_profile(values)),
            features=_storable(values),
        )
        for subject, values in features.items()
    ]
    sizes = Counter(name for item in facts for name in item.segments)
    seconds["segments"] = clock() - started
    logger.info("stage done", extra={"stage": "segments", "sizes": dict(sizes)})

    started = clock()
    body = {
        "config": config,
        "models": current.body.get("models") or {},
        "segment_sizes": dict(sizes),
    }
    manifest = publish_bundle(
        store,
        body,
        lineage={
            "source": "precompute",
            "input_partitions": list(read.partitions),
            "input_objects": read.objects,
            "events": read.events,
            "skipped_lines": read.skipped_lines,
            "subjects": len(features),
            "config_hash": config_hash(body),
        },
        now=moment,
    )
    ProfileStore(dynamodb, profiles_table).write_precomputed(
        facts, version=manifest.version
    )
    seconds["publish"] = clock() - started
    logger.info("stage done", extra={"stage": "publish", "version": manifest.version})

    return PrecomputeReport(
        version=manifest.version,
        objects=read.objects,
        events=read.events,
        skipped_lines=read.skipped_lines,
        subjects=len(features),
        segment_sizes=dict(sizes),
        seconds=seconds,
    )


def _profile(values: dict[str, Any]) -> Profile:
    return Profile(
        facts={
            "steps": values["steps"],
            "event_count": values["event_count"],
            "first_seen": values["first_seen"],
            "last_seen": values["last_seen"],
        },
        features=values,
    )


def _storable(values: dict[str, Any]) -> dict[str, Any]:
    """Features as stored on the profile: the timeline of steps stays out."""
    return {key: value for key, value in values.items() if key != "step_at"}
