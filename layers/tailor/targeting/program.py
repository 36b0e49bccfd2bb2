"""Many conditions in one generated function.

A decision evaluates dozens of conditions over the same attribute document. Called
one by one, each pays a call and reads its containers (`context`, `facts`, …)
again. A `Program` emits them as the branches of a single function instead: the
containers every branch reads are fetched once at the top, and each branch is an
`if` whose test is the caller's guards and the condition's own expression.

The caller's guards are Python expressions over the function's parameters and
over names from `constant`; like conditions, they never contain a value as text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tailor.targeting import _codegen
from tailor.targeting.condition import Condition

_INDENT = "    "


@dataclass(frozen=True, slots=True)
class _Branch:
    guards: tuple[str, ...]
    condition: Condition | None
    action: str


class Program:
    """Collects guarded branches, then compiles them into one function.

    The function's first parameter is the attribute document, named `a`; the
    others are `parameters`. Branches run in order; `action` is a statement
    (`return 3`, `out.append(k1)`), and `final` the statement after the last one.
    """

    def __init__(self, parameters: Sequence[str]) -> None:
        self._parameters = tuple(parameters)
        self._emitter = _codegen.Emitter()
        self._branches: list[_Branch] = []

    def constant(self, value: object) -> str:
        """The name under which guards and actions see `value`."""
        return self._emitter.constant(value)

    def branch(
        self, guards: Sequence[str], condition: Condition | None, action: str
    ) -> None:
        self._branches.append(_Branch(tuple(guards), condition, action))

    def compile(self, final: str, *, name: str = "program") -> Callable[..., Any]:
        emitter = self._emitter
        paths = [
            field.segments
            for branch in self._branches
            if branch.condition is not None
            for field in branch.condition._root.fields()
        ]
        lines = [f"def {name}(a, {', '.join(self._parameters)}):"]

        # Containers read by two or more paths are fetched once, at the top.
        empty = emitter.constant(_codegen.EMPTY_DOCUMENT)
        shared = Counter(
            path[:length]
            for path in dict.fromkeys(paths)
            for length in range(1, len(path))
        )
        hoisted: dict[_codegen.Path, str] = {}
        for prefix in sorted((p for p, n in shared.items() if n > 1), key=len):
            holder = emitter.fresh("p")
            parent = hoisted.get(prefix[:-1], "a")
            key = emitter.constant(prefix[-1])
            lines.append(f"{_INDENT}{holder} = {parent}.get({key})")
            lines.append(
                f"{_INDENT}if not isinstance({holder}, dict): {holder} = {empty}"
            )
            hoisted[prefix] = holder
        scope = _codegen.DocumentScope(emitter, "a", hoisted)

        for branch in self._branches:
            tests = list(branch.guards)
            if branch.condition is not None:
                tests.append(branch.condition._root.emit(scope))
            test = " and ".join(tests) or "True"
            lines.append(f"{_INDENT}if {test}:")
            lines.append(f"{_INDENT * 2}{branch.action}")
        lines.append(f"{_INDENT}{final}")

        emitter.add_function(lines)
        return emitter.build(name)
