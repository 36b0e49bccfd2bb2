"""Loads a configuration from a directory of YAML or JSON files.

Every value remembers the file and line it came from, so that a problem found by
pydantic or by the reference checks points at the place to fix. Sections that map ids
to definitions (segments, content, placements, …) may be spread over several files;
an id defined twice is a problem, as is a duplicate key inside one mapping.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tailor.config.exceptions import ConfigInvalid, Problem
from tailor.config.models import Configuration
from tailor.config.validate import Finding, find_problems

CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
# No configuration needs more values; a document with more is refused rather than
# expanded (recursive aliases can otherwise grow without bound).
MAX_NODES = 200_000
ID_SECTIONS = frozenset(
    {"saved_groups", "segments", "content", "placements", "experiments", "features"}
)

PathKey = tuple[str | int, ...]
Origin = tuple[str, int]


class _Document:
    """A merged configuration document with the origin of every node."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.origins: dict[PathKey, Origin] = {}
        self.problems: list[Problem] = []

    def origin(self, path: Iterable[str | int]) -> Origin | None:
        """The origin of the deepest node on `path` that has one."""
        parts = tuple(path)
        for end in range(len(parts), -1, -1):
            found = self.origins.get(parts[:end])
            if found is not None:
                return found
        return None

    def problem(self, path: PathKey, message: str, hint: str | None = None) -> Problem:
        origin = self.origin(path)
        return Problem(
            message=message,
            location=_format_path(path),
            file=origin[0] if origin else None,
            line=origin[1] if origin else None,
            hint=hint,
        )


def load_config(path: Path) -> Configuration:
    """Load and validate the configuration at `path` (a file or a directory).

    Raises `ConfigInvalid` listing every problem found, each with file and line.
    """
    document = _read_documents(_config_files(path))
    if document.problems:
        raise ConfigInvalid(document.problems)

    try:
        config = Configuration.model_validate(document.data)
    except ValidationError as exc:
        raise ConfigInvalid(
            [_pydantic_problem(document, error) for error in exc.errors()]
        ) from exc

    findings = find_problems(config)
    if findings:
        raise ConfigInvalid([_finding_problem(document, f) for f in findings])
    return config


def _config_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigInvalid(
            [Problem(message="no such file or directory", location=str(path))]
        )

    files = sorted(p for p in path.iterdir() if p.suffix in CONFIG_SUFFIXES)
    if not files:
        raise ConfigInvalid(
            [
                Problem(
                    message="no configuration files found",
                    location=str(path),
                    hint=f"add files ending in {', '.join(CONFIG_SUFFIXES)}",
                )
            ]
        )
    return files


def _read_documents(files: list[Path]) -> _Document:
    document = _Document()
    for file in files:
        _merge_file(document, file)
    return document


def _merge_file(document: _Document, file: Path) -> None:
    name = str(file)
    try:
        loader = yaml.SafeLoader(file.read_text(encoding="utf-8"))
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError) as exc:
        document.problems.append(Problem(message=str(exc), location="$", file=name))
        return
    except yaml.YAMLError as exc:
        document.problems.append(_yaml_problem(name, exc))
        return

    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        document.problems.append(
            Problem(
                message="a configuration file must be a mapping of sections",
                location="$",
                file=name,
                line=root.start_mark.line + 1,
            )
        )
        return

    origins: dict[PathKey, Origin] = {}
    try:
        content = _build(loader, root, (), name, origins, document.problems)
    except _TooLarge:
        document.problems.append(
            Problem(
                message=f"more than {MAX_NODES:,} values (aliases expanding?)",
                location="$",
                file=name,
                hint="write the configuration out without recursive YAML aliases",
            )
        )
        return
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        document.problems.append(_value_problem(name, exc))
        return
    for section, value in content.items():
        _merge_section(document, name, origins, section, value)


