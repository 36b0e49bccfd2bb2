"""Errors raised while loading and validating a configuration.

ConfigError
└── ConfigInvalid      one or more problems, each with file, line and hint
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a configuration, located as precisely as possible."""

    message: str
    location: str
    file: str | None = None
    line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        text = f"{where}: {self.location}: {self.message}"
        if self.hint:
            text = f"{text} (hint: {self.hint})"
        return text


class ConfigError(Exception):
    """Base class of every configuration error."""


class ConfigInvalid(ConfigError):
    """The configuration has problems; all of them are listed, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{len(problems)} problem(s) in the configuration:\n{lines}")
