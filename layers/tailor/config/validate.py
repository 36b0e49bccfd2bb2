"""Checks that need the whole configuration: references, cycles, reachability.

Structure is pydantic's job; what is checked here is what a product team gets wrong
across files — a rule naming a variant that has no content, a segment that depends on
itself, weights that do not add up, a rule that can never match because a catch-all
precedes it, a condition with an unknown operator or an invalid regex.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

from tailor.config.models import Configuration, Experiment, ExperimentStatus
from tailor.targeting import ConditionError, compile_condition

PathKey = tuple[str | int, ...]
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found at `path` in the merged configuration document."""

    path: PathKey
    message: str
    hint: str | None = None


def find_problems(config: Configuration) -> list[Finding]:
    """Every cross-reference problem in `config`, in document order."""
    findings: list[Finding] = []
    findings += _check_segments(config)
    findings += _check_placements(config)
    findings += _check_experiments(config)
    findings += _check_content(config)
    return findings


def segment_order(config: Configuration) -> list[str]:
    """Segment ids ordered so that each comes after the segments it uses."""
    graph = {name: set(segment.segments) for name, segment in config.segments.items()}
    return list(TopologicalSorter(graph).static_order())


def _check_condition(
    config: Configuration, path: PathKey, condition: dict[str, object]
) -> list[Finding]:
    try:
        compile_condition(condition, saved_groups=config.saved_groups)
    except ConditionError as exc:
        inner = _locate(condition, exc.path)
        return [Finding((*path, "when", *inner), str(exc), exc.hint)]
    return []


def _locate(condition: object, where: str) -> PathKey:
    """The document path of a condition error's location such as `$.a.b.$in[2]`.

    Keys may contain dots (`context.device`), so each step takes the longest key
    of the current mapping that the rest of the location starts with.
    """
    rest = where[2:] if where.startswith("$.") else ""
    found: list[str | int] = []
    node = condition
    while rest:
        if rest.startswith("[") and isinstance(node, list) and "]" in rest:
            index_text, _, rest = rest[1:].partition("]")
            rest = rest.removeprefix(".")
            if not index_text.isdigit() or int(index_text) >= len(node):
                break
            found.append(int(index_text))
            node = node[int(index_text)]
            continue
        if not isinstance(node, dict):
            break
        keys = [
            key
            for key in node
            if isinstance(key, str)
            and (rest == key or rest.startswith((f"{key}.", f"{key}[")))
        ]
        if not keys:
            break
        key = max(keys, key=len)
        found.append(key)
        node = node[key]
        rest = rest[len(key) :].removeprefix(".")
    return tuple(found)


def _check_references(
    config: Configuration, path: PathKey, segments: tuple[str, ...]
) -> list[Finding]:
    return [
        Finding(
            (*path, "segments"),
            f"unknown segment {name!r}",
            _closest(name, config.segments),
        )
        for name in segments
        if name not in config.segments
    ]


def _check_segments(config: Configuration) -> list[Finding]:
    findings: list[Finding] = []
    for name, segment in config.segments.items():
        path = ("segments", name)
        findings += _check_condition(config, path, segment.when)
        findings += _check_references(config, path, segment.segments)

    known = {
        name: {s for s in segment.segments if s in config.segments}
        for name, segment in config.segments.items()
    }
    try:
        TopologicalSorter(known).prepare()
    except CycleError as exc:
        cycle = list(dict.fromkeys(exc.args[1]))
        findings.append(
            Finding(
                ("segments", cycle[0]),
                "segments depend on each other in a cycle: " + " -> ".join(cycle),
                "a segment may use other segments only if none of them uses it back",
            )
        )
    return findings


