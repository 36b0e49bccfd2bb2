from __future__ import annotations

import zlib
from datetime import UTC, datetime

import msgpack
import pytest

from tailor.bundle import (
    SCHEMA_VERSION,
    BundleChecksumMismatch,
    BundleCorrupt,
    BundleSchemaUnsupported,
    decode_bundle,
    encode_bundle,
    read_manifest,
)
from tailor.bundle.codec import MAGIC

BODY = {"config": {"placements": {"welcome": {"default": "hello"}}}, "models": {}}


def test_a_bundle_decodes_to_the_body_and_manifest_it_was_encoded_from():
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

    manifest, data = encode_bundle(BODY, lineage={"events": 12}, now=now)
    bundle = decode_bundle(data)

    assert bundle.body == BODY
    assert bundle.manifest == manifest
    assert manifest.version.startswith("20261203T100000Z-")
    assert manifest.schema_version == SCHEMA_VERSION
    assert manifest.lineage == {"events": 12}
    assert read_manifest(data) == manifest


def test_the_same_body_at_the_same_time_gets_the_same_version():
    now = datetime(2026, 12, 3, tzinfo=UTC)

    first, _ = encode_bundle(BODY, now=now)
    second, _ = encode_bundle(BODY, now=now)
    changed, _ = encode_bundle({**BODY, "models": {"k": 1}}, now=now)

    assert first.version == second.version
    assert changed.version != first.version


def test_a_truncated_bundle_is_refused_as_corrupt():
    _, data = encode_bundle(BODY)

    with pytest.raises(BundleCorrupt, match="truncated or damaged"):
        decode_bundle(data[: len(data) // 2])


def test_bytes_that_are_not_a_bundle_are_refused():
    with pytest.raises(BundleCorrupt, match="magic"):
        decode_bundle(b"PK\x03\x04 a zip file")


def _rewrap(data: bytes, change) -> bytes:
    outer = msgpack.unpackb(zlib.decompress(data[len(MAGIC) :]), raw=False)
    change(outer)
    return MAGIC + zlib.compress(msgpack.packb(outer, use_bin_type=True))


def test_a_body_that_does_not_match_its_checksum_is_refused():
    _, data = encode_bundle(BODY)

    def tamper(outer):
        outer[1] = msgpack.packb({"config": {"placements": {}}})

    with pytest.raises(BundleChecksumMismatch) as raised:
        decode_bundle(_rewrap(data, tamper))
    assert raised.value.expected != raised.value.actual


def test_a_bundle_of_another_schema_version_is_refused():
    _, data = encode_bundle(BODY)

    def future(outer):
        outer[0]["schema_version"] = SCHEMA_VERSION + 1

    with pytest.raises(BundleSchemaUnsupported, match="not supported"):
        decode_bundle(_rewrap(data, future))
