"""Errors raised by the targeting language.

    TargetingError
    └── ConditionError   a condition cannot be compiled; `path` says where, `hint` how

Every targeting error is raised when a condition is compiled, never while one is
evaluated: a compiled condition answers False for attributes it cannot compare.
"""

from __future__ import annotations


class TargetingError(Exception):
    """Base class of every targeting error."""


class ConditionError(TargetingError):
    """A condition is malformed at `path` (for example `$.context.device.$inn`).

    `problem` says what is wrong, `hint` (possibly None) how to put it right; the
    message joins the three into one readable line.
    """

    def __init__(self, path: str, problem: str, hint: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.hint = hint
        message = f"{problem} at {path}"
        if hint:
            message = f"{message} ({hint})"
        super().__init__(message)
