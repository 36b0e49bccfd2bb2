"""Per-subject features from the deduplicated event log, in one DuckDB query.

Built-in features: event count, active days, first and last seen, days since last
seen, the funnel steps done and when. Declared features (configuration `features`)
add counts of an event over a window, and "did A and not B within T" flags. Event
time decides, not arrival time, so late events count where they belong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

DAY = 86400.0


def compute_features(
    connection: duckdb.DuckDBPyConnection,
    config: Mapping[str, Any],
    *,
    now: float,
) -> dict[str, dict[str, Any]]:
    """Features of every subject in the table `events`, keyed by subject."""
    steps = [(step["id"], step["event"]) for step in config["funnel"]["steps"]]
    declared = config.get("features") or {}

    columns = [
        "count(*) AS event_count",
        "count(DISTINCT floor(t / 86400)) AS active_days",
        "min(t) AS first_seen",
        "max(t) AS last_seen",
    ]
    parameters: list[Any] = []
    for index, (_, event) in enumerate(steps):
        columns.append(
            f"min(t) FILTER (WHERE type = 'track' AND event = ?) AS step_{index}"
        )
        parameters.append(event)

    flags: list[tuple[str, Mapping[str, Any]]] = []
    for index, (name, spec) in enumerate(declared.items()):
        if spec["kind"] == "count":
            window = spec.get("within_days")
            since = now - window * DAY if window else float("-inf")
            columns.append(f"count(*) FILTER (WHERE event = ? AND t >= ?) AS f_{index}")
            parameters += [spec["event"], since]
        else:
            columns.append(f"min(t) FILTER (WHERE event = ?) AS a_{index}")
            columns.append(f"list(t) FILTER (WHERE event = ?) AS b_{index}")
            parameters += [spec["did"], spec["then"]]
            flags.append((name, spec))

    query = f"SELECT subject, {', '.join(columns)} FROM events GROUP BY subject"
    cursor = connection.execute(query, parameters)
    names = [column[0] for column in cursor.description or ()]

    features: dict[str, dict[str, Any]] = {}
    for row in cursor.fetchall():
        values = dict(zip(names, row, strict=True))
        features[values["subject"]] = _subject_features(values, steps, declared, now)
    return features


def _subject_features(
    values: Mapping[str, Any],
    steps: list[tuple[str, str]],
    declared: Mapping[str, Mapping[str, Any]],
    now: float,
) -> dict[str, Any]:
    done = [
        (step_id, values[f"step_{index}"])
        for index, (step_id, _) in enumerate(steps)
        if values[f"step_{index}"] is not None
    ]
    result: dict[str, Any] = {
        "event_count": int(values["event_count"]),
        "active_days": int(values["active_days"]),
        "first_seen": float(values["first_seen"]),
        "last_seen": float(values["last_seen"]),
        "days_since_last_seen": round((now - float(values["last_seen"])) / DAY, 3),
        "steps": [step_id for step_id, _ in done],
        "steps_done": len(done),
        "step_at": {step_id: float(at) for step_id, at in done},
    }

    for index, (name, spec) in enumerate(declared.items()):
        if spec["kind"] == "count":
            result[name] = int(values[f"f_{index}"])
            continue
        started = values[f"a_{index}"]
        window = spec["within_hours"] * 3600.0
        if started is None or now - started < window:
            result[name] = False
            continue
        followed = any(
            started <= at <= started + window for at in (values[f"b_{index}"] or ())
        )
        result[name] = not followed
    return result
