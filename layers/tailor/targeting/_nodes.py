"""The tree a condition compiles to, before it becomes Python source.

Two kinds of node: a *document* node tests an attribute document (the condition
itself, `$and`, `$or`, `$nor`, `$not`, one attribute path); a *value* node tests
the value found at a path (`$in`, `$gt`, a literal to compare with, ...). Each
node writes the Python expression that evaluates it (`emit`) and the sentence that
says why it failed for given attributes (`explain`). The expression is the only
definition of what a node means: explanations ask a `Judge`, which runs the same
generated code, which parts of the tree hold.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Protocol

from tailor.targeting import _runtime
from tailor.targeting._codegen import (
    DocumentScope,
    Emitter,
    Path,
    ValueRef,
    document_function,
    value_function,
)

# Marks an attribute that is absent, as opposed to present and null.
MISSING: Final = object()

# Explanations show values shortened: so many characters, items and levels at most.
_LONGEST_VALUE = 80
_MOST_ITEMS = 10
_DEEPEST = 4


class Judge(Protocol):
    """Evaluates one part of a compiled condition, for explanations."""

    def holds(self, node: DocumentNode, document: Mapping[str, Any]) -> bool: ...

    def accepts(self, node: ValueNode, value: object) -> bool: ...


def describe(value: object) -> str:
    """A value as a person reads it: 'desktop', ['a', 'b'], 3, true, null."""
    text = _describe(value, _DEEPEST)
    if len(text) > _LONGEST_VALUE:
        text = text[: _LONGEST_VALUE - 1] + "…"
    return text


def _describe(value: object, depth: int) -> str:
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)) and depth == 0:
        return "[…]" if isinstance(value, list) else "{…}"
    if isinstance(value, list):
        items = [_describe(item, depth - 1) for item in value[:_MOST_ITEMS]]
        if len(value) > _MOST_ITEMS:
            items.append("…")
        return "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        pairs = [
            f"{_describe(key, 0)}: {_describe(item, depth - 1)}"
            for key, item in list(value.items())[:_MOST_ITEMS]
        ]
        if len(value) > _MOST_ITEMS:
            pairs.append("…")
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, (str, int, float)):
        try:
            return repr(value)
        except ValueError:  # an int too long to print
            return f"<{type(value).__name__}>"
    # Any other object shows its type only: its repr could be long, or raise.
    return f"<{type(value).__name__}>"


class DocumentNode(ABC):
    """Tests an attribute document."""

    @abstractmethod
    def emit(self, scope: DocumentScope) -> str:
        """A Python expression, true when the document passes."""

    @abstractmethod
    def fields(self) -> Iterator[Field]:
        """The attribute paths this node reads from its document."""

    @abstractmethod
    def explain(self, document: Mapping[str, Any], judge: Judge) -> str:
        """Why the document fails this node (called only when it does)."""


class ValueNode(ABC):
    """Tests the value at an attribute path."""

    @abstractmethod
    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        """A Python expression, true when the value passes."""

    @abstractmethod
    def explain(self, label: str, value: object, judge: Judge) -> str:
        """Why `value`, found at `label`, fails this node (only called when it does)."""


# ---------------------------------------------------------------- document nodes


class AllOf(DocumentNode):
    """Every part holds: the entries of one condition object, or `$and`."""

    def __init__(self, parts: Sequence[DocumentNode]) -> None:
        self.parts = tuple(parts)

    def emit(self, scope: DocumentScope) -> str:
        if not self.parts:
            return "True"
        return "(" + " and ".join(part.emit(scope) for part in self.parts) + ")"

    def fields(self) -> Iterator[Field]:
        for part in self.parts:
            yield from part.fields()

    def explain(self, document: Mapping[str, Any], judge: Judge) -> str:
        for part in self.parts:
            if not judge.holds(part, document):
                return part.explain(document, judge)
        return "the condition does not match"


class AnyOf(DocumentNode):
    """`$or`: at least one part holds; an empty `$or` always holds."""

    def __init__(self, parts: Sequence[DocumentNode]) -> None:
        self.parts = tuple(parts)

    def emit(self, scope: DocumentScope) -> str:
        if not self.parts:
            return "True"
        return "(" + " or ".join(part.emit(scope) for part in self.parts) + ")"

    def fields(self) -> Iterator[Field]:
        for part in self.parts:
            yield from part.fields()

    def explain(self, document: Mapping[str, Any], judge: Judge) -> str:
        reasons = [part.explain(document, judge) for part in self.parts[:3]]
        if len(self.parts) > 3:
            reasons.append(f"and {len(self.parts) - 3} more")
        return "no alternative matches: " + "; ".join(reasons)


class NoneOf(DocumentNode):
    """`$nor`: no part holds. An empty `$nor` never holds, as in GrowthBook."""

    def __init__(
        self, parts: Sequence[DocumentNode], sources: Sequence[object]
    ) -> None:
        self.parts = tuple(parts)
        self.sources = tuple(sources)

    def emit(self, scope: DocumentScope) -> str:
        if not self.parts:
            return "False"
        return "not (" + " or ".join(part.emit(scope) for part in self.parts) + ")"

    def fields(self) -> Iterator[Field]:
        for part in self.parts:
            yield from part.fields()

    def explain(self, document: Mapping[str, Any], judge: Judge) -> str:
        for part, source in zip(self.parts, self.sources, strict=True):
            if judge.holds(part, document):
                return f"it matches the excluded alternative {describe(source)}"
        return "an empty $nor never matches"


class Negation(DocumentNode):
    """`$not` over a whole condition."""

    def __init__(self, part: DocumentNode, source: object) -> None:
        self.part = part
        self.source = source

    def emit(self, scope: DocumentScope) -> str:
        return f"not {self.part.emit(scope)}"

    def fields(self) -> Iterator[Field]:
        return self.part.fields()

    def explain(self, document: Mapping[str, Any], judge: Judge) -> str:
        return f"it matches the excluded condition {describe(self.source)}"


class Never(DocumentNode):
    """A condition that matches nothing; `reason` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def emit(self, scope: DocumentScope) -> str:
        return "False"

    def fields(self) -> Iterator[Field]:
        return iter(())

    def explain(self, document: Mapping[str, Any], judge: Judge) -> str:
        return self.reason


