"""The bundle format: what precompute publishes and the edge reads.

On the wire a bundle is `MAGIC` followed by a zlib stream of a two-element
MessagePack array: the manifest (a map) and the body (MessagePack bytes). The
manifest carries the version, creation time, schema version, the body's SHA-256 and
the lineage of the data that built it. Keeping the body as opaque bytes lets a reader
check the checksum before decoding anything it describes.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgpack

from tailor.bundle.exceptions import (
    BundleChecksumMismatch,
    BundleCorrupt,
    BundleSchemaUnsupported,
)

MAGIC = b"TLB\x01"
SCHEMA_VERSION = 1
COMPRESSION_LEVEL = 9


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a bundle is and where it came from."""

    version: str
    created_at: str
    schema_version: int
    checksum: str
    lineage: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "checksum": self.checksum,
            "lineage": dict(self.lineage),
        }


@dataclass(frozen=True, slots=True)
class Bundle:
    """A decoded bundle: its manifest and its body."""

    manifest: Manifest
    body: Mapping[str, Any]


def encode_bundle(
    body: Mapping[str, Any],
    *,
    lineage: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[Manifest, bytes]:
    """Serialize `body` into bundle bytes and the manifest that describes them.

    The version sorts by creation time and ends with the body's checksum, so two
    bundles with the same content published at the same second share a version.
    """
    created = (now or datetime.now(UTC)).astimezone(UTC)
    packed_body = msgpack.packb(body, use_bin_type=True)
    checksum = hashlib.sha256(packed_body).hexdigest()

    manifest = Manifest(
        version=f"{created:%Y%m%dT%H%M%SZ}-{checksum[:12]}",
        created_at=created.isoformat().replace("+00:00", "Z"),
        schema_version=SCHEMA_VERSION,
        checksum=checksum,
        lineage=dict(lineage or {}),
    )
    packed = msgpack.packb([manifest.to_dict(), packed_body], use_bin_type=True)
    return manifest, MAGIC + zlib.compress(packed, COMPRESSION_LEVEL)


def decode_bundle(data: bytes) -> Bundle:
    """Check and decode bundle bytes.

    Raises `BundleCorrupt`, `BundleChecksumMismatch` or `BundleSchemaUnsupported`;
    nothing of the body is decoded before its checksum and schema are verified.
    """
    manifest_fields, packed_body = _unwrap(data)
    manifest = _manifest(manifest_fields)

    if manifest.schema_version != SCHEMA_VERSION:
        raise BundleSchemaUnsupported(
            found=manifest.schema_version, supported=SCHEMA_VERSION
        )
    actual = hashlib.sha256(packed_body).hexdigest()
    if actual != manifest.checksum:
        raise BundleChecksumMismatch(expected=manifest.checksum, actual=actual)

    try:
        body = msgpack.unpackb(packed_body, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as exc:
        raise BundleCorrupt(f"bundle body is not MessagePack: {exc}") from exc
    if not isinstance(body, dict):
        raise BundleCorrupt("bundle body is not a map")
    return Bundle(manifest=manifest, body=body)


def read_manifest(data: bytes) -> Manifest:
    """The manifest of bundle bytes, without checking or decoding the body."""
    manifest_fields, _ = _unwrap(data)
    return _manifest(manifest_fields)


def _unwrap(data: bytes) -> tuple[Mapping[str, Any], bytes]:
    if not data.startswith(MAGIC):
        raise BundleCorrupt("not a Tailor bundle (wrong magic bytes)")
    try:
        outer = msgpack.unpackb(zlib.decompress(data[len(MAGIC) :]), raw=False)
    except (zlib.error, ValueError, msgpack.UnpackException) as exc:
        raise BundleCorrupt(f"bundle is truncated or damaged: {exc}") from exc

    valid = (
        isinstance(outer, list)
        and len(outer) == 2
        and isinstance(outer[0], dict)
        and isinstance(outer[1], bytes)
    )
    if not valid:
        raise BundleCorrupt("bundle is not a [manifest, body] pair")
    return outer[0], outer[1]


def _manifest(fields: Mapping[str, Any]) -> Manifest:
    try:
        return Manifest(
            version=str(fields["version"]),
            created_at=str(fields["created_at"]),
            schema_version=fields["schema_version"],
            checksum=str(fields["checksum"]),
            lineage=fields.get("lineage") or {},
        )
    except KeyError as exc:
        raise BundleCorrupt(f"bundle manifest lacks {exc.args[0]!r}") from exc
