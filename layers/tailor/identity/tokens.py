"""Signed identity tokens: how a customer's backend vouches for a known user.

A token is `<payload>.<signature>`, both base64url without padding. The payload is
compact JSON `{"sub": "<user id>", "exp": <unix seconds>}`; the signature is
HMAC-SHA256 of the encoded payload under the shared identity secret. Any backend can
issue one in a few lines; see the README's "Identity tokens" section.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from tailor.identity.exceptions import TokenInvalid
from tailor.identity.subjects import usable_id

MAX_TOKEN_LENGTH = 1024


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class IdentityTokens:
    """Issues and verifies identity tokens under one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the identity secret must be at least 16 bytes")
        self._secret = secret

    def issue(self, user_id: str, *, expires_at: int) -> str:
        """A token saying `user_id` is signed in until `expires_at` (unix seconds)."""
        payload = json.dumps(
            {"sub": user_id, "exp": int(expires_at)}, separators=(",", ":")
        )
        encoded = _encode(payload.encode())
        return f"{encoded}.{self._sign(encoded)}"

    def verify(self, token: str, *, now: float) -> str:
        """The user id a valid token names.

        Raises `TokenInvalid` with reason `malformed`, `forged` or `expired`.
        """
        if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise TokenInvalid("malformed", "identity token is not payload.signature")

        encoded, signature = token.split(".")
        expected = self._sign(encoded).encode()
        if not hmac.compare_digest(signature.encode("utf-8", "replace"), expected):
            raise TokenInvalid("forged", "identity token signature does not match")

        try:
            payload = json.loads(_decode(encoded))
            user_id, expires_at = payload["sub"], payload["exp"]
        except (ValueError, binascii.Error, KeyError, TypeError) as exc:
            raise TokenInvalid(
                "malformed", "identity token payload is invalid"
            ) from exc
        if not isinstance(expires_at, int) or isinstance(expires_at, bool):
            raise TokenInvalid("malformed", "identity token expiry is not an integer")
        if expires_at <= now:
            raise TokenInvalid("expired", "identity token has expired")

        usable = usable_id(user_id)
        if usable is None:
            raise TokenInvalid("malformed", "identity token names no usable user id")
        return usable

    def _sign(self, encoded: str) -> str:
        digest = hmac.new(self._secret, encoded.encode(), hashlib.sha256).digest()
        return _encode(digest)
