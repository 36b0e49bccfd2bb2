"""Errors raised by ingest; each carries the HTTP status a client should see.

IngestError
├── RequestRejected        the whole request is refused (4xx)
│   ├── BadRequest         400: not JSON, not a batch, unknown call type
│   ├── Unauthorized       401: missing or unknown write key
│   └── PayloadTooLarge    413: over the request size limit
└── StorageUnavailable     503: nothing was acknowledged; the client retries
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class of every ingest error."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class RequestRejected(IngestError):
    """The request as a whole cannot be accepted."""

    status = 400
    code = "bad_request"


class BadRequest(RequestRejected):
    """The request body or path is not a valid tracking call."""


class Unauthorized(RequestRejected):
    """The write key is missing or unknown."""

    status = 401
    code = "unauthorized"


class PayloadTooLarge(RequestRejected):
    """The request body is larger than ingest accepts."""

    status = 413
    code = "payload_too_large"


class StorageUnavailable(IngestError):
    """Events could not be stored; nothing of the request was acknowledged."""

    status = 503
    code = "storage_unavailable"
