"""Bundles in S3: immutable versions plus one pointer to the active one.

    bundles/<version>.tlb    one object per version, never overwritten
    bundles/current.json     {"version": ..., "key": ...}: the active bundle

Publishing writes the version first and flips the pointer second, so a reader sees
either the old bundle or the new one, never half of one. Readers revalidate the
pointer with its ETag and download a version only once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tailor.storage._errors import wrap

PREFIX = "bundles/"
POINTER_KEY = f"{PREFIX}current.json"
SUFFIX = ".tlb"


class S3Client(Protocol):
    """The subset of botocore's S3 client that bundles use."""

    def get_object(self, **kwargs: Any) -> dict[str, Any]: ...
    def put_object(self, **kwargs: Any) -> dict[str, Any]: ...
    def list_objects_v2(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Pointer:
    """Which bundle is active, and the pointer object's ETag."""

    version: str
    key: str
    etag: str


def bundle_key(version: str) -> str:
    return f"{PREFIX}{version}{SUFFIX}"


class BundleStore:
    """Publishes, lists and reads bundles in one S3 bucket."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def write(self, version: str, data: bytes) -> str:
        """Store bundle bytes under their version; returns the key."""
        key = bundle_key(version)
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=data,
                ContentType="application/vnd.tailor.bundle",
                Metadata={"tailor-version": version},
            )
        except (ClientError, BotoCoreError) as exc:
            raise wrap(exc, f"writing bundle {version}") from exc
        return key

    def activate(self, version: str) -> None:
        """Point readers at `version`: one PutObject, atomic for every reader."""
        body = json.dumps({"version": version, "key": bundle_key(version)})
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=POINTER_KEY,
                Body=body.encode(),
                ContentType="application/json",
                CacheControl="no-cache",
            )
        except (ClientError, BotoCoreError) as exc:
            raise wrap(exc, f"activating bundle {version}") from exc

    def pointer(self, *, if_none_match: str | None = None) -> Pointer:
        """The active bundle's pointer.

        Raises `NotModified` when `if_none_match` is the pointer's current ETag,
        and `NotFound` when nothing was ever published.
        """
        request: dict[str, Any] = {"Bucket": self._bucket, "Key": POINTER_KEY}
        if if_none_match is not None:
            request["IfNoneMatch"] = if_none_match
        try:
            response = self._client.get_object(**request)
            document = json.loads(response["Body"].read())
        except (ClientError, BotoCoreError) as exc:
            raise wrap(exc, "reading the bundle pointer") from exc
        return Pointer(
            version=str(document["version"]),
            key=str(document["key"]),
            etag=str(response.get("ETag", "")),
        )

    def read(self, key: str) -> bytes:
        """The bytes of the bundle at `key`."""
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
            data: bytes = response["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise wrap(exc, f"reading bundle {key}") from exc
        return data

    def versions(self) -> list[str]:
        """Every stored version, oldest first (versions sort by creation time)."""
        found: list[str] = []
        request: dict[str, Any] = {"Bucket": self._bucket, "Prefix": PREFIX}
        try:
            while True:
                response = self._client.list_objects_v2(**request)
                found += [
                    item["Key"][len(PREFIX) : -len(SUFFIX)]
                    for item in response.get("Contents", [])
                    if item["Key"].endswith(SUFFIX)
                ]
                token = response.get("NextContinuationToken")
                if not token:
                    break
                request["ContinuationToken"] = token
        except (ClientError, BotoCoreError) as exc:
            raise wrap(exc, "listing bundles") from exc
        return sorted(found)
