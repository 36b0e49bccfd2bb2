"""Reading a condition document into a tree of nodes, checking it on the way.

Strict mode (the default) rejects what GrowthBook's SDKs would quietly evaluate
to a fixed answer: an unknown operator, a regular expression that does not
compile, an operand of the wrong type, an unknown saved group. GrowthBook mode
(`strict=False`) gives such a clause the answer GrowthBook gives it, so that
documents written for GrowthBook evaluate exactly as they do there. Either mode
raises for a condition that is malformed in its structure (an `$and` that is
not a list, `$not` of a string); `compile_condition` in GrowthBook mode turns
that into a condition that never matches, as GrowthBook fails such a condition.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from tailor.targeting import _runtime
from tailor.targeting._nodes import (
    AllOf,
    AllOperators,
    AnyOf,
    Compare,
    Constant,
    DocumentNode,
    ElementMatch,
    Equals,
    Exists,
    Field,
    HasAll,
    HasAllMatching,
    Inverse,
    Member,
    Negation,
    NoneOf,
    Pattern,
    Size,
    TypeIs,
    ValueNode,
    Version,
    describe,
)
from tailor.targeting.exceptions import ConditionError

LOGICAL_OPERATORS: Final = ("$and", "$or", "$nor", "$not")
TYPE_NAMES: Final = ("string", "number", "boolean", "array", "object", "null")

# Deeper conditions are refused: generated code nests a level of parentheses per
# level, and Python's parser stops at 200.
MAX_DEPTH: Final = 32
MAX_PATH_SEGMENTS: Final = 16

_SCALARS: Final = (str, int, float, bool, type(None))
_JSON_SCALAR_CLASSES: Final = frozenset(_SCALARS)


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice `word` was most likely meant to be, if any is close."""
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


