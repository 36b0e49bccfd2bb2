"""Ingest: Segment-compatible tracking calls, kept only with consent."""

from tailor.ingest.exceptions import (
    BadRequest,
    IngestError,
    PayloadTooLarge,
    RequestRejected,
    StorageUnavailable,
    Unauthorized,
)
from tailor.ingest.processor import CallResult, EventProcessor, Outcome, Processed
from tailor.ingest.service import IngestService
from tailor.ingest.settings import IngestSettings

__all__ = [
    "BadRequest",
    "CallResult",
    "EventProcessor",
    "IngestError",
    "IngestService",
    "IngestSettings",
    "Outcome",
    "PayloadTooLarge",
    "Processed",
    "RequestRejected",
    "StorageUnavailable",
    "Unauthorized",
]
