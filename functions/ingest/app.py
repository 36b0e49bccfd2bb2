"""Ingest: Segment's HTTP Tracking API, behind an HTTP API.

Wiring happens once per container, at import; the handler only parses the request,
calls the service and shapes the response.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from tailor.environment import Environment
from tailor.http import Request, error_response, json_response
from tailor.ingest import IngestError
from tailor.ingest.wiring import create_ingest_service
from tailor.storage import NoBundle

logger = Logger(service="ingest")
copy_config_to_registered_loggers(source_logger=logger)

_session = boto3.session.Session()
SERVICE = create_ingest_service(
    Environment.from_env(),
    ssm=_session.client("ssm"),
    s3=_session.client("s3"),
    firehose=_session.client("firehose"),
    dynamodb=_session.client("dynamodb"),
)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = Request.from_lambda_event(event)
    if request.method == "OPTIONS":
        return json_response(204, {}).to_lambda()
    if request.method != "POST":
        return error_response(
            405, "method_not_allowed", "tracking calls are POST requests"
        ).to_lambda()

    try:
        document = SERVICE.ingest(request.path, request.headers, request.body)
    except IngestError as exc:
        return error_response(exc.status, exc.code, exc.message).to_lambda()
    except NoBundle:
        return error_response(
            503, "not_configured", "no configuration is published yet"
        ).to_lambda()
    except Exception:
        logger.exception("ingest failed")
        return error_response(500, "internal_error", "ingest failed").to_lambda()
    return json_response(200, document).to_lambda()
