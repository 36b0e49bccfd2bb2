"""Straight-line Python for the engine's hot path: one function per placement
that returns the index of the first rule whose guards hold, and one function
that fills a subject's live segments.

NOTE: Why generated source. Walking rule objects costs attribute lookups, set
operations and a call per rule; a generated `if` chain evaluates each rule's
guards in one frame. The source never contains a value from the configuration:
segment names and compiled conditions reach it only as the arguments of an outer
`_build(k0, k1, ...)` function, so nothing a product team writes becomes code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Match = Callable[[Mapping[str, Any]], bool]
Chooser = Callable[[Mapping[str, Any], frozenset[str], bool, int], int]
SegmentPass = Callable[[Mapping[str, Any], bool, frozenset[str], list[str]], None]


@dataclass(frozen=True, slots=True)
class RuleGuards:
    """What must hold for a rule to apply, in the order it is checked."""

    needs_profile: bool
    segments: Sequence[str]
    match: Match | None
    resumable: bool


@dataclass(frozen=True, slots=True)
class SegmentGuards:
    """How one segment's membership is decided."""

    name: str
    precomputed: bool
    needs_profile: bool
    requires: Sequence[str]
    match: Match | None


class _Constants:
    def __init__(self) -> None:
        self.values: list[object] = []

    def add(self, value: object) -> str:
        self.values.append(value)
        return f"k{len(self.values) - 1}"


def _link(name: str, body: list[str], constants: _Constants) -> Any:
    parameters = ", ".join(f"k{n}" for n in range(len(constants.values)))
    source = "\n".join([f"def _build({parameters}):", *body, f"    return {name}", ""])
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<tailor {name}>", "exec"), {"__builtins__": {}}, namespace)
    return namespace["_build"](*constants.values)


def compile_chooser(rules: Sequence[RuleGuards]) -> Chooser:
    """A function `(attributes, segments, has_profile, start) -> rule index or -1`.

    Rules before `start` are not considered, so that a caller can resume after a
    rule that applied but produced nothing (an experiment that excluded the subject).
    """
    constants = _Constants()
    body = ["    def choose(a, seg, has_profile, start):"]
    for index, rule in enumerate(rules):
        guards = [f"start <= {index}"] if rule.resumable else []
        if rule.needs_profile:
            guards.append("has_profile")
        guards += [f"{constants.add(name)} in seg" for name in rule.segments]
        if rule.match is not None:
            guards.append(f"{constants.add(rule.match)}(a)")
        test = " and ".join(guards) or "True"
        body.append(f"        if {test}:")
        body.append(f"            return {index}")
    body.append("        return -1")
    chooser: Chooser = _link("choose", body, constants)
    return chooser


def compile_segment_pass(segments: Sequence[SegmentGuards]) -> SegmentPass:
    """A function `(attributes, has_profile, precomputed, members) -> None`.

    It appends to `members`, in dependency order, each segment the subject is in:
    precomputed ones when listed in `precomputed`, live ones when their guards hold.
    """
    constants = _Constants()
    body = ["    def segments(a, has_profile, pre, out):"]
    for segment in segments:
        name = constants.add(segment.name)
        if segment.precomputed:
            guards = [f"{name} in pre"]
        else:
            guards = ["has_profile"] if segment.needs_profile else []
            guards += [f"{constants.add(r)} in out" for r in segment.requires]
            if segment.match is not None:
                guards.append(f"{constants.add(segment.match)}(a)")
        test = " and ".join(guards) or "True"
        body.append(f"        if {test}:")
        body.append(f"            out.append({name})")
    body.append("        return None")
    segment_pass: SegmentPass = _link("segments", body, constants)
    return segment_pass