def json_kind(value: object) -> str:
    """How an operand's type is named in messages."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    kind = _runtime.type_name(value)
    return "a " + (kind if kind != "unknown" else type(value).__name__)


def plain(value: object, depth: int = 0) -> object:
    """A copy of a condition with mappings as dicts and sequences as lists."""
    if depth > MAX_DEPTH * 4:
        raise ConditionError("$", "the condition is nested too deeply")
    if value.__class__ in _JSON_SCALAR_CLASSES:
        return value
    if isinstance(value, Mapping):
        return {key: plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    return value


def _item(where: str, index: int) -> str:
    return f"{where}[{index}]"


def _child(where: str, key: object) -> str:
    return f"{where}.{key}"


class Builder:
    """Builds the node tree of one condition."""

    def __init__(
        self, saved_groups: Mapping[str, Sequence[Any]] | None, *, strict: bool
    ) -> None:
        self._saved_groups = saved_groups
        self._strict = strict

    # ------------------------------------------------------------ documents

    def condition(self, document: object, where: str, depth: int = 0) -> DocumentNode:
        """The node for a condition object found at `where`."""
        if depth > MAX_DEPTH:
            raise ConditionError(
                where, f"the condition is nested more than {MAX_DEPTH} levels deep"
            )
        if not isinstance(document, dict):
            raise ConditionError(
                where,
                f"a condition must be an object, not {json_kind(document)}",
                'for example {"context.device": "mobile"}',
            )

        parts: list[DocumentNode] = []
        for key, operand in document.items():
            at = _child(where, key)
            if not isinstance(key, str):
                raise ConditionError(at, f"condition keys must be strings, not {key!r}")
            if key in ("$and", "$or", "$nor"):
                parts.append(self._combination(key, operand, at, depth))
            elif key == "$not":
                parts.append(Negation(self.condition(operand, at, depth + 1), operand))
            elif key.startswith("$") and self._strict:
                raise ConditionError(
                    at, f"unknown logical operator {key!r}", _logical_hint(key)
                )
            else:
                parts.append(self._field(key, operand, at, depth))
        return parts[0] if len(parts) == 1 else AllOf(parts)

    def _combination(
        self, key: str, operand: object, at: str, depth: int
    ) -> DocumentNode:
        if not isinstance(operand, list):
            raise ConditionError(
                at,
                f"{key} needs a list of conditions, not {json_kind(operand)}",
                f'for example {{"{key}": [{{"context.device": "mobile"}}, ...]}}',
            )
        parts = [
            self.condition(item, _item(at, index), depth + 1)
            for index, item in enumerate(operand)
        ]
        if key == "$and":
            return AllOf(parts)
        if key == "$or":
            return AnyOf(parts)
        return NoneOf(parts, operand)

    def _field(self, key: str, operand: object, at: str, depth: int) -> Field:
        segments = tuple(key.split("."))
        if self._strict and "" in segments:
            raise ConditionError(
                at,
                f"attribute path {key!r} has an empty segment",
                "write dotted paths such as context.device",
            )
        if len(segments) > MAX_PATH_SEGMENTS:
            raise ConditionError(
                at, f"attribute path {key!r} has more than {MAX_PATH_SEGMENTS} segments"
            )
        return Field(key, segments, self.value(operand, at, depth + 1))

    # --------------------------------------------------------------- values

    def value(self, operand: object, where: str, depth: int) -> ValueNode:
        """The node testing a value against `operand`: operators or a literal."""
        if depth > MAX_DEPTH:
            raise ConditionError(
                where, f"the condition is nested more than {MAX_DEPTH} levels deep"
            )
        if not isinstance(operand, dict):
            return Equals(self._literal(operand, where))

        keys = list(operand)
        for key in keys:
            if not isinstance(key, str) or not key:
                raise ConditionError(
                    _child(where, key),
                    f"object keys must be non-empty strings, not {key!r}",
                )
        operators = [key for key in keys if key.startswith("$")]
        if operators and len(operators) < len(keys):
            plain_keys = [key for key in keys if not key.startswith("$")]
            if self._strict:
                raise ConditionError(
                    where,
                    f"an object mixes operators ({', '.join(operators)}) with plain "
                    f"keys ({', '.join(plain_keys)})",
                    "an object is either all operators or a literal to compare with",
                )
            return Equals(self._literal(operand, where))
        if not operators and keys:
            return Equals(self._literal(operand, where))

        parts = [
            self._operator(key, operand[key], _child(where, key), depth) for key in keys
        ]
        return parts[0] if len(parts) == 1 else AllOperators(parts)

    def _literal(self, value: object, where: str) -> object:
        if self._strict:
            self._check_json(value, where)
        return value

    def _check_json(self, value: object, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ConditionError(
                        where, f"object keys must be strings, not {key!r}"
                    )
                self._check_json(item, _child(where, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._check_json(item, _item(where, index))
        elif not isinstance(value, _SCALARS):
            raise ConditionError(
                where,
                f"{type(value).__name__} is not a JSON value",
                "use strings, numbers, booleans, null, lists and objects",
            )

    def _operator(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        build = _OPERATORS.get(operator)
        if build is not None:
            return build(self, operator, operand, at, depth)
        if operator in LOGICAL_OPERATORS:
            return self._lenient(
                at,
                f"{operator} combines conditions and cannot test a value",
                "move it to the top level of the condition, or use $elemMatch",
                Constant(False, f"{operator} cannot test a value and never matches"),
            )
        return self._lenient(
            at,
            f"unknown operator {operator!r}",
            _operator_hint(operator),
            Constant(False, f"unknown operator {operator!r} never matches"),
        )

    def _lenient(
        self, at: str, problem: str, hint: str | None, node: ValueNode
    ) -> ValueNode:
        """Raise in strict mode; in GrowthBook mode, evaluate as GrowthBook does."""
        if self._strict:
            raise ConditionError(at, problem, hint)
        return node

    # ------------------------------------------------------------ operators

    def _equality(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        if self._strict and isinstance(operand, (list, dict)):
            kind = "list" if isinstance(operand, list) else "object"
            raise ConditionError(
                at,
                f"{operator} compares single values, not {json_kind(operand)}",
                f"to match a whole {kind}, write it without an operator",
            )
        return Compare(operator, self._literal(operand, at))

    def _order(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        if self._strict and not (
            _runtime.is_number(operand) or isinstance(operand, str)
        ):
            raise ConditionError(
                at,
                f"{operator} needs a number or a string, not {json_kind(operand)}",
            )
        return Compare(operator, operand)

    def _version(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        if self._strict and not isinstance(operand, str):
            raise ConditionError(
                at,
                f"{operator} needs a version string, not {json_kind(operand)}",
                'for example "1.2.3"',
            )
        return Version(operator, operand)

    def _membership(
        self, operator: str, operand: Any, at: str, depth: int
    ) -> ValueNode:
        if not isinstance(operand, list):
            return self._lenient(
                at,
                f"{operator} needs a list, not {json_kind(operand)}",
                f'for example {{"{operator}": ["mobile", "tablet"]}}',
                Constant(False, f"{operator} of {json_kind(operand)} never matches"),
            )
        if self._strict:
            for index, item in enumerate(operand):
                if not isinstance(item, _SCALARS):
                    raise ConditionError(
                        _item(at, index),
                        f"{operator} lists strings, numbers, booleans or null, "
                        f"not {json_kind(item)}",
                    )
        insensitive = operator in ("$ini", "$nini")
        membership = _runtime.Membership(operand, insensitive=insensitive)
        return Member(
            membership,
            negate=operator in ("$nin", "$nini"),
            what=describe(operand),
        )

    def _all(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        if not isinstance(operand, list):
            return self._lenient(
                at,
                f"{operator} needs a list, not {json_kind(operand)}",
                f'for example {{"{operator}": ["account_created", "project_created"]}}',
                Constant(False, f"{operator} of {json_kind(operand)} never matches"),
            )
        insensitive = operator == "$alli"
        if all(isinstance(item, _SCALARS) for item in operand):
            contains = _runtime.ContainsAll(operand, insensitive=insensitive)
            return HasAll(contains, operand)

        items: list[ValueNode] = []
        for index, item in enumerate(operand):
            node = self.value(item, _item(at, index), depth + 1)
            if insensitive and isinstance(node, Equals):
                node = Equals(node.expected, insensitive=True)
            items.append(node)
        return HasAllMatching(items, operand)

    def _element_match(
        self, operator: str, operand: Any, at: str, depth: int
    ) -> ValueNode:
        if not isinstance(operand, dict):
            raise ConditionError(
                at,
                f"$elemMatch needs a condition object, not {json_kind(operand)}",
                'for example {"$elemMatch": {"$eq": "project_created"}}',
            )
        if all(isinstance(key, str) and key.startswith("$") for key in operand):
            return ElementMatch(self.value(operand, at, depth + 1), operand)
        return ElementMatch(self.condition(operand, at, depth + 1), operand)

    def _size(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        valid_size = (
            isinstance(operand, int) and not isinstance(operand, bool) and operand >= 0
        )
        if self._strict and not (valid_size or isinstance(operand, dict)):
            raise ConditionError(
                at,
                f"$size needs a non-negative integer or a condition, "
                f"not {json_kind(operand)}",
                'for example {"$size": 3} or {"$size": {"$gt": 2}}',
            )
        return Size(self.value(operand, at, depth + 1))

    def _exists(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        if self._strict and not isinstance(operand, bool):
            raise ConditionError(
                at, f"$exists needs true or false, not {json_kind(operand)}"
            )
        return Exists(bool(operand))

    def _type(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        if self._strict and operand not in TYPE_NAMES:
            guess = closest(operand, TYPE_NAMES) if isinstance(operand, str) else None
            raise ConditionError(
                at,
                f"$type needs one of {', '.join(TYPE_NAMES)}, not {operand!r}",
                f"did you mean {guess!r}?" if guess else None,
            )
        return TypeIs(operand)

    def _pattern(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        negate = operator.startswith("$not")
        flags = re.IGNORECASE if operator.endswith("i") else 0
        fallback = Constant(negate, f"{operator} with an invalid pattern")
        if not isinstance(operand, str):
            return self._lenient(
                at,
                f"{operator} needs a pattern string, not {json_kind(operand)}",
                None,
                fallback,
            )
        try:
            compiled = re.compile(operand, flags)
        except (re.error, RecursionError, OverflowError, ValueError) as exc:
            return self._lenient(
                at,
                f"invalid regular expression {operand!r} for {operator}",
                str(exc),
                fallback,
            )
        return Pattern(compiled, negate=negate)

    def _not(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        return Inverse(self.value(operand, at, depth + 1), operand)

    def _group(self, operator: str, operand: Any, at: str, depth: int) -> ValueNode:
        negate = operator == "$notInGroup"
        if not isinstance(operand, str):
            return self._lenient(
                at,
                f"{operator} needs the name of a saved group, not {json_kind(operand)}",
                None,
                Constant(False, f"{operator} of {json_kind(operand)} never matches"),
            )

        groups = self._saved_groups or {}
        if operand not in groups:
            guess = closest(operand, list(groups))
            hint = f"did you mean {guess!r}?" if guess else None
            if not groups:
                hint = "no saved groups are defined"
            return self._lenient(
                at,
                f"unknown saved group {operand!r}",
                hint,
                Constant(negate, f"saved group {operand!r} is unknown"),
            )

        values = groups[operand]
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(
            values, Sequence
        ):
            raise ConditionError(
                at, f"saved group {operand!r} must be a list, not {json_kind(values)}"
            )
        membership = _runtime.Membership(values, insensitive=False)
        return Member(membership, negate=negate, what=f"saved group {operand!r}")


# What builds the node of each value operator.
_OPERATORS: Final[dict[str, Callable[[Builder, str, Any, str, int], ValueNode]]] = {
    "$eq": Builder._equality,
    "$ne": Builder._equality,
    "$lt": Builder._order,
    "$lte": Builder._order,
    "$gt": Builder._order,
    "$gte": Builder._order,
    "$veq": Builder._version,
    "$vne": Builder._version,
    "$vgt": Builder._version,
    "$vgte": Builder._version,
    "$vlt": Builder._version,
    "$vlte": Builder._version,
    "$in": Builder._membership,
    "$nin": Builder._membership,
    "$ini": Builder._membership,
    "$nini": Builder._membership,
    "$all": Builder._all,
    "$alli": Builder._all,
    "$elemMatch": Builder._element_match,
    "$size": Builder._size,
    "$exists": Builder._exists,
    "$type": Builder._type,
    "$regex": Builder._pattern,
    "$regexi": Builder._pattern,
    "$notRegex": Builder._pattern,
    "$notRegexi": Builder._pattern,
    "$not": Builder._not,
    "$inGroup": Builder._group,
    "$notInGroup": Builder._group,
}
VALUE_OPERATORS: Final = tuple(_OPERATORS)


def _logical_hint(key: str) -> str:
    guess = closest(key, LOGICAL_OPERATORS)
    if guess:
        return f"did you mean {guess!r}?"
    if key in VALUE_OPERATORS:
        return f'{key} tests an attribute: {{"context.device": {{"{key}": ...}}}}'
    return "attribute names cannot start with '$'"


def _operator_hint(operator: str) -> str:
    guess = closest(operator, VALUE_OPERATORS)
    if guess:
        return f"did you mean {guess!r}?"
    return "known operators: " + ", ".join(VALUE_OPERATORS)
