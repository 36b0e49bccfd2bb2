"""The active bundle, held in memory and revalidated against S3.

Within `ttl` seconds of the last check the cached bundle is used as is. After that
the pointer is read with its ETag: unchanged costs one 304 and no download; a new
version is downloaded, checked and built once, then swapped in. When S3 fails or a
new bundle is unusable, the last good bundle stays active and answers are marked
stale; with no good bundle at all, the packaged fallback answers, marked degraded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from tailor.bundle import Bundle, BundleError, decode_bundle
from tailor.storage.bundles import BundleStore
from tailor.storage.exceptions import NotModified, StorageError

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    DEGRADED = "degraded"


class NoBundle(StorageError):
    """No bundle was ever published and no fallback is packaged."""


@dataclass(frozen=True, slots=True)
class Active(Generic[T]):
    value: T
    version: str
    freshness: Freshness


class ActiveBundle(Generic[T]):
    """Keeps the built form of the active bundle current, within a TTL."""

    def __init__(
        self,
        store: BundleStore,
        build: Callable[[Bundle], T],
        *,
        ttl: float = 30.0,
        fallback: Callable[[], tuple[T, str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._build = build
        self._ttl = ttl
        self._fallback = fallback
        self._clock = clock
        self._current: Active[T] | None = None
        self._etag: str | None = None
        self._checked_at = float("-inf")

    def get(self) -> Active[T]:
        """The active bundle's built form, refreshed when the TTL has passed."""
        now = self._clock()
        if self._current is not None and now - self._checked_at < self._ttl:
            return self._current

        try:
            self._refresh()
        except (StorageError, BundleError) as exc:
            logger.warning("bundle refresh failed", extra={"error": type(exc).__name__})
            return self._without_refresh()
        except Exception as exc:  # a bundle that cannot be built is not activated
            logger.exception("bundle could not be built", extra={"error": str(exc)})
            return self._without_refresh()
        finally:
            self._checked_at = now

        assert self._current is not None  # _refresh sets it or raises
        return self._current

    def invalidate(self) -> None:
        """Check S3 on the next `get`, whatever the TTL says."""
        self._checked_at = float("-inf")

    def _refresh(self) -> None:
        try:
            pointer = self._store.pointer(if_none_match=self._etag)
        except NotModified:
            if self._current is not None:
                self._current = Active(
                    self._current.value, self._current.version, Freshness.FRESH
                )
                return
            pointer = self._store.pointer()

        if self._current is None or pointer.version != self._current.version:
            bundle = decode_bundle(self._store.read(pointer.key))
            value = self._build(bundle)
            logger.info("bundle activated", extra={"version": pointer.version})
            self._current = Active(value, pointer.version, Freshness.FRESH)
        else:
            self._current = Active(
                self._current.value, self._current.version, Freshness.FRESH
            )
        self._etag = pointer.etag

    def _without_refresh(self) -> Active[T]:
        if (
            self._current is not None
            and self._current.freshness is not Freshness.DEGRADED
        ):
            self._current = Active(
                self._current.value, self._current.version, Freshness.STALE
            )
            return self._current
        if self._fallback is None:
            raise NoBundle("no bundle is published and no fallback is packaged")
        value, version = self._fallback()
        self._current = Active(value, version, Freshness.DEGRADED)
        return self._current
