"""Consent: which purposes a subject granted, read from what clients send.

Segment's clients send `context.consent.categoryPreferences` (category -> bool);
RudderStack's send `context.consentManagement` with allowed and denied consent ids.
Configuration maps categories and ids to Tailor's purposes. Consent is denied by
default: a missing or empty object, or any value but the boolean `true`, grants
nothing, and a category that is both allowed and denied is denied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SEGMENT_SOURCE = "segment"
RUDDERSTACK_SOURCE = "rudderstack"


@dataclass(frozen=True, slots=True)
class Consent:
    """The purposes a subject granted, and where that was read."""

    purposes: frozenset[str]
    source: str

    def allows(self, purpose: str) -> bool:
        return purpose in self.purposes

    def without(self, purpose: str) -> Consent:
        return Consent(purposes=self.purposes - {purpose}, source=self.source)


NO_CONSENT = Consent(purposes=frozenset(), source="none")


class ConsentReader:
    """Reads consent from an event's context under a category -> purposes mapping."""

    def __init__(self, categories: Mapping[str, Sequence[str]]) -> None:
        self._categories = {name: frozenset(p) for name, p in categories.items()}

    def read(self, context: Mapping[str, Any] | None) -> Consent | None:
        """The consent stated in `context`, or None when it states none."""
        if not isinstance(context, Mapping):
            return None

        segment = context.get("consent")
        if isinstance(segment, Mapping) and "categoryPreferences" in segment:
            preferences = segment.get("categoryPreferences")
            granted = (
                [name for name, value in preferences.items() if value is True]
                if isinstance(preferences, Mapping)
                else []
            )
            return Consent(self._purposes(granted, ()), SEGMENT_SOURCE)

        rudderstack = context.get("consentManagement")
        if isinstance(rudderstack, Mapping):
            allowed = _strings(rudderstack.get("allowedConsentIds"))
            denied = _strings(rudderstack.get("deniedConsentIds"))
            return Consent(self._purposes(allowed, denied), RUDDERSTACK_SOURCE)
        return None

    def _purposes(
        self, granted: Sequence[str], denied: Sequence[str]
    ) -> frozenset[str]:
        refused = set(denied)
        purposes: set[str] = set()
        for name in granted:
            if name not in refused:
                purposes |= self._categories.get(name, frozenset())
        return frozenset(purposes)


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]
