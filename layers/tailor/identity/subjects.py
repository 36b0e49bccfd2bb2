"""Pseudonymous subjects: what storage holds instead of a person's ids.

A subject is HMAC-SHA256 of the id under a secret key, truncated to 128 bits and
base64url-encoded. Known users and anonymous visitors hash in separate namespaces,
so an anonymous id that happens to equal a user id never merges the two.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

USER_PREFIX = "u"
ANONYMOUS_PREFIX = "a"
DIGEST_BYTES = 16

# Values that clients send when an id is missing; none of them names a person.
PLACEHOLDER_IDS = frozenset(
    {"undefined", "null", "none", "nil", "nan", "[object object]", "0", "-1"}
    | {"anonymous", "unknown", "n/a", "na", "false", "true", "{}", "[]"}
)
MAX_ID_LENGTH = 256


def usable_id(value: object) -> str | None:
    """`value` as an id if it can name a person, else None.

    Placeholders such as `undefined`, `null`, `NaN`, `[object Object]`, `0`, empty
    or blank strings, and their quoted forms, are never an identity.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None

    text = value.strip()
    unquoted = text.strip("'\"` ").strip()
    if not unquoted or len(text) > MAX_ID_LENGTH:
        return None
    if unquoted.lower() in PLACEHOLDER_IDS:
        return None
    return text


class SubjectHasher:
    """Turns user ids and anonymous ids into subjects under one secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the subject key must be at least 16 bytes")
        self._key = key

    def user(self, user_id: str) -> str:
        """The subject of a known user."""
        return self._subject(USER_PREFIX, user_id)

    def anonymous(self, anonymous_id: str) -> str:
        """The subject of an anonymous visitor."""
        return self._subject(ANONYMOUS_PREFIX, anonymous_id)

    def _subject(self, prefix: str, value: str) -> str:
        message = f"{prefix}:{value}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()[:DIGEST_BYTES]
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return f"{prefix}_{encoded}"
