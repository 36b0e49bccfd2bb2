"""template.py without AWS: reading templates and resolving them for a stack."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tailor_infra.exceptions import (
    ParameterError,
    TemplateLoadError,
    UnknownFunctionError,
    UnresolvableValueError,
)
from tailor_infra.template import Template, load_template

REPOSITORY = Path(__file__).resolve().parents[3]

CONTRACT_VARIABLES = (
    "TAILOR_PROFILES_TABLE",
    "TAILOR_IDEMPOTENCY_TABLE",
    "TAILOR_BUNDLE_BUCKET",
    "TAILOR_EVENT_BUCKET",
    "TAILOR_EVENT_STREAM",
    "TAILOR_SUBJECT_KEY_PARAMETER",
    "TAILOR_IDENTITY_SECRET_PARAMETER",
    "TAILOR_WRITE_KEYS_PARAMETER",
)


def write_template(tmp_path: Path, text: str) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_template(path)


def function_with(variables: str, *, head: str = "") -> str:
    """A template whose one function declares ``variables`` (YAML lines)."""
    return (
        textwrap.dedent(head)
        + textwrap.dedent(
            """
            Resources:
              Profiles:
                Type: AWS::DynamoDB::Table
                Properties:
                  KeySchema: [{AttributeName: subject, KeyType: HASH}]
                  AttributeDefinitions: [{AttributeName: subject, AttributeType: S}]
              Events:
                Type: AWS::S3::Bucket
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Environment:
                    Variables:
            """
        )
        + textwrap.indent(textwrap.dedent(variables), " " * 10)
    )


# -- loading -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_value", "long_form"),
    [
        ("!Ref Table", {"Ref": "Table"}),
        ("!Sub '${AWS::StackName}-x'", {"Fn::Sub": "${AWS::StackName}-x"}),
        ("!GetAtt Bucket.Arn", {"Fn::GetAtt": ["Bucket", "Arn"]}),
        ("!GetAtt [Bucket, Arn]", {"Fn::GetAtt": ["Bucket", "Arn"]}),
        ("!Join ['-', [a, b]]", {"Fn::Join": ["-", ["a", "b"]]}),
        ("!Select [1, [a, b]]", {"Fn::Select": [1, ["a", "b"]]}),
        ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
        ("!If [IsProd, a, b]", {"Fn::If": ["IsProd", "a", "b"]}),
        ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
        ("!Not [!Condition IsProd]", {"Fn::Not": [{"Condition": "IsProd"}]}),
        (
            "!And [!Condition A, !Condition B]",
            {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
        ),
        (
            "!Or [!Condition A, !Condition B]",
            {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]},
        ),
        ("!FindInMap [M, k, v]", {"Fn::FindInMap": ["M", "k", "v"]}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
    ],
)
def test_short_form_tags_load_as_their_long_form(
    tmp_path: Path, yaml_value: str, long_form: object
) -> None:
    # GIVEN a template using a short-form tag
    template = write_template(
        tmp_path,
        f"Resources:\n  R:\n    Type: T\n    Properties:\n      P: {yaml_value}\n",
    )

    # THEN the property holds the long form CloudFormation documents
    assert template.resources["R"]["Properties"]["P"] == long_form


def test_nested_short_forms_load_inside_each_other(tmp_path: Path) -> None:
    template = write_template(
        tmp_path,
        """
        Resources:
          R:
            Type: T
            Properties:
              P: !Select [2, !Split ["/", !GetAtt FnUrl.FunctionUrl]]
        """,
    )

    assert template.resources["R"]["Properties"]["P"] == {
        "Fn::Select": [
            2,
            {"Fn::Split": ["/", {"Fn::GetAtt": ["FnUrl", "FunctionUrl"]}]},
        ]
    }


def test_an_unquoted_format_version_stays_a_string(tmp_path: Path) -> None:
    template = write_template(
        tmp_path, "AWSTemplateFormatVersion: 2010-09-09\nResources: {R: {Type: T}}\n"
    )

    assert template.body["AWSTemplateFormatVersion"] == "2010-09-09"


def test_invalid_yaml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("Resources: [unclosed\n", encoding="utf-8")

    with pytest.raises(TemplateLoadError) as raised:
        load_template(path)

    assert raised.value.path == path
    assert "not valid YAML" in str(raised.value)


def test_a_document_without_resources_is_not_a_template(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text("title: notes\n", encoding="utf-8")

    with pytest.raises(TemplateLoadError, match="no Resources"):
        load_template(path)


# -- resolution ----------------------------------------------------------------


def test_refs_resolve_to_derived_physical_names(tmp_path: Path) -> None:
    # GIVEN resources without explicit names
    template = write_template(
        tmp_path,
        function_with(
            """
            TABLE: !Ref Profiles
            BUCKET: !Ref Events
            """
        ),
    )

    # WHEN resolved for a stack whose name has capitals
    stack = template.resolve(stack_name="Tailor-Dev", region="eu-west-1")

    # THEN names derive from stack and logical id; bucket names are lower case
    assert stack.environment("Fn") == {
        "TABLE": "Tailor-Dev-profiles",
        "BUCKET": "tailor-dev-events",
    }
    assert stack.physical_names["Profiles"] == "Tailor-Dev-profiles"


def test_an_explicit_name_is_resolved_and_used(tmp_path: Path) -> None:
    template = write_template(
        tmp_path,
        """
        Resources:
          Profiles:
            Type: AWS::DynamoDB::Table
            Properties:
              TableName: !Sub ${AWS::StackName}-profiles-${AWS::Region}
        """,
    )

    stack = template.resolve(stack_name="demo", region="eu-west-1")

    assert stack.physical_names["Profiles"] == "demo-profiles-eu-west-1"


def test_sub_join_select_split_and_arns_resolve(tmp_path: Path) -> None:
    template = write_template(
        tmp_path,
        function_with(
            """
            ARN: !GetAtt Profiles.Arn
            SUBBED: !Sub "${Events.Arn}/events/${AWS::AccountId}/${!Literal}"
            JOINED: !Join [":", [!Ref AWS::Partition, !Ref AWS::URLSuffix]]
            SELECTED: !Select [1, !Split ["-", !Ref AWS::StackName]]
            VARS: !Sub ["${Name}!", {Name: !Ref Events}]
            """
        ),
    )

    environment = template.resolve(
        stack_name="my-stack", region="us-west-2"
    ).environment("Fn")

    assert environment == {
        "ARN": "arn:aws:dynamodb:us-west-2:123456789012:table/my-stack-profiles",
        "SUBBED": "arn:aws:s3:::my-stack-events/events/123456789012/${Literal}",
        "JOINED": "aws:amazonaws.com",
        "SELECTED": "stack",
        "VARS": "my-stack-events!",
    }


def test_parameters_mappings_and_conditions_resolve(tmp_path: Path) -> None:
    template = write_template(
        tmp_path,
        function_with(
            """
            LEVEL: !FindInMap [Settings, !Ref Environment, Level]
            MODE: !If [IsProd, strict, relaxed]
            OPTIONAL: !If [IsProd, !Ref AWS::NoValue, present]
            """,
            head="""
            Parameters:
              Environment:
                Type: String
                Default: dev
                AllowedValues: [dev, prod]
            Mappings:
              Settings:
                dev: {Level: DEBUG}
                prod: {Level: INFO}
            Conditions:
              IsProd: !Equals [!Ref Environment, prod]
            """,
        ),
    )

    development = template.resolve(stack_name="s", region="us-east-1")
    production = template.resolve(
        stack_name="s", region="us-east-1", parameter_overrides={"Environment": "prod"}
    )

    assert development.environment("Fn") == {
        "LEVEL": "DEBUG",
        "MODE": "relaxed",
        "OPTIONAL": "present",
    }
    assert production.environment("Fn") == {"LEVEL": "INFO", "MODE": "strict"}


def test_a_function_variable_overrides_the_same_global(tmp_path: Path) -> None:
    template = write_template(
        tmp_path,
        function_with(
            "LEVEL: DEBUG\n",
            head="""
            Globals:
              Function:
                Environment:
                  Variables:
                    LEVEL: INFO
                    SHARED: "yes"
            """,
        ),
    )

    environment = template.resolve(stack_name="s", region="us-east-1").environment("Fn")

    assert environment == {"LEVEL": "DEBUG", "SHARED": "yes"}


def test_an_unknown_ref_names_the_resource_and_property(tmp_path: Path) -> None:
    # GIVEN a variable referring to something the template does not declare
    template = write_template(tmp_path, function_with("TABLE: !Ref ProfileTable\n"))
    stack = template.resolve(stack_name="s", region="us-east-1")

    # WHEN the environment is resolved
    with pytest.raises(UnresolvableValueError) as raised:
        stack.environment("Fn")

    # THEN the error says where and what
    error = raised.value
    assert error.resource == "Fn"
    assert error.property_path == "Properties.Environment.Variables.TABLE"
    assert "ProfileTable" in str(error)
    assert "Fn.Properties.Environment.Variables.TABLE" in str(error)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("!GetAtt Profiles.StreamArn", "only Arn"),
        ("!GetAtt Fn.Arn", "not provisioned by the local stack"),
        ("!ImportValue shared-vpc", "Fn::ImportValue cannot be resolved"),
    ],
)
def test_values_the_local_stack_cannot_know_are_refused(
    tmp_path: Path, value: str, reason: str
) -> None:
    template = write_template(tmp_path, function_with(f"VALUE: {value}\n"))
    stack = template.resolve(stack_name="s", region="us-east-1")

    with pytest.raises(UnresolvableValueError, match=reason):
        stack.environment("Fn")


def test_asking_for_an_unknown_function_lists_the_known_ones(tmp_path: Path) -> None:
    template = write_template(tmp_path, function_with("A: b\n"))
    stack = template.resolve(stack_name="s", region="us-east-1")

    with pytest.raises(UnknownFunctionError) as raised:
        stack.environment("Decide")

    assert raised.value.known == ("Fn",)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"Environment": "qa"}, "not one of"),
        ({"Enviroment": "dev"}, "not in the template"),
    ],
)
def test_bad_parameter_overrides_are_refused(
    tmp_path: Path, overrides: dict[str, str], reason: str
) -> None:
    template = write_template(
        tmp_path,
        function_with(
            "ENV: !Ref Environment\n",
            head="""
            Parameters:
              Environment: {Type: String, Default: dev, AllowedValues: [dev, prod]}
            """,
        ),
    )

    with pytest.raises(ParameterError, match=reason):
        template.resolve(
            stack_name="s", region="us-east-1", parameter_overrides=overrides
        )


# -- the real template -----------------------------------------------------------


@pytest.mark.parametrize(
    "function", ["DecideFunction", "IngestFunction", "PrecomputeFunction"]
)
def test_every_function_of_template_yaml_gets_the_contract_environment(
    function: str,
) -> None:
    template = load_template(REPOSITORY / "template.yaml")

    environment = template.resolve(stack_name="tailor", region="us-east-1").environment(
        function
    )

    assert set(CONTRACT_VARIABLES) <= environment.keys()
    assert environment["TAILOR_SUBJECT_KEY_PARAMETER"] == "/tailor/subject-key"
    assert (
        environment["POWERTOOLS_SERVICE_NAME"]
        == function.removesuffix("Function").lower()
    )
