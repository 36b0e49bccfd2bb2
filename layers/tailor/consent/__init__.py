"""Consent: purposes granted by a subject, read from Segment or RudderStack context."""

from tailor.consent.consent import NO_CONSENT, Consent, ConsentReader

__all__ = ["NO_CONSENT", "Consent", "ConsentReader"]
