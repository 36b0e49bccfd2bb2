"""The local stack, created from template.yaml.

``template.yaml`` is the only list of Tailor's storage: the local stack reads it
and creates, in moto, the DynamoDB tables, S3 buckets, Firehose delivery streams
and IAM roles it declares, plus one SecureString SSM parameter per template
Parameter of type ``AWS::SSM::Parameter::Name``. Each function's environment is
resolved from the same file (SAM Globals merged with the function's own), so
the handlers see locally what they would see on AWS.

Physical names are the template's explicit names when it gives them, otherwise
``<stack name>-<logical id in lower case>`` (all lower case for buckets), so a
run is reproducible. ``Ref``, ``Fn::Sub``, ``Fn::GetAtt <resource>.Arn`` and the
other intrinsic functions that make sense without CloudFormation are resolved;
anything else raises ``UnresolvableValueError`` naming the resource and property.

    template = load_template(Path("template.yaml"))
    stack = template.provision(
        clients=AwsClients.from_session(boto3.Session(), endpoint_url=url),
        stack_name="tailor-local",
        parameter_values={"SubjectKeyParameter": "...", ...},
    )
    env = stack.environment("DecideFunction")

NOTE: IAM roles are created with their trust policy only. moto does not enforce
IAM, and the roles' policies name resources the local stack does not create
(KMS keys); the template's policies are checked by cfn-lint, not here.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import boto3
import yaml
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tailor_infra.exceptions import (
    ParameterError,
    ProvisioningError,
    TemplateLoadError,
    UnknownFunctionError,
    UnresolvableValueError,
)

__all__ = [
    "MOTO_ACCOUNT_ID",
    "AwsClients",
    "ProvisionedStack",
    "ResolvedStack",
    "Template",
    "load_template",
]

_LOGGER = logging.getLogger(__name__)

# moto's account; moto accepts any account id, but ARNs must match what it
# reports, and this is the one it reports by default.
MOTO_ACCOUNT_ID: Final = "123456789012"
_PARTITION: Final = "aws"
_URL_SUFFIX: Final = "amazonaws.com"

_SSM_NAME_TYPE: Final = "AWS::SSM::Parameter::Name"
_SERVERLESS_FUNCTION: Final = "AWS::Serverless::Function"
_LAMBDA_FUNCTION: Final = "AWS::Lambda::Function"
_BUCKET: Final = "AWS::S3::Bucket"
_TABLE: Final = "AWS::DynamoDB::Table"
_DELIVERY_STREAM: Final = "AWS::KinesisFirehose::DeliveryStream"
_ROLE: Final = "AWS::IAM::Role"

# Resource types the local stack creates, in creation order, with the property
# that holds an explicit physical name.
_NAME_PROPERTIES: Final[Mapping[str, str]] = {
    _ROLE: "RoleName",
    _BUCKET: "BucketName",
    _TABLE: "TableName",
    _DELIVERY_STREAM: "DeliveryStreamName",
}

# Short-form tags and the long-form keys they stand for.
_SHORT_FORM_TAGS: Final[Mapping[str, str]] = {
    "!And": "Fn::And",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!Equals": "Fn::Equals",
    "!FindInMap": "Fn::FindInMap",
    "!GetAZs": "Fn::GetAZs",
    "!If": "Fn::If",
    "!ImportValue": "Fn::ImportValue",
    "!Join": "Fn::Join",
    "!Length": "Fn::Length",
    "!Not": "Fn::Not",
    "!Or": "Fn::Or",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!Sub": "Fn::Sub",
    "!ToJsonString": "Fn::ToJsonString",
    "!Transform": "Fn::Transform",
    "!Ref": "Ref",
    "!Condition": "Condition",
}

# Index properties CreateTable takes (CloudFormation's indexes allow more).
_INDEX_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "GlobalSecondaryIndexes": (
        "IndexName",
        "KeySchema",
        "Projection",
        "ProvisionedThroughput",
        "OnDemandThroughput",
    ),
    "LocalSecondaryIndexes": ("IndexName", "KeySchema", "Projection"),
}

_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


class _CloudFormationLoader(yaml.SafeLoader):
    """A safe YAML loader that reads CloudFormation's short-form tags."""