class Field(DocumentNode):
    """The value at one attribute path passes a value test."""

    def __init__(self, label: str, segments: Path, test: ValueNode) -> None:
        self.label = label
        self.segments = segments
        self.test = test

    def emit(self, scope: DocumentScope) -> str:
        value = ValueRef(scope.fetch(self.segments), scope.emitter.fresh("t"))
        return self.test.emit(value, scope.emitter)

    def fields(self) -> Iterator[Field]:
        yield self

    def explain(self, document: Mapping[str, Any], judge: Judge) -> str:
        value = _runtime.read_path(document, self.segments, MISSING)
        return self.test.explain(self.label, value, judge)


# ------------------------------------------------------------------- value nodes


class AllOperators(ValueNode):
    """Every operator of an operator object holds: {"$gt": 1, "$lt": 9}."""

    def __init__(self, parts: Sequence[ValueNode]) -> None:
        self.parts = tuple(parts)

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        if not self.parts:
            return "True"
        return (
            "(" + " and ".join(part.emit(value, emitter) for part in self.parts) + ")"
        )

    def explain(self, label: str, value: object, judge: Judge) -> str:
        for part in self.parts:
            if not judge.accepts(part, _present(value)):
                return part.explain(label, value, judge)
        return f"{label} is {describe(value)}, which does not match"


class Constant(ValueNode):
    """A test whose answer does not depend on the value (GrowthBook-compatible mode)."""

    def __init__(self, result: bool, reason: str) -> None:
        self.result = result
        self.reason = reason

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        return "True" if self.result else "False"

    def explain(self, label: str, value: object, judge: Judge) -> str:
        return f"{label}: {self.reason}"


class Equals(ValueNode):
    """A literal without an operator: Python equality, as GrowthBook's Python SDK."""

    def __init__(self, expected: object, *, insensitive: bool = False) -> None:
        self.expected = expected
        self.insensitive = insensitive and isinstance(expected, str)

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        expected = self.expected
        if expected is None:
            return f"({value.use()} is None)"
        if isinstance(expected, str) and self.insensitive:
            folded = emitter.constant(expected.lower())
            return _guarded(value, "str", f"{{}}.lower() == {folded}")
        if isinstance(expected, str):
            return _guarded(value, "str", f"{{}} == {emitter.constant(expected)}")
        if isinstance(expected, (int, float)):
            numeric = emitter.constant((int, float))
            return _guarded(value, numeric, f"{{}} == {emitter.constant(expected)}")
        equal = emitter.constant(_runtime.loose_equal)
        call = f"{equal}({{}}, {emitter.constant(expected)})"
        if isinstance(expected, (list, dict)):
            return _guarded(
                value, "list" if isinstance(expected, list) else "dict", call
            )
        return call.format(value.use())

    def explain(self, label: str, value: object, judge: Judge) -> str:
        suffix = " (ignoring case)" if self.insensitive else ""
        return f"{label} is {describe(value)}, not {describe(self.expected)}{suffix}"


