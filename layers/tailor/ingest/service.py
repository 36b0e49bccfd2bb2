"""Ingest: one HTTP request of Segment's Tracking API in, stored events out.

The request is refused whole only when it cannot be read (not JSON, too large, bad
write key). Otherwise every call gets its own result; events with the storing
purpose granted go to the event log, and each subject's real-time facts are applied
with one UpdateItem. A storage failure answers 503 so that the client retries:
nothing answered 200 is ever lost.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from tailor.identity import SubjectHasher
from tailor.ingest.exceptions import (
    BadRequest,
    PayloadTooLarge,
    StorageUnavailable,
    Unauthorized,
)
from tailor.ingest.processor import EventProcessor, Outcome, Processed
from tailor.ingest.settings import IngestSettings
from tailor.storage import EventLog, LiveUpdate, ProfileStore, StorageError

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 500 * 1024
CALL_PATHS = {
    "/v1/batch": "batch",
    "/v1/import": "batch",
    "/v1/track": "track",
    "/v1/identify": "identify",
    "/v1/page": "page",
    "/v1/screen": "screen",
    "/v1/group": "group",
    "/v1/alias": "alias",
}


class IngestService:
    """Accepts tracking calls for storage, under the active configuration."""

    def __init__(
        self,
        *,
        settings: Callable[[], IngestSettings],
        hasher: Callable[[], SubjectHasher],
        write_keys: Callable[[], frozenset[str]],
        event_log: EventLog,
        profiles: ProfileStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._hasher = hasher
        self._write_keys = write_keys
        self._event_log = event_log
        self._profiles = profiles
        self._clock = clock

    def ingest(
        self, path: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, Any]:
        """Handle one request; returns the JSON document to answer 200 with.

        Raises a `RequestRejected` for a request that cannot be read, and
        `StorageUnavailable` when storage failed and the client must retry.
        """
        call_type = CALL_PATHS.get(path.rstrip("/"))
        if call_type is None:
            raise BadRequest(
                f"unknown call type at {path!r}; use one of {', '.join(CALL_PATHS)}"
            )

        document = _parse_body(body, headers.get("content-encoding", ""))
        _authorize(headers.get("authorization"), document, self._write_keys())
        calls, shared, sent_at = _calls(call_type, document)

        received_at = self._clock()
        processed = EventProcessor(self._settings(), self._hasher()).process(
            calls,
            received_at=received_at,
            sent_at=sent_at,
            shared=shared,
            global_privacy_control=headers.get("sec-gpc", "").strip() == "1",
        )
        self._store(processed)

        counts = {outcome.value: 0 for outcome in Outcome}
        for result in processed.results:
            counts[result.outcome.value] += 1
        logger.info("batch ingested", extra={"calls": len(calls), **counts})
        return {
            "success": True,
            "results": [result.to_json() for result in processed.results],
        }

    def _store(self, processed: Processed) -> None:
        try:
            if processed.records:
                self._event_log.append(processed.records)
            for subject, delta in processed.facts.items():
                consent = delta.consent
                self._profiles.apply(
                    subject,
                    LiveUpdate(
                        events=delta.events,
                        steps=frozenset(delta.steps),
                        first_seen=delta.first_seen,
                        last_seen=delta.last_seen,
                        traits=delta.traits,
                        consent=consent.purposes if consent else None,
                        consent_source=consent.source if consent else None,
                        consent_at=delta.consent_at,
                    ),
                    audit_source="ingest",
                )
        except StorageError as exc:
            logger.error("storing a batch failed", extra={"error": str(exc)})
            raise StorageUnavailable(
                "events could not be stored; retry the request"
            ) from exc


def _parse_body(body: bytes, encoding: str) -> Any:
    if len(body) > MAX_REQUEST_BYTES:
        raise PayloadTooLarge(
            f"request body is {len(body)} bytes, over the limit of {MAX_REQUEST_BYTES}"
        )
    if "gzip" in encoding.lower():
        body = _gunzip(body)

    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise BadRequest("request body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from exc


def _gunzip(body: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        data = decompressor.decompress(body, MAX_REQUEST_BYTES + 1)
    except zlib.error as exc:
        raise BadRequest(f"request body is not valid gzip: {exc}") from exc
    if len(data) > MAX_REQUEST_BYTES or decompressor.unconsumed_tail:
        raise PayloadTooLarge(
            f"request body is over the {MAX_REQUEST_BYTES} byte limit once decompressed"
        )
    return data


def _authorize(authorization: str | None, document: Any, keys: frozenset[str]) -> None:
    key = _basic_user(authorization)
    if key is None and isinstance(document, dict):
        body_key = document.get("writeKey")
        key = body_key if isinstance(body_key, str) else None
    if key is None:
        raise Unauthorized(
            "missing write key: send it as the Basic auth user name or as `writeKey`"
        )
    if not any(hmac.compare_digest(key.encode(), known.encode()) for known in keys):
        raise Unauthorized("unknown write key")


def _basic_user(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user = decoded.partition(":")[0]
    return user or None


def _calls(
    call_type: str, document: Any
) -> tuple[list[Any], dict[str, Any], datetime | None]:
    if not isinstance(document, dict):
        raise BadRequest("request body must be a JSON object")
    sent_at = _timestamp(document.get("sentAt"))

    if call_type != "batch":
        return [{**document, "type": call_type}], {}, sent_at

    batch = document.get("batch")
    if not isinstance(batch, list):
        raise BadRequest("a batch request needs `batch`: a list of calls")
    shared = {
        key: document[key]
        for key in ("context", "integrations")
        if isinstance(document.get(key), dict)
    }
    return batch, shared, sent_at


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
