"""What ingest needs to know of the published configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tailor.consent import ConsentReader

DEFAULT_STORE_PURPOSE = "analytics"


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """Consent mapping, allowlists and funnel steps, from the active bundle."""

    consent: ConsentReader
    store_purpose: str
    marketing_purpose: str
    traits: frozenset[str]
    properties: frozenset[str]
    steps_by_event: Mapping[str, str]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IngestSettings:
        """Settings from the `config` section of a bundle body."""
        consent = config.get("consent") or {}
        ingest = config.get("ingest") or {}
        steps = (config.get("funnel") or {}).get("steps") or []
        return cls(
            consent=ConsentReader(consent.get("categories") or {}),
            store_purpose=consent.get("store_events", DEFAULT_STORE_PURPOSE),
            marketing_purpose=consent.get("send_messages", "marketing"),
            traits=frozenset(ingest.get("traits") or ()),
            properties=frozenset(ingest.get("properties") or ()),
            steps_by_event={step["event"]: step["id"] for step in steps},
        )
