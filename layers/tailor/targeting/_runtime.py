"""What compiled conditions call at evaluation, besides inline Python.

Generated code handles the common case inline: an attribute of the exact type the
clause expects (a `str` against a string, an `int` against a number). Everything
else comes here, where GrowthBook's rules for mixed types live: a number compared
with a numeric string, a list attribute tested for membership, a value that cannot
be compared at all. None of these functions raises for any attribute value; an
attribute they cannot compare makes the clause false.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, Final

# Exceptions an attribute of an unexpected type can raise while it is compared:
# unorderable or unhashable values, containers whose truth value is ambiguous,
# self-referencing containers.
EVALUATION_ERRORS: Final = (TypeError, ValueError, ArithmeticError, RecursionError)

# The classes for which `value in frozenset` and `value == constant` behave as for
# JSON scalars; generated code takes its fast path only for these.
SCALAR_CLASSES: Final = frozenset({str, int, float, bool, type(None)})
NUMBER_CLASSES: Final = frozenset({int, float})

# Outcomes of a three-way comparison (-1, 0, 1) that satisfy each operator.
ORDER_OUTCOMES: Final = {
    "$lt": frozenset({-1}),
    "$lte": frozenset({-1, 0}),
    "$gt": frozenset({1}),
    "$gte": frozenset({0, 1}),
}

_VERSION_NOISE: Final = re.compile(r"^v|\+.*$")
_VERSION_SEPARATORS: Final = re.compile(r"[-.]")


def is_number(value: object) -> bool:
    """A JSON number: an int or a float, but not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def type_name(value: object) -> str:
    """The JSON type GrowthBook's `$type` sees: string, number, boolean, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, set)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def loose_equal(value: object, expected: object) -> bool:
    """Python's `==`, as GrowthBook's Python SDK compares literals, never raising."""
    try:
        return bool(value == expected)
    except EVALUATION_ERRORS:
        return False


def strict_equal(value: object, expected: object) -> bool:
    """`$eq`: same JSON type and equal; an array or object never equals anything."""
    kind = type_name(value)
    if kind != type_name(expected) or kind in ("array", "object"):
        return False
    return loose_equal(value, expected)


def order(value: object, expected: object, outcomes: frozenset[int]) -> bool:
    """`$lt`/`$lte`/`$gt`/`$gte` for values of different types.

    A number against anything else converts the other side: null is 0, a string
    or a boolean goes through `float()`. Two values Python cannot order make the
    clause false, and so does NaN (a value that converts to NaN is unordered too).
    """
    # Any: whether these compare is exactly what the `try` finds out.
    left: Any = value
    right: Any = expected
    try:
        if is_number(left) and not is_number(right):
            right = 0 if right is None else float(right)
        elif is_number(right) and not is_number(left):
            left = 0 if left is None else float(left)
        if _is_nan(left) or _is_nan(right):
            return False
        outcome = 1 if left > right else -1 if left < right else 0
    except EVALUATION_ERRORS:
        return False
    return outcome in outcomes


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def version_key(value: object) -> str:
    """A version as a string that orders like the version (`$veq`, `$vgt`, ...).

    Numeric parts are padded to five columns, so " 9" sorts before "10"; a release
    without a pre-release tag gets "~", the highest printable ASCII character, so
    1.0.0 sorts after 1.0.0-beta. Anything that is not a version counts as "0".
    """
    if is_number(value):
        try:
            value = str(value)
        except ValueError:  # an int too long to print is no version either
            value = "0"
    if not isinstance(value, str) or not value:
        value = "0"
    return version_key_of_text(value)


@lru_cache(maxsize=2048)
def version_key_of_text(text: str) -> str:
    """`version_key` of a non-empty string, cached: versions repeat a lot."""
    parts = _VERSION_SEPARATORS.split(_VERSION_NOISE.sub("", text))
    if len(parts) == 3:
        parts.append("~")
    return "-".join(part.rjust(5, " ") if part.isdigit() else part for part in parts)


def fold_case(value: object) -> object:
    """Lower-case a string for the case-insensitive operators; leave others alone."""
    return value.lower() if isinstance(value, str) else value


class Membership:
    """The values of an `$in`-like clause, prepared for fast lookups.

    A list attribute matches when any of its items is a member (GrowthBook's
    intersection), any other attribute when it is a member itself. Membership is
    Python equality, so 1, 1.0 and True are the same member, as in GrowthBook's
    Python SDK.
    """

    __slots__ = ("hashable", "insensitive", "unhashable")

    def __init__(self, values: Iterable[object], *, insensitive: bool) -> None:
        hashable: set[object] = set()
        unhashable: list[object] = []
        for member in values:
            folded = fold_case(member) if insensitive else member
            try:
                hashable.add(folded)
            except TypeError:
                unhashable.append(folded)
        self.hashable: frozenset[object] = frozenset(hashable)
        self.unhashable = tuple(unhashable)
        self.insensitive = insensitive

    def only_strings(self) -> bool:
        """Whether every member is an exact `str` (generated code then tests less)."""
        return not self.unhashable and all(
            member.__class__ is str for member in self.hashable
        )

    def __call__(self, value: object) -> bool:
        if isinstance(value, list):
            if not self.insensitive and not self.unhashable:
                try:
                    return not self.hashable.isdisjoint(value)
                except EVALUATION_ERRORS:
                    pass  # an unhashable item: compare item by item below
            return any(self._has(item) for item in value)
        return self._has(value)

    def _has(self, item: object) -> bool:
        if self.insensitive:
            item = fold_case(item)
        try:
            return item in self.hashable
        except TypeError:
            # An unhashable item (a list, a dict) can only equal an unhashable member.
            return any(loose_equal(item, member) for member in self.unhashable)
        except EVALUATION_ERRORS:
            return False


class ContainsAll:
    """`$all`/`$alli` over plain values: a list holding every one of them."""

    __slots__ = ("insensitive", "members")

    def __init__(self, values: Iterable[object], *, insensitive: bool) -> None:
        self.insensitive = insensitive
        folded = (fold_case(value) if insensitive else value for value in values)
        self.members = tuple(dict.fromkeys(folded))

    def __call__(self, value: list[object]) -> bool:
        items = [fold_case(item) for item in value] if self.insensitive else value
        try:
            # `in` on a short list beats building a set of it, and this loop beats
            # all() over a generator three times over.
            for member in self.members:  # noqa: SIM110
                if member not in items:
                    return False
            return True
        except EVALUATION_ERRORS:
            return all(
                any(loose_equal(item, member) for item in items)
                for member in self.members
            )


def contains_text(value: list[object], text: str) -> bool:
    """`$elemMatch` of one string: whether some item of a list equals it."""
    try:
        return text in value
    except EVALUATION_ERRORS:
        return any(isinstance(item, str) and item == text for item in value)


def all_match(predicates: Sequence[Callable[[Any], bool]], value: list[object]) -> bool:
    """`$all` with conditions: every predicate holds for at least one list item."""
    return all(any(map(predicate, value)) for predicate in predicates)


def read_path(document: object, segments: Sequence[str], missing: object) -> object:
    """Follow dotted-path segments through nested dicts; `missing` if one is absent.

    Evaluation reads paths inline; this is for explanations, which must tell a
    missing attribute from one that is null.
    """
    current = document
    for segment in segments:
        if not isinstance(current, dict) or segment not in current:
            return missing
        current = current[segment]
    return current
