"""Turning a condition tree into one straight-line Python function.

NOTE: Why generated source. A tree of closures pays a Python call per clause; a
generated function evaluates a whole condition in one frame, with `and`/`or`
short-circuiting and every constant a local closure variable. The source never
contains a value from the condition: attribute names, literals, sets and compiled
patterns reach it only as the arguments of an outer `_build(c0, c1, ...)`
function, so nothing written in a condition can become code. The source depends
only on the condition's shape, which lets conditions of the same shape share one
code object.

Generated code runs with no builtins but the few in `RUNTIME_GLOBALS`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from types import CodeType, MappingProxyType
from typing import Any, Final

# The only names generated code can reach besides its constants.
RUNTIME_GLOBALS: Final[dict[str, object]] = {
    "__builtins__": {},
    "isinstance": isinstance,
    "len": len,
    "any": any,
    "map": map,
    "list": list,
    "dict": dict,
    "str": str,
}

# A dotted attribute path, split at its dots.
Path = tuple[str, ...]

# What a path reads through when one of its containers is missing or not a dict.
EMPTY_DOCUMENT: Final[Mapping[str, object]] = MappingProxyType({})

_INDENT = "    "


class ValueRef:
    """An attribute value in generated code, read once however often it is used.

    The first `use()` returns the reading expression bound to a local with `:=`,
    later ones the local, so emitters must call `use()` in the order Python will
    evaluate the uses: in `x if test else y`, build `test` first.
    """

    __slots__ = ("_bound", "expression", "name")

    def __init__(self, expression: str, name: str | None = None) -> None:
        self.expression = expression
        self.name = name or expression
        self._bound = name is None

    def use(self) -> str:
        if self._bound:
            return self.name
        self._bound = True
        return f"({self.name} := {self.expression})"


class Emitter:
    """Collects the constants and the functions of one generated module."""

    def __init__(self) -> None:
        self._values: list[object] = []
        self._names: dict[int, str] = {}
        self._functions: list[str] = []
        self._counter = itertools.count()

    def constant(self, value: object) -> str:
        """The name under which generated code sees `value` (never its text)."""
        name = self._names.get(id(value))
        if name is None:
            name = f"c{len(self._values)}"
            self._values.append(value)
            self._names[id(value)] = name
        return name

    def fresh(self, prefix: str) -> str:
        """A local name used nowhere else in the module."""
        return f"{prefix}{next(self._counter)}"

    def add_function(self, lines: Iterable[str]) -> None:
        self._functions.append("\n".join(_INDENT + line for line in lines))

    def build(self, entry: str) -> Callable[[Any], bool]:
        """Compile the module and return its function called `entry`."""
        parameters = ", ".join(f"c{index}" for index in range(len(self._values)))
        source = "\n".join(
            [f"def _build({parameters}):", *self._functions, f"{_INDENT}return {entry}"]
        )

        namespace: dict[str, Any] = dict(RUNTIME_GLOBALS)
        exec(_compile_source(source), namespace)
        function: Callable[[Any], bool] = namespace["_build"](*self._values)
        return function


# TODO: Compiling the source of a condition shape not seen before takes Python's
# compile() 0.1-0.8 ms, and a bundle with hundreds of distinct shapes pays that on
# every cold start of decide. Shipping the code objects with the bundle (marshal,
# keyed by source and Python version) would take it off the cold start.
@lru_cache(maxsize=1024)
def _compile_source(source: str) -> CodeType:
    return compile(source, "<tailor condition>", "exec")


class DocumentScope:
    """Reads dotted attribute paths inside one generated document function.

    Containers that several paths go through (`context` for `context.device` and
    `context.country`) are read once at the top of the function.
    """

    def __init__(self, emitter: Emitter, root: str, hoisted: dict[Path, str]) -> None:
        self.emitter = emitter
        self._root = root
        self._hoisted = hoisted

    def fetch(self, segments: Path) -> str:
        """An expression for the value at `segments`, None when it is absent."""
        base, rest = self._root, segments
        for length in range(len(segments) - 1, 0, -1):
            if segments[:length] in self._hoisted:
                base, rest = self._hoisted[segments[:length]], segments[length:]
                break

        expression = f"{base}.get({self.emitter.constant(rest[0])})"
        for segment in rest[1:]:
            holder = self.emitter.fresh("t")
            key = self.emitter.constant(segment)
            expression = (
                f"({holder}.get({key}) "
                f"if isinstance({holder} := {expression}, dict) else None)"
            )
        return expression


def document_function(
    emitter: Emitter,
    paths: Iterable[Path],
    body: Callable[[DocumentScope], str],
    *,
    root_is_mapping: bool,
) -> str:
    """Emit `def dN(a): return <body>` and return its name.

    `paths` are the attribute paths the body reads; `root_is_mapping` says the
    argument is known to be a mapping (the attribute document) rather than any
    value (an item of a list under `$elemMatch`).
    """
    name = emitter.fresh("d")
    empty = emitter.constant(EMPTY_DOCUMENT)
    lines = [f"def {name}(a):"]
    if not root_is_mapping:
        lines.append(f"{_INDENT}if not isinstance(a, dict): a = {empty}")

    # Hoist every container that two or more paths read through.
    shared = Counter(
        path[:length] for path in dict.fromkeys(paths) for length in range(1, len(path))
    )
    hoisted: dict[Path, str] = {}
    for prefix in sorted((p for p, n in shared.items() if n > 1), key=len):
        holder = emitter.fresh("p")
        parent = hoisted.get(prefix[:-1], "a")
        lines.append(
            f"{_INDENT}{holder} = {parent}.get({emitter.constant(prefix[-1])})"
        )
        lines.append(f"{_INDENT}if not isinstance({holder}, dict): {holder} = {empty}")
        hoisted[prefix] = holder

    expression = body(DocumentScope(emitter, "a", hoisted))
    lines.append(f"{_INDENT}return {expression}")
    emitter.add_function(lines)
    return name


def value_function(emitter: Emitter, body: Callable[[ValueRef], str]) -> str:
    """Emit `def vN(x): return <body>` over one value and return its name."""
    name = emitter.fresh("v")
    expression = body(ValueRef("x"))
    emitter.add_function([f"def {name}(x):", f"{_INDENT}return {expression}"])
    return name
