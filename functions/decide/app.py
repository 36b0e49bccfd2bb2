"""Decide: personalized content for a visitor's placements, behind CloudFront.

Wiring happens once per container, at import; the handler only parses the request,
calls the service and shapes the response. A backend fault never becomes a 5xx: the
service answers from the last good bundle or from the request context alone.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from tailor.edge.wiring import create_decide_service
from tailor.environment import Environment
from tailor.http import Request, error_response

logger = Logger(service="decide")
copy_config_to_registered_loggers(source_logger=logger)

_session = boto3.session.Session()
SERVICE = create_decide_service(
    Environment.from_env(),
    ssm=_session.client("ssm"),
    s3=_session.client("s3"),
    dynamodb=_session.client("dynamodb"),
)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = Request.from_lambda_event(event)
    try:
        return SERVICE.handle(request).to_lambda()
    except Exception:
        # TODO: answer from the defaults packaged with the function instead of a
        # 503 when no bundle was ever loaded; until then a cold container with S3
        # unreachable cannot personalize at all.
        logger.exception("decide failed")
        return error_response(
            503, "unavailable", "no bundle is available yet; retry shortly"
        ).to_lambda()