def _check_placements(config: Configuration) -> list[Finding]:
    findings: list[Finding] = []
    for name, placement in config.placements.items():
        path: PathKey = ("placements", name)
        if placement.default not in config.content:
            findings.append(
                Finding(
                    (*path, "default"),
                    f"default variant {placement.default!r} has no content",
                    _closest(placement.default, config.content),
                )
            )

        seen: dict[str, int] = {}
        catch_all: str | None = None
        for index, rule in enumerate(placement.rules):
            rule_path = (*path, "rules", index)
            if rule.id in seen:
                findings.append(
                    Finding(
                        (*rule_path, "id"),
                        f"duplicate rule id {rule.id!r} in placement {name!r}",
                        f"rule {seen[rule.id]} already uses it",
                    )
                )
            seen[rule.id] = index

            if catch_all is not None:
                findings.append(
                    Finding(
                        rule_path,
                        f"rule {rule.id!r} can never match: "
                        f"rule {catch_all!r} before it matches everyone",
                        "move the catch-all rule last, or use the placement's default",
                    )
                )
            if rule.is_catch_all:
                catch_all = rule.id

            findings += _check_condition(config, rule_path, rule.when)
            findings += _check_references(config, rule_path, rule.segments)
            if rule.variant is not None and rule.variant not in config.content:
                findings.append(
                    Finding(
                        (*rule_path, "variant"),
                        f"variant {rule.variant!r} has no content",
                        _closest(rule.variant, config.content),
                    )
                )
            if (
                rule.experiment is not None
                and rule.experiment not in config.experiments
            ):
                findings.append(
                    Finding(
                        (*rule_path, "experiment"),
                        f"unknown experiment {rule.experiment!r}",
                        _closest(rule.experiment, config.experiments),
                    )
                )
    return findings


def _check_experiments(config: Configuration) -> list[Finding]:
    findings: list[Finding] = []
    for name, experiment in config.experiments.items():
        path: PathKey = ("experiments", name)
        findings += _check_condition(config, path, experiment.when)
        findings += _check_references(config, path, experiment.segments)
        findings += _check_experiment_shape(config, path, experiment)
    return findings


def _check_experiment_shape(
    config: Configuration, path: PathKey, experiment: Experiment
) -> list[Finding]:
    findings: list[Finding] = []
    for index, variant in enumerate(experiment.variants):
        if variant not in config.content:
            findings.append(
                Finding(
                    (*path, "variants", index),
                    f"variant {variant!r} has no content",
                    _closest(variant, config.content),
                )
            )

    if experiment.weights is not None:
        if len(experiment.weights) != len(experiment.variants):
            findings.append(
                Finding(
                    (*path, "weights"),
                    f"{len(experiment.weights)} weights for "
                    f"{len(experiment.variants)} variants",
                    "give one weight per variant, or none for equal weights",
                )
            )
        elif not math.isclose(sum(experiment.weights), 1.0, abs_tol=WEIGHT_TOLERANCE):
            findings.append(
                Finding(
                    (*path, "weights"),
                    f"weights sum to {sum(experiment.weights):g}, not 1",
                    "weights are shares of the covered traffic and must add up to 1",
                )
            )
        elif any(weight < 0 for weight in experiment.weights):
            findings.append(Finding((*path, "weights"), "weights must not be negative"))

    if experiment.namespace is not None:
        _, start, end = experiment.namespace
        if not 0.0 <= start < end <= 1.0:
            findings.append(
                Finding(
                    (*path, "namespace"),
                    f"namespace range [{start}, {end}) is not within [0, 1]",
                    "write it as [namespace_id, start, end] with 0 <= start < end <= 1",
                )
            )

    if experiment.status is ExperimentStatus.STOPPED:
        if experiment.winner is None:
            findings.append(
                Finding(
                    (*path, "winner"),
                    "a stopped experiment needs a winner",
                    "name the variant everyone should now see",
                )
            )
        elif experiment.winner not in experiment.variants:
            findings.append(
                Finding(
                    (*path, "winner"),
                    f"winner {experiment.winner!r} is not one of the variants",
                    _closest(experiment.winner, experiment.variants),
                )
            )
    elif experiment.winner is not None:
        findings.append(
            Finding(
                (*path, "winner"),
                "only a stopped experiment has a winner",
                "set status: stopped, or remove the winner",
            )
        )
    return findings


def _check_content(config: Configuration) -> list[Finding]:
    return [
        Finding(
            ("content", name),
            f"variant {name!r} has no content",
            "give it at least a title or body",
        )
        for name, content in config.content.items()
        if not content
    ]


def _closest(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else None
