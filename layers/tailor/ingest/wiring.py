"""Builds an `IngestService` from resource names and AWS clients."""

from __future__ import annotations

import functools
from typing import Any

from tailor.environment import Environment
from tailor.identity import SubjectHasher
from tailor.ingest.service import IngestService
from tailor.ingest.settings import IngestSettings
from tailor.storage import ActiveBundle, BundleStore, EventLog, ProfileStore
from tailor.storage.secrets import Secrets


@functools.lru_cache(maxsize=4)
def _hasher(key: str) -> SubjectHasher:
    return SubjectHasher(key.encode())


def create_ingest_service(
    environment: Environment,
    *,
    ssm: Any,
    s3: Any,
    firehose: Any,
    dynamodb: Any,
) -> IngestService:
    """Wire ingest to the resources `environment` names, through the given clients."""
    secrets = Secrets(ssm)
    settings = ActiveBundle(
        BundleStore(s3, environment.bundle_bucket),
        lambda bundle: IngestSettings.from_config(bundle.body["config"]),
        ttl=environment.bundle_ttl_seconds,
    )
    return IngestService(
        settings=lambda: settings.get().value,
        hasher=lambda: _hasher(secrets.get(environment.subject_key_parameter)),
        write_keys=lambda: secrets.get_list(environment.write_keys_parameter),
        event_log=EventLog(firehose, environment.event_stream),
        profiles=ProfileStore(dynamodb, environment.profiles_table),
    )
