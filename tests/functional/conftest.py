"""A Tailor deployment inside moto: the template's resources, the demo
configuration published, and the real handlers loaded against them."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tailor.config import load_config
from tailor.environment import Environment
from tailor.storage import BundleStore
from tailor_infra.gateway import LambdaContext, lambda_event, load_handler
from tailor_infra.template import AwsClients, ProvisionedStack, load_template
from tailor_precompute.publish import publish_config

ROOT = Path(__file__).resolve().parents[2]
WRITE_KEY = "test-write-key"
SECRETS = {
    "SubjectKeyParameter": "subject-key-for-functional-tests",
    "IdentitySecretParameter": "identity-secret-for-functional-tests",
    "WriteKeysParameter": f"{WRITE_KEY},second-key",
}


@dataclass
class Deployment:
    """The resources, clients and handlers of one test deployment."""

    session: boto3.Session
    stack: ProvisionedStack
    environment: Environment
    handlers: dict[str, Any]

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def call(
        self,
        function: str,
        method: str,
        target: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        event = lambda_event(
            method=method,
            target=target,
            headers=dict(headers or {}),
            body=body,
            source_ip="127.0.0.1",
        )
        return self.handlers[function](event, LambdaContext(function))

    def send(
        self, path: str, document: Any, *, write_key: str = WRITE_KEY, **headers: str
    ) -> tuple[int, Any]:
        auth = base64.b64encode(f"{write_key}:".encode()).decode()
        response = self.call(
            "ingest",
            "POST",
            path,
            body=json.dumps(document).encode(),
            headers={"authorization": f"Basic {auth}", **headers},
        )
        return response["statusCode"], json.loads(response["body"])

    def decide(self, query: str, **headers: str) -> tuple[int, Any, dict[str, Any]]:
        response = self.call("decide", "GET", f"/v1/decide?{query}", headers=headers)
        return response["statusCode"], json.loads(response["body"]), response

    def stored_objects(self) -> list[bytes]:
        """Every object in every bucket of the deployment."""
        s3 = self.client("s3")
        found = []
        for bucket in (self.environment.event_bucket, self.environment.bundle_bucket):
            listing = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
            found += [
                s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                for item in listing
            ]
        return found

    def stored_events(self) -> list[dict[str, Any]]:
        s3 = self.client("s3")
        bucket = self.environment.event_bucket
        events = []
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            events += [json.loads(line) for line in body.splitlines() if line.strip()]
        return events

    def table_items(self) -> list[dict[str, Any]]:
        dynamodb = self.client("dynamodb")
        return dynamodb.scan(TableName=self.environment.profiles_table)["Items"]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for variable in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(variable, raising=False)
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


@pytest.fixture
def deployment(aws: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> Deployment:
    # GIVEN the template's resources, as the local stack creates them
    stack = load_template(ROOT / "template.yaml").provision(
        clients=AwsClients.from_session(aws),
        stack_name="tailor-test",
        parameter_values=SECRETS,
    )
    variables = {
        **stack.environment("DecideFunction"),
        **stack.environment("IngestFunction"),
        "TAILOR_BUNDLE_TTL_SECONDS": "0",
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    environment = Environment.from_env(variables)

    # AND the demo configuration published
    publish_config(
        BundleStore(aws.client("s3"), environment.bundle_bucket),
        load_config(ROOT / "config"),
    )

    # AND the real handlers, imported as Lambda imports them
    handlers = {
        name: load_handler(ROOT / "functions" / name / "app.py", name=f"{name}_test")
        for name in ("decide", "ingest")
    }
    return Deployment(aws, stack, environment, handlers)
