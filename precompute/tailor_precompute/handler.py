"""The scheduled precompute function."""

from __future__ import annotations

import dataclasses
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from tailor.environment import Environment
from tailor_precompute.job import run_precompute

logger = Logger(service="precompute")
copy_config_to_registered_loggers(source_logger=logger)

_session = boto3.session.Session()
_environment = Environment.from_env()
_s3 = _session.client("s3")
_dynamodb = _session.client("dynamodb")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    report = run_precompute(
        s3=_s3,
        dynamodb=_dynamodb,
        bundle_bucket=_environment.bundle_bucket,
        event_bucket=_environment.event_bucket,
        profiles_table=_environment.profiles_table,
    )
    return dataclasses.asdict(report)