_ORDER_WORDS: Final = {
    "$lt": "less than",
    "$lte": "at most",
    "$gt": "greater than",
    "$gte": "at least",
}
_PYTHON_ORDER: Final = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}


class Compare(ValueNode):
    """`$eq`, `$ne`, `$lt`, `$lte`, `$gt`, `$gte`."""

    def __init__(self, operator: str, expected: object) -> None:
        self.operator = operator
        self.expected = expected

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        if self.operator == "$eq":
            return self._emit_equal(value, emitter)
        if self.operator == "$ne":
            return f"not {self._emit_equal(value, emitter)}"

        expected = emitter.constant(self.expected)
        accepted = _runtime.ORDER_OUTCOMES[self.operator]
        outcomes = emitter.constant(accepted)
        slow = f"{emitter.constant(_runtime.order)}({{}}, {expected}, {outcomes})"
        fast = f"{{}} {_PYTHON_ORDER[self.operator]} {expected}"
        missing = _runtime.order(None, self.expected, accepted)
        if _runtime.is_number(self.expected):
            numbers = emitter.constant(_runtime.NUMBER_CLASSES)
            return _by_class(value, f"in {numbers}", fast, slow, missing)
        if isinstance(self.expected, str):
            return _by_class(value, "is str", fast, slow, missing)
        return slow.format(value.use())

    def _emit_equal(self, value: ValueRef, emitter: Emitter) -> str:
        expected = self.expected
        if expected is None:
            return f"({value.use()} is None)"
        if isinstance(expected, bool):
            return f"({value.use()} is {emitter.constant(expected)})"
        if isinstance(expected, str):
            return _guarded(value, "str", f"{{}} == {emitter.constant(expected)}")
        if isinstance(expected, (list, dict)):
            return "(False)"
        constant = emitter.constant(expected)
        slow = f"{emitter.constant(_runtime.strict_equal)}({{}}, {constant})"
        if _runtime.is_number(expected):
            numbers = emitter.constant(_runtime.NUMBER_CLASSES)
            fast = f"{{}} == {constant}"
            return _by_class(value, f"in {numbers}", fast, slow, missing=False)
        return slow.format(value.use())

    def explain(self, label: str, value: object, judge: Judge) -> str:
        if self.operator == "$ne":
            return f"{label} is {describe(value)}, which is excluded"
        words = _ORDER_WORDS.get(self.operator)
        expected = describe(self.expected)
        if words is None:
            return f"{label} is {describe(value)}, not {expected}"
        return f"{label} is {describe(value)}, not {words} {expected}"


_VERSION_WORDS: Final = {
    "$veq": "equal to",
    "$vne": "other than",
    "$vgt": "above",
    "$vgte": "at or above",
    "$vlt": "below",
    "$vlte": "at or below",
}
_PYTHON_VERSION_ORDER: Final = {
    "$veq": "==",
    "$vne": "!=",
    "$vgt": ">",
    "$vgte": ">=",
    "$vlt": "<",
    "$vlte": "<=",
}


class Version(ValueNode):
    """`$veq`, `$vne`, `$vgt`, `$vgte`, `$vlt`, `$vlte`: versions such as 1.2.3-rc.1."""

    def __init__(self, operator: str, expected: object) -> None:
        self.operator = operator
        self.expected = expected
        self.key = _runtime.version_key(expected)

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        # A non-empty string goes straight to the cached parser; anything else
        # first becomes a string (numbers) or "0" (the rest).
        compare = f"{_PYTHON_VERSION_ORDER[self.operator]} {emitter.constant(self.key)}"
        parse = emitter.constant(_runtime.version_key_of_text)
        convert = emitter.constant(_runtime.version_key)
        test = f"({value.use()}.__class__ is str and {value.use()})"
        name = value.use()
        return f"({parse}({name}) {compare} if {test} else {convert}({name}) {compare})"

    def explain(self, label: str, value: object, judge: Judge) -> str:
        words = _VERSION_WORDS[self.operator]
        return (
            f"{label} is {describe(value)}, not a version {words} "
            f"{describe(self.expected)}"
        )


