"""Storage adapters: the only place that talks to AWS services."""

from tailor.storage.active import Active, ActiveBundle, Freshness, NoBundle
from tailor.storage.bundles import BundleStore, Pointer, bundle_key
from tailor.storage.eventlog import EventLog
from tailor.storage.exceptions import (
    NotFound,
    NotModified,
    StorageError,
    StorageUnavailable,
)
from tailor.storage.profiles import (
    LiveUpdate,
    PrecomputedFacts,
    ProfileStore,
    StoredProfile,
)

__all__ = [
    "Active",
    "ActiveBundle",
    "BundleStore",
    "EventLog",
    "Freshness",
    "LiveUpdate",
    "NoBundle",
    "NotFound",
    "NotModified",
    "Pointer",
    "PrecomputedFacts",
    "ProfileStore",
    "StorageError",
    "StorageUnavailable",
    "StoredProfile",
    "bundle_key",
]
