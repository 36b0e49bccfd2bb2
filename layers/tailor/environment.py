"""The environment variables Tailor's functions read, in one place.

`template.yaml` sets them for every function; the local stack sets the same names
from the same template. Nothing else in the code reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

PROFILES_TABLE = "TAILOR_PROFILES_TABLE"
IDEMPOTENCY_TABLE = "TAILOR_IDEMPOTENCY_TABLE"
BUNDLE_BUCKET = "TAILOR_BUNDLE_BUCKET"
EVENT_BUCKET = "TAILOR_EVENT_BUCKET"
EVENT_STREAM = "TAILOR_EVENT_STREAM"
SUBJECT_KEY_PARAMETER = "TAILOR_SUBJECT_KEY_PARAMETER"
IDENTITY_SECRET_PARAMETER = "TAILOR_IDENTITY_SECRET_PARAMETER"
WRITE_KEYS_PARAMETER = "TAILOR_WRITE_KEYS_PARAMETER"
BUNDLE_TTL_SECONDS = "TAILOR_BUNDLE_TTL_SECONDS"
COOKIE_DOMAIN = "TAILOR_COOKIE_DOMAIN"


class MissingSetting(Exception):
    """A required environment variable is not set."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"environment variable {name} is not set")


@dataclass(frozen=True, slots=True)
class Environment:
    """Resource names and settings shared by every function."""

    profiles_table: str
    idempotency_table: str
    bundle_bucket: str
    event_bucket: str
    event_stream: str
    subject_key_parameter: str
    identity_secret_parameter: str
    write_keys_parameter: str
    bundle_ttl_seconds: float = 30.0
    cookie_domain: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Environment:
        values = os.environ if env is None else env

        def required(name: str) -> str:
            value = values.get(name)
            if not value:
                raise MissingSetting(name)
            return value

        return cls(
            profiles_table=required(PROFILES_TABLE),
            idempotency_table=required(IDEMPOTENCY_TABLE),
            bundle_bucket=required(BUNDLE_BUCKET),
            event_bucket=required(EVENT_BUCKET),
            event_stream=required(EVENT_STREAM),
            subject_key_parameter=required(SUBJECT_KEY_PARAMETER),
            identity_secret_parameter=required(IDENTITY_SECRET_PARAMETER),
            write_keys_parameter=required(WRITE_KEYS_PARAMETER),
            bundle_ttl_seconds=float(values.get(BUNDLE_TTL_SECONDS) or 30.0),
            cookie_domain=values.get(COOKIE_DOMAIN) or None,
        )
