"""Errors raised while reading a bundle.

BundleError
├── BundleCorrupt             not a bundle, truncated, or not decodable
├── BundleChecksumMismatch    the body does not match the manifest's checksum
└── BundleSchemaUnsupported   written for a schema this code does not read
"""

from __future__ import annotations


class BundleError(Exception):
    """Base class of every bundle error; the previous bundle stays active."""


class BundleCorrupt(BundleError):
    """The bytes are not a readable bundle."""


class BundleChecksumMismatch(BundleError):
    """The body's checksum differs from the one in the manifest."""

    def __init__(self, *, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"bundle checksum mismatch: manifest says {expected}, body is {actual}"
        )


class BundleSchemaUnsupported(BundleError):
    """The bundle was written for a schema version this code cannot read."""

    def __init__(self, *, found: object, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            f"bundle schema version {found!r} is not supported (this code reads "
            f"version {supported})"
        )
