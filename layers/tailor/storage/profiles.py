"""Profiles in DynamoDB: one partition per subject.

Records of a subject (the table's range key `record`):

    facts#live       real-time facts written by ingest: counters, steps, traits,
                     consent, experiment assignments
    facts#pre        precomputed facts written by precompute: segments, cluster,
                     scores, features, the bundle version that computed them
    consent#<time>   the audit trail: one record per consent change

The edge reads both `facts#` records with one Query on the subject's partition.
Only this module knows the item format; boto3 appears nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tailor.storage._errors import wrap
from tailor.storage.exceptions import StorageUnavailable

LIVE = "facts#live"
PRECOMPUTED = "facts#pre"
FACTS_PREFIX = "facts#"
CONSENT_PREFIX = "consent#"
TRAIT_PREFIX = "trait:"
ASSIGNMENT_PREFIX = "assign:"
RETENTION_SECONDS = 400 * 24 * 3600
BATCH_WRITE_LIMIT = 25
MAX_BATCH_ATTEMPTS = 8


class DynamoDBClient(Protocol):
    """The subset of botocore's DynamoDB client that profiles use."""

    def query(self, **kwargs: Any) -> dict[str, Any]: ...
    def update_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def put_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def batch_write_item(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class StoredProfile:
    """What storage holds of one subject, decoded."""

    consent: frozenset[str] | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    traits: Mapping[str, Any] = field(default_factory=dict)
    assignments: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    segments: tuple[str, ...] = ()
    cluster: int | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    features: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """Real-time facts for one subject from one ingest request."""

    events: int = 0
    steps: frozenset[str] = frozenset()
    first_seen: float | None = None
    last_seen: float | None = None
    traits: Mapping[str, Any] = field(default_factory=dict)
    consent: frozenset[str] | None = None
    consent_source: str | None = None
    consent_at: float | None = None


@dataclass(frozen=True, slots=True)
class PrecomputedFacts:
    """What precompute knows of one subject."""

    subject: str
    segments: Sequence[str]
    features: Mapping[str, Any]
    cluster: int | None = None
    scores: Mapping[str, float] = field(default_factory=dict)


class ProfileStore:
    """Reads and writes subjects' profile records in one DynamoDB table."""

    def __init__(
        self, client: DynamoDBClient, table: str, *, clock: Any = time.time
    ) -> None:
        self._client = client
        self._table = table
        self._clock = clock

    def read(self, subject: str) -> StoredProfile | None:
        """Both fact records of `subject` in one request; None if it has none."""
        try:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="#s = :s AND begins_with(#r, :p)",
                ExpressionAttributeNames={"#s": "subject", "#r": "record"},
                ExpressionAttributeValues={
                    ":s": {"S": subject},
                    ":p": {"S": FACTS_PREFIX},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise wrap(exc, "reading a profile") from exc

        records = {
            item["record"]["S"]: _decode_item(item)
            for item in response.get("Items", [])
        }
        if not records:
            return None
        return _profile(records.get(LIVE, {}), records.get(PRECOMPUTED, {}))

    def apply(self, subject: str, update: LiveUpdate, *, audit_source: str) -> None:
        """Apply one request's real-time facts to `subject` in one UpdateItem.

        When the stored consent changes, the change is appended to the audit trail.
        """
        names, values, sets, adds = self._live_expression(update)
        expression = " ".join(
            part
            for part in (
                f"SET {', '.join(sets)}" if sets else "",
                f"ADD {', '.join(adds)}" if adds else "",
            )
            if part
        )

        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"subject": {"S": subject}, "record": {"S": LIVE}},
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_OLD",
            )
        except (ClientError, BotoCoreError) as exc:
            raise wrap(exc, "updating a profile") from exc

        if update.consent is not None:
            old = _decode_item(response.get("Attributes", {})).get("consent")
            previous = frozenset(k for k, v in (old or {}).items() if v)
            if old is None or previous != update.consent:
                self._audit_consent(subject, update, audit_source)

    def write_precomputed(
        self, facts: Iterable[PrecomputedFacts], *, version: str
    ) -> int:
        """Write precomputed facts with BatchWriteItem; returns how many were written.

        Unprocessed items are retried with exponential backoff; if some are still
        unprocessed after the last attempt, `StorageUnavailable` is raised.
        """
        now = self._clock()
        requests = [
            {"PutRequest": {"Item": _precomputed_item(item, version, now)}}
            for item in facts
        ]
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            self._batch_write(requests[start : start + BATCH_WRITE_LIMIT])
        return len(requests)

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        pending = requests
        for attempt in range(MAX_BATCH_ATTEMPTS):
            try:
                response = self._client.batch_write_item(
                    RequestItems={self._table: pending}
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in _THROTTLING:
                    raise wrap(exc, "writing precomputed facts") from exc
                response = {"UnprocessedItems": {self._table: pending}}
            except BotoCoreError as exc:
                raise wrap(exc, "writing precomputed facts") from exc

            pending = response.get("UnprocessedItems", {}).get(self._table, [])
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 2.0))
        raise StorageUnavailable(
            f"{len(pending)} precomputed profile(s) still unprocessed after "
            f"{MAX_BATCH_ATTEMPTS} attempts"
        )

    def _audit_consent(self, subject: str, update: LiveUpdate, source: str) -> None:
        at = update.consent_at or self._clock()
        purposes = sorted(update.consent or ())
        # The time and the purposes name a change, so a retried request
        # rewrites the same record instead of adding one.
        record = f"{CONSENT_PREFIX}{at:017.6f}#{','.join(purposes)}"
        item = {
            "subject": {"S": subject},
            "record": {"S": record},
            "at": {"N": repr(at)},
            "source": {"S": update.consent_source or source},
            "purposes": {"L": [{"S": purpose} for purpose in purposes]},
        }
        try:
            self._client.put_item(TableName=self._table, Item=item)
        except (ClientError, BotoCoreError) as exc:
            raise wrap(exc, "appending to the consent audit trail") from exc

    def _live_expression(
        self, update: LiveUpdate
    ) -> tuple[dict[str, str], dict[str, Any], list[str], list[str]]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        adds: list[str] = []

        def name(attribute: str) -> str:
            placeholder = f"#n{len(names)}"
            names[placeholder] = attribute
            return placeholder

        def value(encoded: dict[str, Any]) -> str:
            placeholder = f":v{len(values)}"
            values[placeholder] = encoded
            return placeholder

        if update.events:
            adds.append(f"{name('event_count')} {value({'N': str(update.events)})}")
        if update.steps:
            adds.append(f"{name('steps')} {value({'SS': sorted(update.steps)})}")
        if update.first_seen is not None:
            first = name("first_seen")
            sets.append(
                f"{first} = if_not_exists({first}, "
                f"{value({'N': repr(update.first_seen)})})"
            )
        if update.last_seen is not None:
            # TODO: last_seen takes the latest request's value even when an earlier
            # event arrives late; precompute's recency feature is the exact one.
            sets.append(f"{name('last_seen')} = {value({'N': repr(update.last_seen)})}")
        for trait, trait_value in update.traits.items():
            sets.append(f"{name(TRAIT_PREFIX + trait)} = {value(_encode(trait_value))}")
        if update.consent is not None:
            granted = {p: {"BOOL": True} for p in sorted(update.consent)}
            sets.append(f"{name('consent')} = {value({'M': granted})}")
            sets.append(
                f"{name('consent_at')} = "
                f"{value({'N': repr(update.consent_at or self._clock())})}"
            )
        expiry = (update.last_seen or self._clock()) + RETENTION_SECONDS
        sets.append(f"{name('expires_at')} = {value({'N': str(int(expiry))})}")
        return names, values, sets, adds


