"""Compiled targeting conditions: GrowthBook's condition language, made fast.

`compile_condition` reads a condition once, checks it, and generates a Python
function for it; calling the result does no parsing, no walking of the
condition and no regular-expression compilation. The semantics are those of
GrowthBook's SDKs (spec 0.7.x; its Python SDK where SDKs differ), which the
shared conformance cases pin down:

- a key is a dotted path into nested dicts (`context.device`); a missing
  attribute reads as null;
- a literal value compares with Python equality (so `true` equals `1`, as in
  GrowthBook's Python SDK), an object of `$` operators applies each operator;
- `$in`/`$nin` against a list attribute test whether the two lists intersect;
- `$lt`/`$gt` between a number and a string convert the string to a number, and
  a missing attribute counts as 0 against a number;
- an attribute of a type a clause cannot handle makes that clause false: a
  compiled condition never raises for an attribute document.

Where Tailor differs from GrowthBook, it is at compile time only: what GrowthBook
evaluates to a fixed answer (an unknown operator, a regex that does not compile,
an `$in` of a string, an unknown saved group) is a `ConditionError` here, unless
`strict=False` asks for GrowthBook's answers (the conformance runner does).
One difference at evaluation, for values no JSON document holds: a string that
converts to NaN is never ordered against a number (GrowthBook's Python SDK calls
it equal to every number).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from tailor.targeting import _codegen
from tailor.targeting._builder import Builder, plain
from tailor.targeting._nodes import DocumentNode, Never, ValueNode
from tailor.targeting.exceptions import ConditionError

Predicate = Callable[[Mapping[str, Any]], bool]


class Condition(partial[bool]):
    """A compiled condition: call it with an attribute document to test it.

    Built by `compile_condition`, never changed after. `paths` are the dotted attribute
    paths the condition reads; `match` is the generated function itself.

    NOTE: Why a `functools.partial`. Calling an object whose `__call__` is written
    in Python costs about 150 ns more than calling the function it wraps, as much
    as evaluating a simple condition. A partial of the generated function is
    called from C, for about 50 ns, and a decision evaluates a hundred conditions.
    """

    __slots__ = ("_judge", "_root", "paths")

    _root: DocumentNode
    _judge: _Judge
    paths: frozenset[str]

    def __new__(
        cls, root: DocumentNode, match: Predicate, paths: frozenset[str]
    ) -> Condition:
        condition = super().__new__(cls, match)
        condition._root = root
        condition._judge = _Judge()
        condition.paths = paths
        return condition

    if TYPE_CHECKING:

        def __call__(self, attributes: Mapping[str, Any], /) -> bool:
            """Whether `attributes` satisfy the condition; never raises."""

    @property
    def match(self) -> Predicate:
        """The generated function: same answers, one call layer fewer."""
        function: Predicate = self.func
        return function

    def explain(self, attributes: Mapping[str, Any]) -> str | None:
        """None when `attributes` match, else a sentence naming the failing clause."""
        if self.func(attributes):
            return None

        document = attributes if isinstance(attributes, dict) else dict(attributes)
        return self._root.explain(document, self._judge)

    def __copy__(self) -> Condition:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Condition:
        return self

    def __repr__(self) -> str:
        return f"<Condition reading {', '.join(sorted(self.paths)) or 'nothing'}>"


class _Judge:
    """Evaluates parts of a condition for explanations, compiling each part once."""

    def __init__(self) -> None:
        self._documents: dict[int, tuple[DocumentNode, Predicate]] = {}
        self._values: dict[int, tuple[ValueNode, Callable[[object], bool]]] = {}

    def holds(self, node: DocumentNode, document: Mapping[str, Any]) -> bool:
        entry = self._documents.get(id(node))
        if entry is None:
            entry = (node, _compile_document(node))
            self._documents[id(node)] = entry
        return entry[1](document)

    def accepts(self, node: ValueNode, value: object) -> bool:
        entry = self._values.get(id(node))
        if entry is None:
            emitter = _codegen.Emitter()
            name = _codegen.value_function(emitter, lambda ref: node.emit(ref, emitter))
            entry = (node, emitter.build(name))
            self._values[id(node)] = entry
        return entry[1](value)


def _compile_document(node: DocumentNode) -> Predicate:
    emitter = _codegen.Emitter()
    name = _codegen.document_function(
        emitter,
        (field.segments for field in node.fields()),
        node.emit,
        root_is_mapping=True,
    )
    return emitter.build(name)


def compile_condition(
    condition: Mapping[str, Any],
    *,
    saved_groups: Mapping[str, Sequence[Any]] | None = None,
    strict: bool = True,
) -> Condition:
    """Compile a GrowthBook-style condition into a `Condition`.

    `saved_groups` maps the names `$inGroup`/`$notInGroup` use to their values.
    With `strict` (the default) anything GrowthBook would quietly evaluate to a
    fixed answer raises `ConditionError`; `strict=False` evaluates such clauses as
    GrowthBook does, and turns a structurally malformed condition into one that
    never matches.
    """
    builder = Builder(saved_groups, strict=strict)
    try:
        root = builder.condition(plain(condition), "$")
    except RecursionError:
        if strict:
            raise ConditionError("$", "the condition is nested too deeply") from None
        root = Never("the condition is nested too deeply and never matches")
    except ConditionError as exc:
        if strict:
            raise
        root = Never(f"the condition is malformed and never matches: {exc}")

    match = _compile_document(root)
    paths = frozenset(field.label for field in root.fields())
    return Condition(root, match, paths)
