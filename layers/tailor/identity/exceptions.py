"""Errors raised by identity handling.

IdentityError
├── NoUsableId     an event or request carries no id that can name a person
└── TokenInvalid   an identity token is malformed, forged or expired
"""

from __future__ import annotations


class IdentityError(Exception):
    """Base class of every identity error."""


class NoUsableId(IdentityError):
    """Neither userId nor anonymousId is a usable identity."""


class TokenInvalid(IdentityError):
    """An identity token cannot be trusted; `reason` says why, in one word."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)
