"""Errors raised by Tailor's local infrastructure.

One tree; catch ``TailorInfraError`` to handle all of them::

    TailorInfraError
    ├── TemplateError               template.yaml cannot be used as asked
    │   ├── TemplateLoadError       not readable YAML, or not a template
    │   ├── ParameterError          a Parameter unknown, missing or not allowed
    │   ├── UnresolvableValueError  a value the local stack cannot resolve or create
    │   └── UnknownFunctionError    a function the template does not declare
    └── ProvisioningError           an AWS call failed while provisioning

Each error carries its context as attributes; the message repeats it for logs.
"""

from __future__ import annotations

from pathlib import Path


class TailorInfraError(Exception):
    """Base of every error raised by ``tailor_infra``."""


class TemplateError(TailorInfraError):
    """template.yaml cannot be used as asked."""


class TemplateLoadError(TemplateError):
    """The file is not readable YAML, or not a CloudFormation template."""

    def __init__(self, *, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ParameterError(TemplateError):
    """A template Parameter is unknown, has no value, or has a value not allowed."""

    def __init__(self, *, parameter: str, reason: str) -> None:
        self.parameter = parameter
        self.reason = reason
        super().__init__(f"parameter {parameter}: {reason}")


class UnresolvableValueError(TemplateError):
    """A property value the local stack cannot resolve or provision."""

    def __init__(self, *, resource: str, property_path: str, reason: str) -> None:
        self.resource = resource
        self.property_path = property_path
        self.reason = reason
        super().__init__(f"{resource}.{property_path}: {reason}")


class UnknownFunctionError(TemplateError):
    """The template declares no Lambda function with this logical id."""

    def __init__(self, *, function: str, known: tuple[str, ...]) -> None:
        self.function = function
        self.known = known
        listed = ", ".join(known) or "none"
        super().__init__(
            f"no function {function!r} in the template (functions: {listed})"
        )


class ProvisioningError(TailorInfraError):
    """An AWS call failed while provisioning a resource of the template."""

    def __init__(self, *, resource: str, operation: str, code: str) -> None:
        self.resource = resource
        self.operation = operation
        self.code = code
        super().__init__(f"{resource}: {operation} failed with {code}")
