"""Turns raw tracking calls into what Tailor may store.

For each call: check its size and shape, find a usable identity, read consent, and
only with the storing purpose granted build the stored record — ids replaced by
subjects, time corrected for client clock skew, properties and traits reduced to
the allowlist, the IP address truncated. Each call gets its own result, so one bad
call never blocks the others.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from tailor.consent import NO_CONSENT, Consent
from tailor.identity import SubjectHasher, usable_id
from tailor.ingest.events import CALL_TYPES, TrackingCall
from tailor.ingest.settings import IngestSettings

MAX_EVENT_BYTES = 32 * 1024
MAX_FUTURE = timedelta(days=1)

# An allowlisted value that still looks like an email address or a phone number is
# dropped: direct identifiers never reach the event log through a loose allowlist.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    NOT_STORED = "not_stored"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class CallResult:
    """What happened to one call of a request, as reported to the client."""

    index: int
    outcome: Outcome
    message_id: str | None = None
    code: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"index": self.index, "status": self.outcome.value}
        if self.message_id is not None:
            result["messageId"] = self.message_id
        if self.code is not None:
            result["error"] = {"code": self.code, "message": self.message}
        return result


@dataclass(slots=True)
class FactsDelta:
    """Real-time facts for one subject, gathered over one request."""

    events: int = 0
    steps: set[str] = field(default_factory=set)
    first_seen: float | None = None
    last_seen: float | None = None
    traits: dict[str, Any] = field(default_factory=dict)
    consent: Consent | None = None
    consent_at: float | None = None

    def saw(self, at: float) -> None:
        self.events += 1
        self.first_seen = at if self.first_seen is None else min(self.first_seen, at)
        self.last_seen = at if self.last_seen is None else max(self.last_seen, at)

    def consented(self, consent: Consent, at: float) -> None:
        if self.consent_at is None or at >= self.consent_at:
            self.consent, self.consent_at = consent, at


@dataclass(slots=True)
class Processed:
    """The outcome of one request's calls: records to store, facts, results."""

    records: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, FactsDelta] = field(default_factory=dict)
    results: list[CallResult] = field(default_factory=list)

    def delta(self, subject: str) -> FactsDelta:
        found = self.facts.get(subject)
        if found is None:
            found = self.facts[subject] = FactsDelta()
        return found


class EventProcessor:
    """Validates, filters and pseudonymizes tracking calls."""

    def __init__(self, settings: IngestSettings, hasher: SubjectHasher) -> None:
        self._settings = settings
        self._hasher = hasher

    def process(
        self,
        calls: list[Any],
        *,
        received_at: datetime,
        sent_at: datetime | None = None,
        shared: Mapping[str, Any] | None = None,
        global_privacy_control: bool = False,
    ) -> Processed:
        """Process the calls of one request.

        `shared` holds batch-level `context` and `integrations`, merged under each
        call's own. With `global_privacy_control` the marketing purpose is withheld
        whatever the calls' consent says.
        """
        processed = Processed()
        seen: set[str] = set()
        for index, raw in enumerate(calls):
            result = self._process_one(
                index,
                raw,
                processed,
                seen,
                received_at=received_at,
                sent_at=sent_at,
                shared=shared or {},
                gpc=global_privacy_control,
            )
            processed.results.append(result)
        return processed

    def _process_one(
        self,
        index: int,
        raw: Any,
        processed: Processed,
        seen: set[str],
        *,
        received_at: datetime,
        sent_at: datetime | None,
        shared: Mapping[str, Any],
        gpc: bool,
    ) -> CallResult:
        where = f"batch[{index}]"
        if not isinstance(raw, dict):
            return _rejected(
                index, "invalid_event", f"{where}: an event must be an object"
            )
        message_id = (
            raw.get("messageId") if isinstance(raw.get("messageId"), str) else None
        )

        size = len(json.dumps(raw, separators=(",", ":"), default=str).encode())
        if size > MAX_EVENT_BYTES:
            return _rejected(
                index,
                "event_too_large",
                f"{where}: event is {size} bytes, over the limit of {MAX_EVENT_BYTES}",
                message_id,
            )
        if raw.get("type") not in CALL_TYPES:
            return _rejected(
                index,
                "unknown_type",
                f"{where}.type: {raw.get('type')!r} is not one of "
                f"{', '.join(sorted(CALL_TYPES))}",
                message_id,
            )

        try:
            call = TrackingCall.model_validate(_merged(raw, shared))
        except ValidationError as exc:
            return _rejected(index, "invalid_event", _describe(where, exc), message_id)

        user_id, anonymous_id = usable_id(call.user_id), usable_id(call.anonymous_id)
        if user_id is None and anonymous_id is None:
            return _rejected(
                index,
                "no_usable_id",
                f"{where}: neither userId nor anonymousId is a usable id",
                message_id,
            )

        message_id = call.message_id or str(uuid.uuid4())
        if message_id in seen:
            return CallResult(index, Outcome.DUPLICATE, message_id)
        seen.add(message_id)

        user = self._hasher.user(user_id) if user_id else None
        anonymous = self._hasher.anonymous(anonymous_id) if anonymous_id else None
        subject = user or anonymous
        assert subject is not None  # one of the two ids is usable, checked above

        occurred, original = _event_time(call, received_at, call.sent_at or sent_at)
        at = occurred.timestamp()
        consent = self._settings.consent.read(call.context) or NO_CONSENT
        if gpc:
            consent = consent.without(self._settings.marketing_purpose)

        delta = processed.delta(subject)
        delta.consented(consent, at)
        if not consent.allows(self._settings.store_purpose):
            return CallResult(
                index,
                Outcome.NOT_STORED,
                message_id,
                "no_consent",
                f"no {self._settings.store_purpose} consent: not stored",
            )

        delta.saw(at)
        step = self._settings.steps_by_event.get(call.event or "")
        if call.type == "track" and step is not None:
            delta.steps.add(step)
        traits = self._allowed(
            call.traits or call.context.get("traits") or {}, self._settings.traits
        )
        if call.type == "identify":
            delta.traits.update(traits)

        processed.records.append(
            self._record(
                call,
                message_id,
                user,
                anonymous,
                occurred,
                original,
                received_at,
                call.sent_at or sent_at,
                consent,
                traits,
            )
        )
        return CallResult(index, Outcome.STORED, message_id)

    def _record(
        self,
        call: TrackingCall,
        message_id: str,
        user: str | None,
        anonymous: str | None,
        occurred: datetime,
        original: datetime,
        received_at: datetime,
        sent_at: datetime | None,
        consent: Consent,
        traits: dict[str, Any],
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "messageId": message_id,
            "type": call.type,
            "userId": user,
            "anonymousId": anonymous,
            "timestamp": _iso(occurred),
            "originalTimestamp": _iso(original),
            "sentAt": _iso(sent_at) if sent_at else None,
            "receivedAt": _iso(received_at),
            "context": _context(call.context),
            "consent": sorted(consent.purposes),
        }
        if call.event is not None:
            record["event"] = call.event
        if call.name is not None:
            record["name"] = call.name
        if call.type in ("track", "page", "screen"):
            record["properties"] = self._allowed(
                call.properties, self._settings.properties
            )
        if call.type == "identify":
            record["traits"] = traits
        return record

    @staticmethod
    def _allowed(
        values: Mapping[str, Any], allowlist: frozenset[str]
    ) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for key, value in values.items():
            if key not in allowlist:
                continue
            if isinstance(value, str) and (_EMAIL.search(value) or _PHONE.match(value)):
                continue
            kept[key] = value
        return kept


