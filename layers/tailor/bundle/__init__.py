"""The bundle codec: MessagePack, compressed, with manifest, checksum and schema."""

from tailor.bundle.codec import (
    SCHEMA_VERSION,
    Bundle,
    Manifest,
    decode_bundle,
    encode_bundle,
    read_manifest,
)
from tailor.bundle.exceptions import (
    BundleChecksumMismatch,
    BundleCorrupt,
    BundleError,
    BundleSchemaUnsupported,
)

__all__ = [
    "SCHEMA_VERSION",
    "Bundle",
    "BundleChecksumMismatch",
    "BundleCorrupt",
    "BundleError",
    "BundleSchemaUnsupported",
    "Manifest",
    "decode_bundle",
    "encode_bundle",
    "read_manifest",
]