# CloudFormation reads unquoted dates (AWSTemplateFormatVersion: 2010-09-09)
# as strings, not as dates.
_CloudFormationLoader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_any(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)

    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)

    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)

    raise yaml.constructor.ConstructorError(
        None, None, f"unexpected YAML node {type(node).__name__}", node.start_mark
    )


def _long_form(key: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        return {key: _construct_any(loader, node)}

    return construct


def _construct_get_att(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    value = _construct_any(loader, node)

    # "!GetAtt Resource.Attribute.Part" names the resource before the first dot.
    if isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        value = [logical_id, attribute]

    return {"Fn::GetAtt": value}


for _tag, _key in _SHORT_FORM_TAGS.items():
    _CloudFormationLoader.add_constructor(_tag, _long_form(_key))
_CloudFormationLoader.add_constructor("!GetAtt", _construct_get_att)


def load_template(path: Path) -> Template:
    """Read a CloudFormation or SAM template, short-form tags included."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateLoadError(path=path, reason=f"cannot read: {exc}") from exc

    try:
        body = yaml.load(text, Loader=_CloudFormationLoader)
    except yaml.YAMLError as exc:
        raise TemplateLoadError(path=path, reason=f"not valid YAML: {exc}") from exc

    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict):
        raise TemplateLoadError(path=path, reason="no Resources mapping")

    return Template(path=path, body=body)


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AwsClients:
    """The boto3 clients provisioning needs, all for one account and region."""

    dynamodb: BaseClient
    s3: BaseClient
    firehose: BaseClient
    ssm: BaseClient
    iam: BaseClient

    @classmethod
    def from_session(
        cls, session: boto3.Session, *, endpoint_url: str | None = None
    ) -> AwsClients:
        """Create every client from one session, optionally at a local endpoint."""

        def client(service: str) -> BaseClient:
            return session.client(service, endpoint_url=endpoint_url)

        return cls(
            dynamodb=client("dynamodb"),
            s3=client("s3"),
            firehose=client("firehose"),
            ssm=client("ssm"),
            iam=client("iam"),
        )

    @property
    def region(self) -> str:
        """The region the clients talk to (the stack's ``AWS::Region``)."""
        return str(self.dynamodb.meta.region_name)


# ---------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------


class _NoValue:
    """``Ref: AWS::NoValue``: the property or list item is left out."""


_NO_VALUE: Final = _NoValue()


@dataclass(frozen=True)
class _Site:
    """Where a value sits in the template, for error messages."""

    resource: str
    property_path: str

    def child(self, key: str | int) -> _Site:
        if isinstance(key, int):
            return _Site(self.resource, f"{self.property_path}[{key}]")
        return _Site(self.resource, f"{self.property_path}.{key}")

    def fail(self, reason: str) -> UnresolvableValueError:
        return UnresolvableValueError(
            resource=self.resource, property_path=self.property_path, reason=reason
        )


class _Resolver:
    """Resolves intrinsic functions the way CloudFormation would for one stack."""

    def __init__(
        self,
        *,
        body: Mapping[str, Any],
        stack_name: str,
        region: str,
        parameter_overrides: Mapping[str, str],
    ) -> None:
        self._body = body
        self._resources: Mapping[str, Any] = body.get("Resources", {})
        self._parameters: Mapping[str, Any] = body.get("Parameters") or {}
        self._stack_name = stack_name
        self._region = region
        self._overrides = parameter_overrides
        self._names: dict[str, str] = {}
        self._naming: set[str] = set()
        self._conditions: dict[str, bool] = {}
        self._pseudo: Mapping[str, Any] = {
            "AWS::AccountId": MOTO_ACCOUNT_ID,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": _NO_VALUE,
            "AWS::Partition": _PARTITION,
            "AWS::Region": region,
            "AWS::StackId": _stack_id(stack_name, region),
            "AWS::StackName": stack_name,
            "AWS::URLSuffix": _URL_SUFFIX,
        }
        self._functions: Mapping[str, Callable[[Any, _Site], Any]] = {
            "Fn::Base64": self._base64,
            "Fn::FindInMap": self._find_in_map,
            "Fn::GetAtt": self._get_att,
            "Fn::If": self._if,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::Sub": self._sub,
            "Fn::ToJsonString": self._to_json_string,
        }

    # -- values ------------------------------------------------------------

    def resolve(self, value: Any, site: _Site) -> Any:
        """Resolve every intrinsic function in ``value``."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref":
                    return self._ref(argument, site)
                if key.startswith("Fn::"):
                    return self._function(key, argument, site)

            resolved = {
                key: self.resolve(item, site.child(key)) for key, item in value.items()
            }
            return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

        if isinstance(value, list):
            items = [self.resolve(item, site.child(i)) for i, item in enumerate(value)]
            return [item for item in items if item is not _NO_VALUE]

        return value

    def text(self, value: Any, site: _Site) -> str:
        """Resolve ``value`` to a string, as CloudFormation passes scalars."""
        return _as_text(self.resolve(value, site), site)

    def _function(self, key: str, argument: Any, site: _Site) -> Any:
        function = self._functions.get(key)
        if function is None:
            raise site.fail(f"{key} cannot be resolved by the local stack")
        return function(argument, site)

    # -- references --------------------------------------------------------

    def _ref(self, name: Any, site: _Site) -> Any:
        if not isinstance(name, str):
            raise site.fail(f"Ref needs a name, got {name!r}")

        if name in self._pseudo:
            return self._pseudo[name]

        if name in self._parameters:
            return self.parameter(name, site)

        self._resource(name, site, reference=f"Ref {name}")
        return self.physical_name(name)

    def _get_att(self, argument: Any, site: _Site) -> str:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        elif isinstance(argument, list) and len(argument) == 2:
            logical_id, attribute = argument[0], self.text(argument[1], site)
        else:
            raise site.fail(f"Fn::GetAtt needs [resource, attribute], got {argument!r}")

        resource = self._resource(logical_id, site, reference=f"GetAtt {logical_id}")
        if attribute != "Arn":
            raise site.fail(
                f"GetAtt {logical_id}.{attribute}: only Arn is resolved locally"
            )

        return self.arn(logical_id, resource)

    def _resource(self, logical_id: Any, site: _Site, *, reference: str) -> Any:
        resource = (
            self._resources.get(logical_id) if isinstance(logical_id, str) else None
        )
        if resource is None:
            raise site.fail(f"{reference}: no parameter or resource by that name")

        resource_type = resource.get("Type")
        if resource_type not in _NAME_PROPERTIES:
            raise site.fail(
                f"{reference}: a {resource_type} is not provisioned by the local stack"
            )

        if not self.is_created(logical_id):
            raise site.fail(f"{reference}: its Condition is false in this stack")

        return resource

    def parameter(self, name: str, site: _Site) -> Any:
        """The value of template Parameter ``name``: override, else default."""
        declared = self._parameters[name]
        parameter_type = str(declared.get("Type", "String"))
        if parameter_type.startswith("AWS::SSM::Parameter::Value"):
            raise site.fail(
                f"Ref {name}: a {parameter_type} is read from SSM at deploy time, "
                "which the local stack does not do"
            )

        if name in self._overrides:
            raw = self._overrides[name]
        elif "Default" in declared:
            raw = declared["Default"]
        else:
            raise ParameterError(parameter=name, reason="no Default and no value given")

        value = _as_text(raw, site)
        if parameter_type == "CommaDelimitedList" or parameter_type.startswith("List<"):
            return [item.strip() for item in value.split(",")]
        return value

    # -- names -------------------------------------------------------------

    def provisioned_resources(self) -> tuple[str, ...]:
        """Logical ids the local stack creates, in creation order."""
        return tuple(
            logical_id
            for resource_type in _NAME_PROPERTIES
            for logical_id, resource in self._resources.items()
            if resource.get("Type") == resource_type and self.is_created(logical_id)
        )

    def secret_name(self, parameter: str) -> str:
        """The SSM name an ``AWS::SSM::Parameter::Name`` parameter holds."""
        return self.text({"Ref": parameter}, _Site("Parameters", parameter))

    def physical_name(self, logical_id: str) -> str:
        """The name the resource has in this stack (explicit, else derived)."""
        if logical_id in self._names:
            return self._names[logical_id]

        if logical_id in self._naming:
            raise _Site(logical_id, "Properties").fail("its name refers to itself")

        resource_type = self._resources[logical_id]["Type"]
        name_property = _NAME_PROPERTIES[resource_type]
        explicit = (self._resources[logical_id].get("Properties") or {}).get(
            name_property
        )

        self._naming.add(logical_id)
        try:
            if explicit is not None:
                site = _Site(logical_id, f"Properties.{name_property}")
                name = self.text(explicit, site)
            elif resource_type == _BUCKET:
                name = f"{self._stack_name}-{logical_id}".lower()
            else:
                name = f"{self._stack_name}-{logical_id.lower()}"
        finally:
            self._naming.discard(logical_id)

        self._names[logical_id] = name
        return name

    def arn(self, logical_id: str, resource: Mapping[str, Any]) -> str:
        """The ARN the resource has in this stack."""
        name = self.physical_name(logical_id)
        account, region = MOTO_ACCOUNT_ID, self._region
        resource_type = resource["Type"]

        if resource_type == _BUCKET:
            return f"arn:{_PARTITION}:s3:::{name}"

        if resource_type == _TABLE:
            return f"arn:{_PARTITION}:dynamodb:{region}:{account}:table/{name}"

        if resource_type == _DELIVERY_STREAM:
            return f"arn:{_PARTITION}:firehose:{region}:{account}:deliverystream/{name}"

        site = _Site(logical_id, "Properties.Path")
        path = self.text((resource.get("Properties") or {}).get("Path", "/"), site)
        return f"arn:{_PARTITION}:iam::{account}:role{path}{name}"

    # -- conditions --------------------------------------------------------

    def is_created(self, logical_id: str) -> bool:
        """Whether the resource exists in this stack (its Condition holds)."""
        condition = self._resources[logical_id].get("Condition")
        if condition is None:
            return True
        return self._condition(condition, _Site(logical_id, "Condition"))

    def _condition(self, name: Any, site: _Site) -> bool:
        if name in self._conditions:
            return self._conditions[name]

        conditions = self._body.get("Conditions") or {}
        if name not in conditions:
            raise site.fail(f"no condition named {name!r}")

        self._conditions[name] = self._evaluate(
            conditions[name], _Site("Conditions", str(name))
        )
        return self._conditions[name]

    def _evaluate(self, expression: Any, site: _Site) -> bool:
        if isinstance(expression, dict) and len(expression) == 1:
            ((key, argument),) = expression.items()

            if key == "Condition":
                return self._condition(argument, site)

            if (
                key == "Fn::Equals"
                and isinstance(argument, list)
                and len(argument) == 2
            ):
                # CloudFormation compares the values as strings.
                left, right = (self.resolve(item, site) for item in argument)
                return bool(_comparable(left, site) == _comparable(right, site))

            if key == "Fn::Not" and isinstance(argument, list) and len(argument) == 1:
                return not self._evaluate(argument[0], site.child(key))

            if key == "Fn::And" and isinstance(argument, list):
                return all(self._evaluate(item, site.child(key)) for item in argument)

            if key == "Fn::Or" and isinstance(argument, list):
                return any(self._evaluate(item, site.child(key)) for item in argument)

        raise site.fail(f"not a condition: {expression!r}")

    # -- functions ---------------------------------------------------------

    def _if(self, argument: Any, site: _Site) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise site.fail(f"Fn::If needs [condition, then, else], got {argument!r}")

        condition, when_true, when_false = argument
        chosen = when_true if self._condition(condition, site) else when_false
        return self.resolve(chosen, site)

    def _sub(self, argument: Any, site: _Site) -> str:
        if isinstance(argument, list) and len(argument) == 2:
            template, variables = argument
        else:
            template, variables = argument, {}
        if not isinstance(template, str) or not isinstance(variables, dict):
            raise site.fail(f"Fn::Sub needs a string and variables, got {argument!r}")

        def substitute(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return self.text(variables[expression], site)
            if "." in expression:
                return self._get_att(expression, site)
            return _as_text(self._ref(expression, site), site)

        return _SUB_VARIABLE.sub(substitute, template)

    def _join(self, argument: Any, site: _Site) -> str:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise site.fail(f"Fn::Join needs [delimiter, values], got {argument!r}")

        delimiter = self.text(argument[0], site)
        values = self._list(argument[1], site)
        return delimiter.join(_as_text(value, site) for value in values)

    def _select(self, argument: Any, site: _Site) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise site.fail(f"Fn::Select needs [index, values], got {argument!r}")

        index_text = self.text(argument[0], site)
        values = self._list(argument[1], site)
        if not index_text.isdigit() or int(index_text) >= len(values):
            raise site.fail(
                f"Fn::Select index {index_text} outside {len(values)} items"
            )
        return values[int(index_text)]

    def _split(self, argument: Any, site: _Site) -> list[str]:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise site.fail(f"Fn::Split needs [delimiter, source], got {argument!r}")

        delimiter = self.text(argument[0], site)
        return self.text(argument[1], site).split(delimiter)

    def _find_in_map(self, argument: Any, site: _Site) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise site.fail(f"Fn::FindInMap needs three keys, got {argument!r}")

        keys = [self.text(key, site) for key in argument]
        found: Any = self._body.get("Mappings") or {}
        for key in keys:
            if not isinstance(found, dict) or key not in found:
                raise site.fail(f"Fn::FindInMap: no entry {'/'.join(keys)}")
            found = found[key]
        return found

    def _base64(self, argument: Any, site: _Site) -> str:
        return base64.b64encode(self.text(argument, site).encode()).decode("ascii")

    def _to_json_string(self, argument: Any, site: _Site) -> str:
        return json.dumps(self.resolve(argument, site), separators=(",", ":"))

    def _list(self, value: Any, site: _Site) -> list[Any]:
        resolved = self.resolve(value, site)
        if not isinstance(resolved, list):
            raise site.fail(f"expected a list, got {resolved!r}")
        return resolved


def _as_text(value: Any, site: _Site) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise site.fail(f"expected a string, got {value!r}")


def _comparable(value: Any, site: _Site) -> Any:
    if isinstance(value, list | dict):
        return value
    return _as_text(value, site)


def _stack_id(stack_name: str, region: str) -> str:
    # Stable across runs, like the rest of the local stack's names.
    stack_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"tailor-local-stack/{stack_name}")
    return (
        f"arn:{_PARTITION}:cloudformation:{region}:{MOTO_ACCOUNT_ID}:"
        f"stack/{stack_name}/{stack_uuid}"
    )


# ---------------------------------------------------------------------------
# The template and its stacks
# ---------------------------------------------------------------------------


class ResolvedStack:
    """The template resolved for one stack: physical names and environments."""

    def __init__(
        self, *, stack_name: str, template: Template, resolver: _Resolver
    ) -> None:
        self._stack_name = stack_name
        self._template = template
        self._resolver = resolver
        self._physical_names = MappingProxyType(
            {
                **{
                    logical_id: resolver.physical_name(logical_id)
                    for logical_id in resolver.provisioned_resources()
                },
                **{
                    parameter: resolver.secret_name(parameter)
                    for parameter in template.secret_parameters
                },
            }
        )

    @property
    def stack_name(self) -> str:
        return self._stack_name

    @property
    def physical_names(self) -> Mapping[str, str]:
        """Logical id to name, for every provisioned resource and SSM parameter."""
        return self._physical_names

    def environment(self, function_logical_id: str) -> dict[str, str]:
        """The function's environment variables (SAM Globals + its own), resolved."""
        resources = self._template.resources
        functions = tuple(
            logical_id
            for logical_id, resource in resources.items()
            if resource.get("Type") in (_SERVERLESS_FUNCTION, _LAMBDA_FUNCTION)
        )
        if function_logical_id not in functions:
            raise UnknownFunctionError(function=function_logical_id, known=functions)

        resource = resources[function_logical_id]
        site = _Site(function_logical_id, "Properties.Environment.Variables")
        variables: dict[str, Any] = {}

        # SAM merges Globals into each function; the function's own value wins.
        if resource["Type"] == _SERVERLESS_FUNCTION:
            shared = self._template.globals.get("Function") or {}
            shared_site = _Site("Globals", "Function.Environment.Variables")
            variables |= self._variables(shared, shared_site)
        variables |= self._variables(resource.get("Properties") or {}, site)

        return {
            key: _as_text(value, site.child(key)) for key, value in variables.items()
        }

    def _variables(self, properties: Mapping[str, Any], site: _Site) -> dict[str, Any]:
        declared = (properties.get("Environment") or {}).get("Variables") or {}
        resolved = self._resolver.resolve(declared, site)
        if not isinstance(resolved, dict):
            raise site.fail(f"expected a mapping of variables, got {resolved!r}")
        return resolved


class ProvisionedStack(ResolvedStack):
    """A resolved stack whose resources exist in the account the clients reach."""

    def __init__(
        self,
        *,
        stack_name: str,
        template: Template,
        resolver: _Resolver,
        created: frozenset[str],
    ) -> None:
        super().__init__(stack_name=stack_name, template=template, resolver=resolver)
        self._created = created

    @property
    def created(self) -> frozenset[str]:
        """Logical ids this call created; the others already existed."""
        return self._created


@dataclass(frozen=True)
class Template:
    """A loaded CloudFormation/SAM template (long-form intrinsics)."""

    path: Path
    body: Mapping[str, Any]

    @property
    def resources(self) -> Mapping[str, Any]:
        resources: Mapping[str, Any] = self.body["Resources"]
        return resources

    @property
    def parameters(self) -> Mapping[str, Any]:
        return self.body.get("Parameters") or {}

    @property
    def globals(self) -> Mapping[str, Any]:
        return self.body.get("Globals") or {}

    @property
    def secret_parameters(self) -> tuple[str, ...]:
        """Parameters naming an SSM parameter: each becomes a SecureString."""
        return tuple(
            name
            for name, declared in self.parameters.items()
            if declared.get("Type") == _SSM_NAME_TYPE
        )

    def resolve(
        self,
        *,
        stack_name: str,
        region: str,
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> ResolvedStack:
        """Resolve names and environments for a stack, creating nothing."""
        resolver = self._resolver(stack_name, region, parameter_overrides or {})
        return ResolvedStack(stack_name=stack_name, template=self, resolver=resolver)

    def provision(
        self,
        *,
        clients: AwsClients,
        stack_name: str,
        parameter_values: Mapping[str, str],
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> ProvisionedStack:
        """Create the template's storage in the account ``clients`` reach.

        ``parameter_values`` holds the secret value of each SSM-name parameter,
        keyed by the template Parameter (``SubjectKeyParameter``...).
        ``parameter_overrides`` sets template Parameters, as ``sam deploy
        --parameter-overrides`` would. Running it again is harmless: what exists
        is kept, including SSM values (the subject key must stay stable, or
        every stored profile is orphaned).
        """
        resolver = self._resolver(stack_name, clients.region, parameter_overrides or {})
        self._check_secret_values(parameter_values)
        provisioner = _Provisioner(clients=clients, resolver=resolver)

        created: set[str] = set()
        for parameter in self.secret_parameters:
            name = resolver.secret_name(parameter)
            if provisioner.secure_string(parameter, name, parameter_values[parameter]):
                created.add(parameter)

        for logical_id in resolver.provisioned_resources():
            if provisioner.resource(logical_id, self.resources[logical_id]):
                created.add(logical_id)

        return ProvisionedStack(
            stack_name=stack_name,
            template=self,
            resolver=resolver,
            created=frozenset(created),
        )

    def _resolver(
        self, stack_name: str, region: str, overrides: Mapping[str, str]
    ) -> _Resolver:
        for name, value in overrides.items():
            declared = self.parameters.get(name)
            if declared is None:
                raise ParameterError(parameter=name, reason="not in the template")

            allowed = declared.get("AllowedValues")
            if allowed is not None and value not in [str(item) for item in allowed]:
                raise ParameterError(
                    parameter=name, reason=f"{value!r} is not one of {allowed}"
                )

        return _Resolver(
            body=self.body,
            stack_name=stack_name,
            region=region,
            parameter_overrides=overrides,
        )

    def _check_secret_values(self, parameter_values: Mapping[str, str]) -> None:
        secrets = self.secret_parameters
        for name in parameter_values:
            if name not in secrets:
                raise ParameterError(
                    parameter=name, reason=f"not one of the SSM parameters {secrets}"
                )

        for name in secrets:
            if name not in parameter_values:
                raise ParameterError(
                    parameter=name, reason="no SecureString value given"
                )


# ---------------------------------------------------------------------------
# Provisioning
# ---------------------------------------------------------------------------


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


class _Provisioner:
    """Creates one resource at a time; what already exists is left as it is."""

    def __init__(self, *, clients: AwsClients, resolver: _Resolver) -> None:
        self._clients = clients
        self._resolver = resolver
        self._by_type: Mapping[str, Callable[[str, Mapping[str, Any]], bool]] = {
            _ROLE: self._role,
            _BUCKET: self._bucket,
            _TABLE: self._table,
            _DELIVERY_STREAM: self._delivery_stream,
        }

    def resource(self, logical_id: str, resource: Mapping[str, Any]) -> bool:
        """Create the resource; True when it did not exist before."""
        created = self._by_type[resource["Type"]](logical_id, resource)

        _LOGGER.info(
            "provisioned %s",
            logical_id,
            extra={
                "resource_type": resource["Type"],
                "physical_name": self._resolver.physical_name(logical_id),
                "newly_created": created,
            },
        )
        return created

    def secure_string(self, parameter: str, name: str, value: str) -> bool:
        """Put the SecureString unless it exists; True when it was created."""
        try:
            self._clients.ssm.put_parameter(
                Name=name, Value=value, Type="SecureString", Overwrite=False
            )
        except ClientError as exc:
            if _error_code(exc) == "ParameterAlreadyExists":
                return False
            raise ProvisioningError(
                resource=parameter, operation="PutParameter", code=_error_code(exc)
            ) from exc

        _LOGGER.info("provisioned %s", parameter, extra={"physical_name": name})
        return True

    def _properties(self, logical_id: str, resource: Mapping[str, Any]) -> _Properties:
        return _Properties(
            logical_id=logical_id,
            declared=resource.get("Properties") or {},
            resolver=self._resolver,
        )

    def _role(self, logical_id: str, resource: Mapping[str, Any]) -> bool:
        properties = self._properties(logical_id, resource)
        trust_policy = properties.required("AssumeRolePolicyDocument")

        try:
            self._clients.iam.create_role(
                RoleName=self._resolver.physical_name(logical_id),
                Path=properties.optional("Path") or "/",
                AssumeRolePolicyDocument=json.dumps(trust_policy),
            )
        except ClientError as exc:
            return self._existing(exc, logical_id, "CreateRole", "EntityAlreadyExists")
        return True

    def _bucket(self, logical_id: str, resource: Mapping[str, Any]) -> bool:
        properties = self._properties(logical_id, resource)
        name = self._resolver.physical_name(logical_id)
        versioning = properties.optional("VersioningConfiguration")
        region = self._clients.region

        # CreateBucket answers 200 for a bucket you already own in us-east-1,
        # so look first; us-east-1 is also the one region never named as a
        # location constraint.
        created = not self._bucket_exists(logical_id, name)
        if created:
            request: dict[str, Any] = {"Bucket": name}
            if region != "us-east-1":
                request["CreateBucketConfiguration"] = {"LocationConstraint": region}
            try:
                self._clients.s3.create_bucket(**request)
            except ClientError as exc:
                raise ProvisioningError(
                    resource=logical_id, operation="CreateBucket", code=_error_code(exc)
                ) from exc

        if versioning:
            try:
                self._clients.s3.put_bucket_versioning(
                    Bucket=name,
                    VersioningConfiguration={"Status": versioning["Status"]},
                )
            except ClientError as exc:
                raise ProvisioningError(
                    resource=logical_id,
                    operation="PutBucketVersioning",
                    code=_error_code(exc),
                ) from exc
        return created

    def _bucket_exists(self, logical_id: str, name: str) -> bool:
        try:
            self._clients.s3.head_bucket(Bucket=name)
        except ClientError as exc:
            if _error_code(exc) in ("404", "NoSuchBucket"):
                return False
            raise ProvisioningError(
                resource=logical_id, operation="HeadBucket", code=_error_code(exc)
            ) from exc
        return True

    def _table(self, logical_id: str, resource: Mapping[str, Any]) -> bool:
        properties = self._properties(logical_id, resource)
        name = self._resolver.physical_name(logical_id)
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": properties.required("KeySchema"),
            "AttributeDefinitions": properties.required("AttributeDefinitions"),
            "BillingMode": properties.optional("BillingMode") or "PROVISIONED",
        }
        throughput = properties.optional("ProvisionedThroughput")
        if throughput:
            request["ProvisionedThroughput"] = throughput
        for indexes, api_keys in _INDEX_KEYS.items():
            declared = properties.optional(indexes) or []
            if declared:
                request[indexes] = [
                    {key: index[key] for key in api_keys if key in index}
                    for index in declared
                ]
        ttl = properties.optional("TimeToLiveSpecification") or {}
        ttl_site = _Site(logical_id, "Properties.TimeToLiveSpecification.Enabled")
        ttl_enabled = _as_text(ttl.get("Enabled", False), ttl_site) == "true"

        try:
            self._clients.dynamodb.create_table(**request)
            created = True
        except ClientError as exc:
            created = self._existing(
                exc, logical_id, "CreateTable", "ResourceInUseException"
            )

        try:
            self._clients.dynamodb.get_waiter("table_exists").wait(TableName=name)
            if ttl_enabled:
                self._enable_ttl(name, ttl["AttributeName"])
        except ClientError as exc:
            raise ProvisioningError(
                resource=logical_id, operation="UpdateTimeToLive", code=_error_code(exc)
            ) from exc
        return created

    def _enable_ttl(self, table_name: str, attribute: str) -> None:
        described = self._clients.dynamodb.describe_time_to_live(TableName=table_name)
        current = described["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            return

        self._clients.dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"AttributeName": attribute, "Enabled": True},
        )

    def _delivery_stream(self, logical_id: str, resource: Mapping[str, Any]) -> bool:
        properties = self._properties(logical_id, resource)
        stream_type = properties.optional("DeliveryStreamType") or "DirectPut"
        destination_key = next(
            (
                key
                for key in (
                    "ExtendedS3DestinationConfiguration",
                    "S3DestinationConfiguration",
                )
                if key in properties.declared
            ),
            None,
        )
        if destination_key is None:
            raise _Site(logical_id, "Properties").fail(
                "only S3 destinations are provisioned by the local stack"
            )

        # What moto models; encryption and logging name resources the local
        # stack does not create.
        destination = properties.subset(
            destination_key,
            (
                "BucketARN",
                "RoleARN",
                "Prefix",
                "ErrorOutputPrefix",
                "BufferingHints",
                "CompressionFormat",
            ),
        )

        try:
            self._clients.firehose.create_delivery_stream(
                DeliveryStreamName=self._resolver.physical_name(logical_id),
                DeliveryStreamType=stream_type,
                **{destination_key: destination},
            )
        except ClientError as exc:
            return self._existing(
                exc, logical_id, "CreateDeliveryStream", "ResourceInUseException"
            )
        return True

    @staticmethod
    def _existing(
        exc: ClientError, logical_id: str, operation: str, exists_code: str
    ) -> bool:
        if _error_code(exc) == exists_code:
            return False
        raise ProvisioningError(
            resource=logical_id, operation=operation, code=_error_code(exc)
        ) from exc


@dataclass(frozen=True, kw_only=True)
class _Properties:
    """One resource's properties, resolved on demand, one property at a time."""

    logical_id: str
    declared: Mapping[str, Any]
    resolver: _Resolver

    def optional(self, name: str) -> Any:
        if name not in self.declared:
            return None
        return self.resolver.resolve(self.declared[name], self._site(name))

    def required(self, name: str) -> Any:
        if name not in self.declared:
            raise self._site(name).fail("required by the local stack but missing")
        return self.optional(name)

    def subset(self, name: str, keys: tuple[str, ...]) -> dict[str, Any]:
        declared = self.declared[name]
        if not isinstance(declared, dict):
            raise self._site(name).fail(f"expected a mapping, got {declared!r}")

        site = self._site(name)
        chosen = {key: declared[key] for key in keys if key in declared}
        return {
            key: self.resolver.resolve(value, site.child(key))
            for key, value in chosen.items()
        }

    def _site(self, name: str) -> _Site:
        return _Site(self.logical_id, f"Properties.{name}")