class Member(ValueNode):
    """`$in`, `$nin`, `$ini`, `$nini`, `$inGroup`, `$notInGroup`."""

    def __init__(
        self,
        membership: _runtime.Membership,
        *,
        negate: bool,
        what: str,
    ) -> None:
        self.membership = membership
        self.negate = negate
        self.what = what

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        members = emitter.constant(self.membership.hashable)
        slow = f"{emitter.constant(self.membership)}({{}})"
        missing = self.membership(None)
        if self.membership.only_strings():
            probe = "{}.lower()" if self.membership.insensitive else "{}"
            found = _by_class(value, "is str", f"{probe} in {members}", slow, missing)
        elif not self.membership.insensitive:
            scalars = emitter.constant(_runtime.SCALAR_CLASSES)
            found = _by_class(value, f"in {scalars}", f"{{}} in {members}", slow)
        else:
            found = slow.format(value.use())
        return f"not {found}" if self.negate else found

    def explain(self, label: str, value: object, judge: Judge) -> str:
        suffix = " (ignoring case)" if self.membership.insensitive else ""
        what = self.what + suffix
        shown = describe(value)
        if self.negate and isinstance(value, list):
            return f"{label} is {shown}, with a value from the excluded {what}"
        if self.negate:
            return f"{label} is {shown}, which is in the excluded {what}"
        if isinstance(value, list):
            return f"{label} is {shown}, none of which is in {what}"
        return f"{label} is {shown}, not in {what}"


class HasAll(ValueNode):
    """`$all`/`$alli` of plain values: a list attribute holding each of them."""

    def __init__(self, contains: _runtime.ContainsAll, shown: object) -> None:
        self.contains = contains
        self.shown = shown

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        return _guarded(value, "list", f"{emitter.constant(self.contains)}({{}})")

    def explain(self, label: str, value: object, judge: Judge) -> str:
        suffix = " (ignoring case)" if self.contains.insensitive else ""
        wanted = describe(self.shown) + suffix
        if isinstance(value, list):
            return f"{label} does not contain all of {wanted}"
        return f"{label} is {describe(value)}, not a list containing all of {wanted}"


class HasAllMatching(ValueNode):
    """`$all` whose items include conditions: each holds for some list item."""

    def __init__(self, items: Sequence[ValueNode], shown: object) -> None:
        self.items = tuple(items)
        self.shown = shown

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        names = [
            value_function(emitter, _emitter_for(item, emitter)) for item in self.items
        ]
        all_match = emitter.constant(_runtime.all_match)
        return _guarded(value, "list", f"{all_match}(({', '.join(names)},), {{}})")

    def explain(self, label: str, value: object, judge: Judge) -> str:
        wanted = describe(self.shown)
        if isinstance(value, list):
            return f"{label} does not contain all of {wanted}"
        return f"{label} is {describe(value)}, not a list containing all of {wanted}"


class ElementMatch(ValueNode):
    """`$elemMatch`: some item of a list attribute passes a test."""

    def __init__(self, test: ValueNode | DocumentNode, source: object) -> None:
        self.test = test
        self.source = source

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        test = self.test
        text = _equal_text(test)
        if text is not None:
            # The most common case, "the list holds this id", without a call per item.
            contains = emitter.constant(_runtime.contains_text)
            return _guarded(
                value, "list", f"{contains}({{}}, {emitter.constant(text)})"
            )
        if isinstance(test, DocumentNode):
            name = document_function(
                emitter,
                (field.segments for field in test.fields()),
                test.emit,
                root_is_mapping=False,
            )
        else:
            name = value_function(emitter, _emitter_for(test, emitter))
        return _guarded(value, "list", f"any(map({name}, {{}}))")

    def explain(self, label: str, value: object, judge: Judge) -> str:
        if isinstance(value, list):
            return f"{label} has no item matching {describe(self.source)}"
        return f"{label} is {describe(value)}, not a list"


