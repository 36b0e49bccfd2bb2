"""Straight-line Python for the engine's hot path: one function per placement
that returns the index of the first rule whose guards hold, and one function
that fills a subject's live segments.

NOTE: Why generated source. Walking rule objects costs attribute lookups, set
operations and a call per rule; a generated `if` chain evaluates each rule's
guards and condition in one frame, reading shared containers (`context`,
`facts`) once. The source never contains a value from the configuration:
segment names reach it as constants of `tailor.targeting.program.Program`, and
conditions as code generated from their checked structure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tailor.targeting import Condition
from tailor.targeting.program import Program

Chooser = Callable[[Mapping[str, Any], frozenset[str], bool, int], int]
SegmentPass = Callable[[Mapping[str, Any], bool, frozenset[str], list[str]], None]


@dataclass(frozen=True, slots=True)
class RuleGuards:
    """What must hold for a rule to apply, in the order it is checked."""

    needs_profile: bool
    segments: Sequence[str]
    condition: Condition | None
    resumable: bool


@dataclass(frozen=True, slots=True)
class SegmentGuards:
    """How one segment's membership is decided."""

    name: str
    precomputed: bool
    needs_profile: bool
    requires: Sequence[str]
    condition: Condition | None


def compile_chooser(rules: Sequence[RuleGuards]) -> Chooser:
    """A function `(attributes, segments, has_profile, start) -> rule index or -1`.

    Rules before `start` are not considered, so that a caller can resume after a
    rule that applied but produced nothing (an experiment that excluded the subject).
    """
    program = Program(["seg", "has_profile", "start"])
    for index, rule in enumerate(rules):
        guards = [f"start <= {index}"] if rule.resumable else []
        if rule.needs_profile:
            guards.append("has_profile")
        guards += [f"{program.constant(name)} in seg" for name in rule.segments]
        program.branch(guards, rule.condition, f"return {index}")
    chooser: Chooser = program.compile("return -1", name="choose")
    return chooser


def compile_segment_pass(segments: Sequence[SegmentGuards]) -> SegmentPass:
    """A function `(attributes, has_profile, precomputed, members) -> None`.

    It appends to `members`, in dependency order, each segment the subject is in:
    precomputed ones when listed in `precomputed`, live ones when their guards hold.
    """
    program = Program(["has_profile", "pre", "out"])
    for segment in segments:
        name = program.constant(segment.name)
        if segment.precomputed:
            program.branch([f"{name} in pre"], None, f"out.append({name})")
            continue
        guards = ["has_profile"] if segment.needs_profile else []
        guards += [f"{program.constant(r)} in out" for r in segment.requires]
        program.branch(guards, segment.condition, f"out.append({name})")
    segment_pass: SegmentPass = program.compile("return None", name="segments")
    return segment_pass
