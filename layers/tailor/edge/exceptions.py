"""Errors raised while answering a decide request.

EdgeError
└── InvalidRequest     400: the request asks for something malformed
"""

from __future__ import annotations

from typing import Any


class EdgeError(Exception):
    """Base class of every decide error."""

    status = 500
    code = "internal_error"


class InvalidRequest(EdgeError):
    """The request is malformed; `details` says what to change."""

    status = 400
    code = "invalid_request"

    def __init__(self, message: str, **details: Any) -> None:
        self.message = message
        self.details = details
        super().__init__(message)
