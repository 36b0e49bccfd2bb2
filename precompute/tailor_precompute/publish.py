"""Publishing: a new bundle version is written, checked, then made active.

A bundle that does not decode or does not compile is never activated, so the
previous one stays live. Activation is one PutObject of the pointer.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tailor import __version__
from tailor.bundle import Bundle, Manifest, decode_bundle, encode_bundle
from tailor.config import Configuration
from tailor.engine import Engine
from tailor.storage import BundleStore, NotFound
from tailor_precompute.exceptions import NothingPublished

logger = logging.getLogger(__name__)


def publish_bundle(
    store: BundleStore,
    body: Mapping[str, Any],
    *,
    lineage: Mapping[str, Any],
    now: datetime | None = None,
) -> Manifest:
    """Encode, verify, store and activate a bundle; returns its manifest."""
    manifest, data = encode_bundle(
        body, lineage={**lineage, "code_version": __version__}, now=now
    )
    checked = decode_bundle(data)
    Engine.compile(checked.body["config"], version=manifest.version)

    store.write(manifest.version, data)
    store.activate(manifest.version)
    logger.info(
        "bundle published",
        extra={"version": manifest.version, "bytes": len(data)},
    )
    return manifest


def publish_config(
    store: BundleStore, config: Configuration, *, now: datetime | None = None
) -> Manifest:
    """Publish a new configuration, keeping the models of the active bundle."""
    try:
        models = active_bundle(store).body.get("models") or {}
    except NothingPublished:
        models = {}
    body = {"config": config.model_dump(mode="json"), "models": models}
    lineage = {"source": "configuration", "config_hash": config_hash(body)}
    return publish_bundle(store, body, lineage=lineage, now=now)


def active_bundle(store: BundleStore) -> Bundle:
    """The decoded active bundle; `NothingPublished` if there is none."""
    try:
        pointer = store.pointer()
    except NotFound as exc:
        raise NothingPublished(
            "no bundle is published yet: run `tailor publish CONFIG_DIR` first"
        ) from exc
    return decode_bundle(store.read(pointer.key))


def config_hash(body: Mapping[str, Any]) -> str:
    """A short hash of a bundle body's configuration, for lineage."""
    canonical = json.dumps(body["config"], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
