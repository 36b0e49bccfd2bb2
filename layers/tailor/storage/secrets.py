"""Secrets from SSM Parameter Store, through Powertools Parameters (cached)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from tailor.storage.exceptions import StorageUnavailable

DEFAULT_MAX_AGE = 300


class Secrets:
    """Reads SecureString parameters, decrypted, cached for `max_age` seconds."""

    def __init__(self, ssm_client: Any, *, max_age: int = DEFAULT_MAX_AGE) -> None:
        self._provider = SSMProvider(boto3_client=ssm_client)
        self._max_age = max_age

    def get(self, name: str) -> str:
        """The decrypted value of the parameter `name`."""
        try:
            value = self._provider.get(name, decrypt=True, max_age=self._max_age)
        except GetParameterError as exc:
            raise StorageUnavailable(f"reading parameter {name} failed") from exc
        return str(value)

    def get_list(self, name: str) -> frozenset[str]:
        """A comma-separated parameter as a set of non-empty values."""
        return frozenset(
            part.strip() for part in self.get(name).split(",") if part.strip()
        )
