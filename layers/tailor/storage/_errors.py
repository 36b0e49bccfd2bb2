"""Classifies botocore errors by their error code, never by message text."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from tailor.storage.exceptions import NotFound, NotModified, StorageUnavailable

NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "404", "ParameterNotFound"})
NOT_MODIFIED_CODES = frozenset({"304", "NotModified"})


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def wrap(exc: ClientError | BotoCoreError, action: str) -> Exception:
    """The storage error that stands for `exc`, raised while doing `action`."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in NOT_FOUND_CODES:
            return NotFound(f"{action}: not found")
        if code in NOT_MODIFIED_CODES:
            return NotModified(f"{action}: not modified")
        return StorageUnavailable(f"{action} failed with {code}", code=code)
    return StorageUnavailable(f"{action} failed: {type(exc).__name__}")