def _merge_section(
    document: _Document,
    file: str,
    origins: Mapping[PathKey, Origin],
    section: str,
    value: Any,
) -> None:
    def adopt(prefix: PathKey) -> None:
        for path, origin in origins.items():
            if path[: len(prefix)] == prefix:
                document.origins[path] = origin

    if section not in document.data:
        document.data[section] = value
        adopt((section,))
        return

    existing = document.data[section]
    if (
        section in ID_SECTIONS
        and isinstance(existing, dict)
        and isinstance(value, dict)
    ):
        for key, definition in value.items():
            if key in existing:
                first = document.origin((section, key))
                document.problems.append(
                    Problem(
                        message=f"duplicate id {key!r} in {section}",
                        location=_format_path((section, key)),
                        file=file,
                        line=origins[(section, key)][1],
                        hint=f"first defined at {first[0]}:{first[1]}"
                        if first
                        else None,
                    )
                )
                continue
            existing[key] = definition
            adopt((section, key))
        return

    first = document.origin((section,))
    document.problems.append(
        Problem(
            message=f"section {section!r} is defined in more than one file",
            location=section,
            file=file,
            line=origins[(section,)][1],
            hint=f"first defined at {first[0]}:{first[1]}" if first else None,
        )
    )


def _build(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: PathKey,
    file: str,
    origins: dict[PathKey, Origin],
    problems: list[Problem],
) -> Any:
    origins[path] = (file, node.start_mark.line + 1)
    if len(origins) > MAX_NODES:
        raise _TooLarge

    if isinstance(node, yaml.MappingNode):
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, list | dict | set):
                raise _KeyNotScalar(key_node)
            if key in mapping:
                problems.append(
                    Problem(
                        message=f"duplicate key {key!r}",
                        location=_format_path((*path, key)),
                        file=file,
                        line=key_node.start_mark.line + 1,
                    )
                )
                continue
            child = (*path, key if isinstance(key, str | int) else str(key))
            mapping[key] = _build(loader, value_node, child, file, origins, problems)
            # A definition is found where its key is written, not its first field.
            origins[child] = (file, key_node.start_mark.line + 1)
        return mapping

    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, (*path, index), file, origins, problems)
            for index, item in enumerate(node.value)
        ]

    return loader.construct_object(node, deep=True)


class _TooLarge(Exception):
    """The document has more values than a configuration plausibly needs."""


class _KeyNotScalar(ValueError):
    """A mapping key is a list or a mapping."""

    def __init__(self, node: yaml.Node) -> None:
        self.node = node
        super().__init__("a mapping key must be a plain value, not a list or mapping")


def _value_problem(file: str, exc: Exception) -> Problem:
    """A value that YAML reads but Python cannot build (`!!int abc`, bad dates)."""
    if isinstance(exc, yaml.YAMLError):
        return _yaml_problem(file, exc)
    if isinstance(exc, RecursionError):
        return Problem(
            message="nested too deeply",
            location="$",
            file=file,
            hint="flatten the structure, or remove recursive aliases",
        )
    mark = getattr(exc, "node", None)
    line = mark.start_mark.line + 1 if isinstance(mark, yaml.Node) else None
    return Problem(
        message=f"not a valid value: {exc}",
        location="$",
        file=file,
        line=line,
        hint="check explicit tags such as !!int and !!timestamp",
    )


def _yaml_problem(file: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    return Problem(
        message=f"not valid YAML: {reason}",
        location="$",
        file=file,
        line=mark.line + 1 if mark is not None else None,
        hint="check indentation and quoting around this line",
    )


def _field_names(model: type[BaseModel]) -> set[str]:
    """Every field name of `model` and of the models nested in it."""
    names: set[str] = set()
    pending: list[Any] = [model]
    seen: set[type[BaseModel]] = set()
    while pending:
        item = pending.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item in seen:
                continue
            seen.add(item)
            names.update(item.model_fields)
            pending.extend(field.annotation for field in item.model_fields.values())
        else:
            pending.extend(typing.get_args(item))
    return names


_KNOWN_FIELDS = sorted(_field_names(Configuration))


def _pydantic_problem(document: _Document, error: Mapping[str, Any]) -> Problem:
    path: PathKey = tuple(error["loc"])
    message = str(error["msg"])
    hint = None

    if error["type"] == "extra_forbidden":
        message = f"unknown field {path[-1]!r}"
        close = difflib.get_close_matches(str(path[-1]), _KNOWN_FIELDS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "remove it"
    elif error["type"] == "missing":
        message = f"missing required field {path[-1]!r}"
    elif error["type"] == "string_pattern_mismatch":
        hint = "ids are lower_snake_case: a letter, then letters, digits or _"

    return document.problem(path, message, hint)


def _finding_problem(document: _Document, finding: Finding) -> Problem:
    return document.problem(finding.path, finding.message, finding.hint)


def _format_path(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += (
            f"[{part}]"
            if isinstance(part, int)
            else (f".{part}" if text else str(part))
        )
    return text or "$"
