"""Errors raised by the storage adapters; AWS errors are wrapped here, by code.

StorageError
├── StorageUnavailable   the service failed or throttled; retrying may help
├── NotFound             the object or item does not exist
└── NotModified          a conditional read found the cached copy current
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every storage error."""


class StorageUnavailable(StorageError):
    """The storage service did not do what was asked; the caller may retry."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.code = code
        super().__init__(message)


class NotFound(StorageError):
    """What was asked for does not exist."""


class NotModified(StorageError):
    """The stored object has not changed since the given ETag."""
