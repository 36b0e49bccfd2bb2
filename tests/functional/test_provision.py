"""Provisioning template.yaml into moto creates what the handlers rely on."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tailor_infra.exceptions import ParameterError
from tailor_infra.template import AwsClients, ProvisionedStack, load_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
STACK = "tailor-test"
SECRETS = {
    "SubjectKeyParameter": "subject-key-for-tests",
    "IdentitySecretParameter": "identity-secret-for-tests",
    "WriteKeysParameter": "local-dev-key",
}
FUNCTIONS = ("DecideFunction", "IngestFunction", "PrecomputeFunction")


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for variable in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(variable, raising=False)

    with mock_aws():
        yield AwsClients.from_session(boto3.Session(region_name="us-east-1"))


@pytest.fixture
def stack(clients: AwsClients) -> ProvisionedStack:
    return load_template(TEMPLATE).provision(
        clients=clients, stack_name=STACK, parameter_values=SECRETS
    )


def key_schema(clients: AwsClients, table: str) -> dict[str, tuple[str, str]]:
    """Key type -> (attribute, attribute type) of a table, as DynamoDB reports it."""
    described = clients.dynamodb.describe_table(TableName=table)["Table"]
    types = {
        item["AttributeName"]: item["AttributeType"]
        for item in described["AttributeDefinitions"]
    }
    return {
        item["KeyType"]: (item["AttributeName"], types[item["AttributeName"]])
        for item in described["KeySchema"]
    }


def ttl_attribute(clients: AwsClients, table: str) -> str | None:
    described = clients.dynamodb.describe_time_to_live(TableName=table)
    description = described["TimeToLiveDescription"]
    if description.get("TimeToLiveStatus") != "ENABLED":
        return None
    return str(description["AttributeName"])


def test_profiles_table_has_the_contract_keys_and_ttl(
    clients: AwsClients, stack: ProvisionedStack
) -> None:
    table = stack.environment("DecideFunction")["TAILOR_PROFILES_TABLE"]

    assert key_schema(clients, table) == {
        "HASH": ("subject", "S"),
        "RANGE": ("record", "S"),
    }
    assert ttl_attribute(clients, table) == "expires_at"
    billing = clients.dynamodb.describe_table(TableName=table)["Table"]
    assert billing["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_idempotency_table_has_the_contract_key_and_ttl(
    clients: AwsClients, stack: ProvisionedStack
) -> None:
    table = stack.environment("IngestFunction")["TAILOR_IDEMPOTENCY_TABLE"]

    assert key_schema(clients, table) == {"HASH": ("id", "S")}
    assert ttl_attribute(clients, table) == "expiration"


def test_bundle_bucket_is_versioned_and_event_bucket_exists(
    clients: AwsClients, stack: ProvisionedStack
) -> None:
    environment = stack.environment("PrecomputeFunction")

    bundle = clients.s3.get_bucket_versioning(
        Bucket=environment["TAILOR_BUNDLE_BUCKET"]
    )
    event_log = clients.s3.get_bucket_versioning(
        Bucket=environment["TAILOR_EVENT_BUCKET"]
    )

    assert bundle["Status"] == "Enabled"
    assert "Status" not in event_log


def test_the_event_stream_delivers_under_events_in_the_event_bucket(
    clients: AwsClients, stack: ProvisionedStack
) -> None:
    # GIVEN ingest's view of the stack
    environment = stack.environment("IngestFunction")
    record = b'{"messageId":"m-1","event":"Project Created"}\n'

    # WHEN ingest puts a record on the stream
    clients.firehose.put_record(
        DeliveryStreamName=environment["TAILOR_EVENT_STREAM"], Record={"Data": record}
    )

    # THEN precompute finds it in the event bucket, under events/
    listed = clients.s3.list_objects_v2(
        Bucket=environment["TAILOR_EVENT_BUCKET"], Prefix="events/"
    )
    keys = [item["Key"] for item in listed.get("Contents", [])]
    assert len(keys) == 1
    stored = clients.s3.get_object(
        Bucket=environment["TAILOR_EVENT_BUCKET"], Key=keys[0]
    )
    assert stored["Body"].read() == record


def test_the_stream_is_wired_to_the_bucket_and_role_of_the_template(
    clients: AwsClients, stack: ProvisionedStack
) -> None:
    name = stack.physical_names["EventStream"]

    described = clients.firehose.describe_delivery_stream(DeliveryStreamName=name)
    destination = described["DeliveryStreamDescription"]["Destinations"][0]
    s3 = destination["ExtendedS3DestinationDescription"]

    assert s3["BucketARN"] == f"arn:aws:s3:::{stack.physical_names['EventLogBucket']}"
    assert s3["Prefix"] == "events/"
    role = clients.iam.get_role(RoleName=stack.physical_names["EventStreamRole"])
    assert s3["RoleARN"] == role["Role"]["Arn"]


def test_the_three_secrets_are_secure_strings_with_the_given_values(
    clients: AwsClients, stack: ProvisionedStack
) -> None:
    expected = {
        "/tailor/subject-key": SECRETS["SubjectKeyParameter"],
        "/tailor/identity-secret": SECRETS["IdentitySecretParameter"],
        "/tailor/write-keys": SECRETS["WriteKeysParameter"],
    }

    found = {}
    for name in expected:
        parameter = clients.ssm.get_parameter(Name=name, WithDecryption=True)
        assert parameter["Parameter"]["Type"] == "SecureString"
        found[name] = parameter["Parameter"]["Value"]

    assert found == expected


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_contract_variable_names_an_existing_resource(
    clients: AwsClients, stack: ProvisionedStack, function: str
) -> None:
    environment = stack.environment(function)

    # Each call raises if the named resource does not exist.
    for variable in ("TAILOR_PROFILES_TABLE", "TAILOR_IDEMPOTENCY_TABLE"):
        clients.dynamodb.describe_table(TableName=environment[variable])
    for variable in ("TAILOR_BUNDLE_BUCKET", "TAILOR_EVENT_BUCKET"):
        clients.s3.head_bucket(Bucket=environment[variable])
    clients.firehose.describe_delivery_stream(
        DeliveryStreamName=environment["TAILOR_EVENT_STREAM"]
    )
    for variable in (
        "TAILOR_SUBJECT_KEY_PARAMETER",
        "TAILOR_IDENTITY_SECRET_PARAMETER",
        "TAILOR_WRITE_KEYS_PARAMETER",
    ):
        clients.ssm.get_parameter(Name=environment[variable], WithDecryption=True)


def test_provisioning_again_keeps_what_exists(
    clients: AwsClients, stack: ProvisionedStack
) -> None:
    # GIVEN a provisioned stack holding data
    table = stack.physical_names["ProfilesTable"]
    clients.dynamodb.put_item(
        TableName=table, Item={"subject": {"S": "s-1"}, "record": {"S": "profile"}}
    )

    # WHEN it is provisioned again with other secret values
    again = load_template(TEMPLATE).provision(
        clients=clients,
        stack_name=STACK,
        parameter_values=dict.fromkeys(SECRETS, "rotated"),
    )

    # THEN nothing is created, the data stays, and the subject key is unchanged
    assert again.created == frozenset()
    assert stack.created >= {"ProfilesTable", "EventStream", "SubjectKeyParameter"}
    assert clients.dynamodb.scan(TableName=table)["Count"] == 1
    subject_key = clients.ssm.get_parameter(
        Name="/tailor/subject-key", WithDecryption=True
    )
    assert subject_key["Parameter"]["Value"] == SECRETS["SubjectKeyParameter"]


def test_a_missing_secret_value_fails_before_anything_is_created(
    clients: AwsClients,
) -> None:
    template = load_template(TEMPLATE)
    values = {k: v for k, v in SECRETS.items() if k != "WriteKeysParameter"}

    with pytest.raises(ParameterError) as raised:
        template.provision(clients=clients, stack_name=STACK, parameter_values=values)

    assert raised.value.parameter == "WriteKeysParameter"
    assert clients.dynamodb.list_tables()["TableNames"] == []
    assert clients.s3.list_buckets()["Buckets"] == []


def test_a_table_index_declared_in_a_template_is_created(
    clients: AwsClients, tmp_path: Path
) -> None:
    # GIVEN a template whose table has a global secondary index and a name of its own
    path = tmp_path / "template.yaml"
    path.write_text(
        textwrap.dedent(
            """
            Resources:
              Assignments:
                Type: AWS::DynamoDB::Table
                Properties:
                  TableName: !Sub ${AWS::StackName}-assignments
                  BillingMode: PAY_PER_REQUEST
                  AttributeDefinitions:
                    - {AttributeName: subject, AttributeType: S}
                    - {AttributeName: experiment, AttributeType: S}
                  KeySchema:
                    - {AttributeName: subject, KeyType: HASH}
                  GlobalSecondaryIndexes:
                    - IndexName: by-experiment
                      KeySchema:
                        - {AttributeName: experiment, KeyType: HASH}
                      Projection: {ProjectionType: KEYS_ONLY}
                      ContributorInsightsSpecification: {Enabled: false}
            """
        ),
        encoding="utf-8",
    )

    # WHEN it is provisioned
    stack = load_template(path).provision(
        clients=clients, stack_name="demo", parameter_values={}
    )

    # THEN the table carries the explicit name and the index
    assert stack.physical_names == {"Assignments": "demo-assignments"}
    described = clients.dynamodb.describe_table(TableName="demo-assignments")["Table"]
    assert [index["IndexName"] for index in described["GlobalSecondaryIndexes"]] == [
        "by-experiment"
    ]