_THROTTLING = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
    }
)


def _profile(live: Mapping[str, Any], pre: Mapping[str, Any]) -> StoredProfile:
    consent = live.get("consent")
    traits = {
        key[len(TRAIT_PREFIX) :]: value
        for key, value in live.items()
        if key.startswith(TRAIT_PREFIX)
    }
    assignments: dict[str, tuple[str, int]] = {}
    for key, value in live.items():
        if key.startswith(ASSIGNMENT_PREFIX) and isinstance(value, str):
            variant, _, bucket_version = value.rpartition("@")
            if bucket_version.isdigit():
                assignments[key[len(ASSIGNMENT_PREFIX) :]] = (
                    variant,
                    int(bucket_version),
                )

    return StoredProfile(
        consent=frozenset(k for k, v in consent.items() if v is True)
        if isinstance(consent, dict)
        else None,
        facts={
            "steps": sorted(live.get("steps") or ()),
            "event_count": live.get("event_count", 0),
            "first_seen": live.get("first_seen"),
            "last_seen": live.get("last_seen"),
        },
        traits=traits,
        assignments=assignments,
        segments=tuple(pre.get("segments") or ()),
        cluster=pre.get("cluster"),
        scores=pre.get("scores") or {},
        features=pre.get("features") or {},
    )


def _precomputed_item(
    facts: PrecomputedFacts, version: str, now: float
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "subject": {"S": facts.subject},
        "record": {"S": PRECOMPUTED},
        "segments": _encode(list(facts.segments)),
        "features": _encode(dict(facts.features)),
        "scores": _encode(dict(facts.scores)),
        "bundle_version": {"S": version},
        "computed_at": {"N": repr(now)},
        "expires_at": {"N": str(int(now + RETENTION_SECONDS))},
    }
    if facts.cluster is not None:
        item["cluster"] = {"N": str(int(facts.cluster))}
    return item


def _encode(value: Any) -> dict[str, Any]:
    """A DynamoDB attribute value for a plain Python value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Mapping):
        return {"M": {str(k): _encode(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [_encode(v) for v in value]}
    return {"S": str(value)}


def _decode(value: Mapping[str, Any]) -> Any:
    """The plain Python value of a DynamoDB attribute value."""
    kind, raw = next(iter(value.items()))
    if kind == "S":
        return raw
    if kind == "N":
        number = float(raw)
        return int(number) if number.is_integer() and "." not in raw else number
    if kind == "BOOL":
        return bool(raw)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: _decode(v) for k, v in raw.items()}
    if kind == "L":
        return [_decode(v) for v in raw]
    if kind in ("SS", "NS"):
        return set(raw)
    return raw


def _decode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _decode(value) for key, value in item.items()}
