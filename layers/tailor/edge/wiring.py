"""Builds a `DecideService` from resource names and AWS clients."""

from __future__ import annotations

import functools
from typing import Any

from tailor.edge.service import DecideService, EdgeBundle
from tailor.environment import Environment
from tailor.identity import IdentityTokens, SubjectHasher
from tailor.storage import ActiveBundle, BundleStore, ProfileStore
from tailor.storage.secrets import Secrets


@functools.lru_cache(maxsize=4)
def _hasher(key: str) -> SubjectHasher:
    return SubjectHasher(key.encode())


@functools.lru_cache(maxsize=4)
def _tokens(secret: str) -> IdentityTokens:
    return IdentityTokens(secret.encode())


def create_decide_service(
    environment: Environment, *, ssm: Any, s3: Any, dynamodb: Any
) -> DecideService:
    """Wire decide to the resources `environment` names, through the given clients."""
    secrets = Secrets(ssm)
    bundles = ActiveBundle(
        BundleStore(s3, environment.bundle_bucket),
        lambda bundle: EdgeBundle.from_body(bundle.body, bundle.manifest.version),
        ttl=environment.bundle_ttl_seconds,
    )
    return DecideService(
        bundles=bundles,
        profiles=ProfileStore(dynamodb, environment.profiles_table),
        hasher=lambda: _hasher(secrets.get(environment.subject_key_parameter)),
        tokens=lambda: _tokens(secrets.get(environment.identity_secret_parameter)),
        cookie_domain=environment.cookie_domain,
    )
