"""Reads the event log from S3 into DuckDB, deduplicated by `messageId`.

Firehose, Lambda retries and SDK retries all deliver duplicates, so the first
record of each `messageId` is kept. Lines that are not JSON objects are counted
and skipped; an object that cannot be fetched fails the whole read, so no bundle is
ever built from part of the log.
"""

from __future__ import annotations

import gzip
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from botocore.exceptions import BotoCoreError, ClientError

from tailor_precompute.exceptions import EventLogUnreadable

logger = logging.getLogger(__name__)

EVENT_PREFIX = "events/"
# Firehose compresses objects on AWS; the local stack's do not carry a suffix.
GZIP_MAGIC = b"\x1f\x8b"
COLUMNS = {
    "messageId": "VARCHAR",
    "type": "VARCHAR",
    "event": "VARCHAR",
    "name": "VARCHAR",
    "userId": "VARCHAR",
    "anonymousId": "VARCHAR",
    "timestamp": "VARCHAR",
    "context": "JSON",
}


@dataclass(frozen=True, slots=True)
class LogRead:
    """What was read: how many objects, lines and events, and what was skipped."""

    objects: int
    lines: int
    events: int
    skipped_lines: int
    partitions: tuple[str, ...]


def load_events(
    connection: duckdb.DuckDBPyConnection,
    s3: Any,
    bucket: str,
    *,
    prefix: str = EVENT_PREFIX,
) -> LogRead:
    """Create the table `events` in `connection` from the log under `prefix`."""
    keys = _list_keys(s3, bucket, prefix)
    lines = skipped = 0
    with tempfile.TemporaryDirectory(prefix="tailor-events-") as folder:
        target = Path(folder) / "events.jsonl"
        with target.open("wb") as out:
            for key in keys:
                kept, bad = _copy_object(s3, bucket, key, out)
                lines += kept + bad
                skipped += bad

        connection.execute(
            "CREATE OR REPLACE TABLE raw_events AS SELECT * FROM read_json(?, "
            "format = 'newline_delimited', columns = ?, ignore_errors = true)",
            [str(target), COLUMNS],
        )
    connection.execute(
        """
        CREATE OR REPLACE TABLE events AS
        SELECT
            coalesce(userId, anonymousId) AS subject,
            type,
            event,
            epoch(CAST("timestamp" AS TIMESTAMPTZ)) AS t,
            json_extract_string(context, '$.timezone') AS timezone
        FROM (
            SELECT *, row_number() OVER (
                PARTITION BY messageId ORDER BY "timestamp"
            ) AS n
            FROM raw_events
            WHERE messageId IS NOT NULL AND "timestamp" IS NOT NULL
              AND coalesce(userId, anonymousId) IS NOT NULL
              AND TRY_CAST("timestamp" AS TIMESTAMPTZ) IS NOT NULL
        )
        WHERE n = 1
        """
    )
    (events,) = connection.execute("SELECT count(*) FROM events").fetchone() or (0,)

    partitions = tuple(sorted({key.rsplit("/", 1)[0] for key in keys}))
    if skipped:
        logger.warning("event log lines skipped", extra={"skipped": skipped})
    return LogRead(len(keys), lines, int(events), skipped, partitions)


def _list_keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    try:
        while True:
            response = s3.list_objects_v2(**request)
            keys += [item["Key"] for item in response.get("Contents", [])]
            token = response.get("NextContinuationToken")
            if not token:
                return keys
            request["ContinuationToken"] = token
    except (ClientError, BotoCoreError) as exc:
        raise EventLogUnreadable(f"listing the event log failed: {exc}") from exc


def _copy_object(s3: Any, bucket: str, key: str, out: Any) -> tuple[int, int]:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise EventLogUnreadable(f"reading {key} failed: {exc}") from exc
    if body.startswith(GZIP_MAGIC):
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise EventLogUnreadable(f"{key} is not valid gzip: {exc}") from exc

    # TODO: validating each line in Python costs about a second per 200,000 events;
    # DuckDB's own reader should count the malformed lines instead.
    kept = bad = 0
    for line in body.splitlines():
        if not line.strip():
            continue
        try:
            valid = isinstance(json.loads(line), dict)
        except ValueError:
            valid = False
        if valid:
            out.write(line + b"\n")
            kept += 1
        else:
            bad += 1
    return kept, bad