def _merged(raw: Mapping[str, Any], shared: Mapping[str, Any]) -> Mapping[str, Any]:
    if not shared:
        return raw
    merged = dict(raw)
    for key in ("context", "integrations"):
        outer = shared.get(key)
        if isinstance(outer, dict):
            inner = raw.get(key)
            merged[key] = {**outer, **inner} if isinstance(inner, dict) else outer
    return merged


def _event_time(
    call: TrackingCall, received_at: datetime, sent_at: datetime | None
) -> tuple[datetime, datetime]:
    """The skew-corrected time of a call, and the time the client claimed.

    With `sentAt`, the client's clock offset is `sentAt - receivedAt`; removing it
    from `timestamp` gives the server-clock time. Without it, a timestamp more than a
    day ahead is clamped to the time of receipt.
    """
    original = call.timestamp or received_at
    if sent_at is not None:
        return received_at - (sent_at - original), original
    if original - received_at > MAX_FUTURE:
        return received_at, original
    return original, original


def _context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of `context` Tailor keeps: nothing that identifies a person."""
    kept: dict[str, Any] = {}
    for key in ("locale", "timezone"):
        value = context.get(key)
        if isinstance(value, str) and len(value) <= 64:
            kept[key] = value
    library = context.get("library")
    if isinstance(library, dict):
        kept["library"] = {
            k: str(v)[:64] for k, v in library.items() if k in ("name", "version")
        }
    device = context.get("device")
    if isinstance(device, dict) and isinstance(device.get("type"), str):
        kept["device"] = {"type": device["type"][:32]}
    ip = context.get("ip")
    if isinstance(ip, str):
        kept["ip"] = _truncated_ip(ip)
    return kept


def _truncated_ip(ip: str) -> str | None:
    """The network part of an address: /24 for IPv4, /48 for IPv6."""
    if ip.count(".") == 3:
        parts = ip.split(".")
        return ".".join([*parts[:3], "0"]) if all(p.isdigit() for p in parts) else None
    if ":" in ip:
        groups = ip.split(":")[:3]
        return ":".join(groups) + "::"
    return None


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _describe(where: str, exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        location = ".".join(str(part) for part in error["loc"])
        place = f"{where}.{location}" if location else where
        parts.append(f"{place}: {error['msg']}")
    return "; ".join(parts)


def _rejected(
    index: int, code: str, message: str, message_id: str | None = None
) -> CallResult:
    return CallResult(index, Outcome.REJECTED, message_id, code, message)