class Size(ValueNode):
    """`$size`: the length of a list attribute passes a test."""

    def __init__(self, test: ValueNode) -> None:
        self.test = test

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        is_list = f"isinstance({value.use()}, list)"
        size = ValueRef(f"len({value.use()})", emitter.fresh("t"))
        return f"({is_list} and {self.test.emit(size, emitter)})"

    def explain(self, label: str, value: object, judge: Judge) -> str:
        if isinstance(value, list):
            return self.test.explain(f"the size of {label}", len(value), judge)
        return f"{label} is {describe(value)}, not a list"


class Exists(ValueNode):
    """`$exists`: the attribute is present and not null (or, with false, is not)."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        return f"({value.use()} is {'not ' if self.wanted else ''}None)"

    def explain(self, label: str, value: object, judge: Judge) -> str:
        if self.wanted:
            return f"{label} is {describe(value)}"
        return f"{label} is {describe(value)}, but must be missing"


class TypeIs(ValueNode):
    """`$type`: the attribute's JSON type (string, number, array, null, ...)."""

    def __init__(self, name: object) -> None:
        self.name = name

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        type_name = emitter.constant(_runtime.type_name)
        test = f"{type_name}({{}}) == {emitter.constant(self.name)}"
        missing = self.name == "null"
        return f"({missing} if {value.use()} is None else {test.format(value.use())})"

    def explain(self, label: str, value: object, judge: Judge) -> str:
        actual = "missing" if value is MISSING else _runtime.type_name(value)
        return (
            f"{label} is {describe(value)}, of type {actual}, not {describe(self.name)}"
        )


class Pattern(ValueNode):
    """`$regex`, `$regexi`, `$notRegex`, `$notRegexi`: a search anywhere in a string."""

    def __init__(self, compiled: re.Pattern[str], *, negate: bool) -> None:
        self.compiled = compiled
        self.negate = negate

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        search = emitter.constant(self.compiled.search)
        found = _guarded(value, "str", f"{search}({{}}) is not None")
        return f"not {found}" if self.negate else found

    def explain(self, label: str, value: object, judge: Judge) -> str:
        flags = "i" if self.compiled.flags & re.IGNORECASE else ""
        shown = f"/{self.compiled.pattern}/{flags}"
        if self.negate:
            return f"{label} is {describe(value)}, which matches {shown}"
        return f"{label} is {describe(value)}, which does not match {shown}"


class Inverse(ValueNode):
    """`$not` on a value: the inner test fails."""

    def __init__(self, test: ValueNode, source: object) -> None:
        self.test = test
        self.source = source

    def emit(self, value: ValueRef, emitter: Emitter) -> str:
        return f"not {self.test.emit(value, emitter)}"

    def explain(self, label: str, value: object, judge: Judge) -> str:
        excluded = describe(self.source)
        return f"{label} is {describe(value)}, which matches the excluded {excluded}"


def _guarded(value: ValueRef, kind: str, test: str) -> str:
    """`isinstance(value, kind) and <test>`; `{}` in `test` stands for the value."""
    checked = f"isinstance({value.use()}, {kind})"
    return f"({checked} and {test.format(value.use())})"


def _by_class(
    value: ValueRef, classes: str, fast: str, slow: str, missing: bool | None = None
) -> str:
    """`fast` when `value.__class__ <classes>` (e.g. `is str`), else `slow`.

    `{}` in `fast` and `slow` stands for the value. The class test is built first
    because Python evaluates it first: it is where the value is read. `missing`,
    when given, is the answer for None (an absent attribute), worked out when the
    condition compiles, so that absent attributes skip `slow`.
    """
    test = f"{value.use()}.__class__ {classes}"
    name = value.use()
    if missing is not None:
        slow = f"{missing} if {name} is None else {slow}"
    return f"({fast.format(name)} if {test} else {slow.format(name)})"


def _equal_text(test: ValueNode | DocumentNode) -> str | None:
    """The string a value test asks equality with, if it is only that."""
    plain = isinstance(test, Equals) and not test.insensitive
    strict = isinstance(test, Compare) and test.operator == "$eq"
    if not (plain or strict):
        return None
    expected = getattr(test, "expected", None)
    return expected if expected.__class__ is str else None


def _present(value: object) -> object:
    """What generated code sees for a value: an absent attribute reads as None."""
    return None if value is MISSING else value


def _emitter_for(node: ValueNode, emitter: Emitter) -> Callable[[ValueRef], str]:
    def body(value: ValueRef) -> str:
        return node.emit(value, emitter)

    return body
