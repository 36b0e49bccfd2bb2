"""The decision engine: compiled once per bundle, evaluated on every request.

Compilation turns the bundle's configuration into plain tuples of compiled
predicates, so that a decision is a walk over prepared data: no parsing, no lookups
by name beyond dictionary hits, no regex compilation. A decision without the
subject's profile (no personalization consent) uses only what the request itself
says, and rules or segments that read the profile are skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Any

from tailor.engine._generated import (
    Chooser,
    RuleGuards,
    SegmentGuards,
    compile_chooser,
    compile_segment_pass,
)
from tailor.engine.exceptions import BundleInvalid, UnknownPlacement
from tailor.engine.model import (
    Assignment,
    Basis,
    Decision,
    PlacementDecision,
    Profile,
    Reason,
)
from tailor.targeting import (
    Condition,
    TargetingError,
    bucket_ranges,
    choose_variation,
    compile_condition,
    hash_value,
    in_namespace,
)

# Attribute roots that only the request provides; every other root is profile data.
CONTEXT_ROOT = "context"
# Roots that only precompute can fill; a segment reading them is never evaluated live.
PRECOMPUTED_ROOTS = frozenset({"features"})

Trace = list[str] | None
_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Experiment:
    id: str
    status: str
    variants: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]
    seed: str
    hash_version: int
    namespace: tuple[str, float, float] | None
    condition: Condition | None
    segments: frozenset[str]
    winner: str | None
    bucket_version: int


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    condition: Condition | None
    needs_profile: bool
    segments: frozenset[str]
    variant: str | None
    experiment: _Experiment | None


@dataclass(frozen=True, slots=True)
class _Placement:
    """A placement's rules, its generated chooser and its prepared answers."""

    rules: tuple[_Rule, ...]
    default: str
    choose: Chooser
    # The answer of each variant rule (None for experiment rules), of the default
    # with and without a profile, and of each experiment outcome: answers are
    # immutable, so the hot path builds none of them.
    by_rule: tuple[PlacementDecision | None, ...]
    by_default: tuple[PlacementDecision, PlacementDecision]
    by_outcome: Mapping[tuple[int, str, Reason], PlacementDecision]


@dataclass(frozen=True, slots=True)
class _Segment:
    id: str
    condition: Condition | None
    needs_profile: bool
    precomputed: bool
    requires: frozenset[str]


class Engine:
    """Decides which variant each placement shows, from one compiled bundle."""

    def __init__(
        self,
        *,
        version: str,
        placements: Mapping[str, Callable[[], _Placement]],
        segments: Sequence[_Segment],
        content: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.version = version
        self._builders = placements
        self._placements: dict[str, _Placement] = {}
        self._segments = tuple(segments)
        self._content = content
        self._content_by_hash: dict[str, Mapping[str, Any]] | None = None
        self._segment_pass = compile_segment_pass(
            [
                SegmentGuards(
                    name=segment.id,
                    precomputed=segment.precomputed,
                    needs_profile=segment.needs_profile,
                    requires=sorted(segment.requires),
                    condition=segment.condition,
                )
                for segment in self._segments
            ]
        )

    @classmethod
    def compile(
        cls, config: Mapping[str, Any], *, version: str, eager: bool = False
    ) -> Engine:
        """Compile the `config` section of a bundle body.

        With `eager`, every placement is compiled and every reference checked now,
        as publishing does. Without it, as the edge does, segments are compiled now
        and each placement on its first request: a cold start pays only for the
        placements it serves. Raises `BundleInvalid` when the configuration cannot
        be compiled; a configuration that passed validation always compiles.
        """
        try:
            engine = _compile(config, version=version)
            if eager:
                _check_references(config, engine)
                for name in engine.placements:
                    engine._placement(name)
        except (KeyError, TypeError, ValueError, TargetingError, CycleError) as exc:
            raise BundleInvalid(f"bundle {version} cannot be compiled: {exc}") from exc
        return engine

    @property
    def placements(self) -> frozenset[str]:
        return frozenset(self._builders)

    def content_for_hash(self, content_hash: str) -> Mapping[str, Any] | None:
        """The content whose hash is `content_hash`, for immutable content URLs."""
        if self._content_by_hash is None:
            self._content_by_hash = {
                content_hash_of(item): item for item in self._content.values()
            }
        return self._content_by_hash.get(content_hash)

    def _placement(self, name: str) -> _Placement:
        found = self._placements.get(name)
        if found is None:
            found = self._placements[name] = self._builders[name]()
        return found

    def decide(
        self,
        placements: Iterable[str],
        *,
        context: Mapping[str, Any],
        profile: Profile | None,
        subject: str | None,
        explain: bool = False,
    ) -> Decision:
        """Choose a variant for each of `placements`.

        `profile` is None when the subject's profile may not be used (no
        personalization consent, or none stored yet); the decision then rests on
        `context` alone. `subject` is the pseudonymous id experiments hash.
        Raises `UnknownPlacement` before deciding anything if a name is unknown.
        """
        wanted = list(dict.fromkeys(placements))
        unknown = [name for name in wanted if name not in self._builders]
        if unknown:
            raise UnknownPlacement(unknown, self._builders)

        if not explain:
            return self._decide_fast(wanted, context, profile, subject)

        attributes = _attributes(context, profile)
        segments = self._evaluate_segments(attributes, profile)
        attributes["segments"] = segments
        segment_set = frozenset(segments)

        decided: dict[str, PlacementDecision] = {}
        new_assignments: list[Assignment] = []
        for name in wanted:
            trace: Trace = [] if explain else None
            decided[name] = self._decide_placement(
                self._placement(name),
                attributes,
                segment_set,
                profile,
                subject,
                trace,
                new_assignments,
            )

        return Decision(
            bundle_version=self.version,
            basis=Basis.CONTEXT if profile is None else Basis.PROFILE,
            placements=decided,
            segments=tuple(segments),
            new_assignments=tuple(new_assignments),
        )

    def _decide_fast(
        self,
        wanted: list[str],
        context: Mapping[str, Any],
        profile: Profile | None,
        subject: str | None,
    ) -> Decision:
        """`decide` without a trace: generated choosers and prepared answers."""
        has_profile = profile is not None
        attributes = _attributes(context, profile)
        members: list[str] = []
        attributes["segments"] = members
        precomputed = frozenset(profile.segments) if profile is not None else _NONE
        self._segment_pass(attributes, has_profile, precomputed, members)
        segments = frozenset(members)

        decided: dict[str, PlacementDecision] = {}
        new_assignments: list[Assignment] = []
        for name in wanted:
            placement = self._placement(name)
            answer = placement.by_default[has_profile]
            index = placement.choose(attributes, segments, has_profile, 0)
            while index >= 0:
                prepared = placement.by_rule[index]
                if prepared is not None:
                    answer = prepared
                    break
                experiment = placement.rules[index].experiment
                outcome = None
                if experiment is not None:
                    outcome = _run_experiment(
                        experiment, attributes, segments, profile, subject, None
                    )
                if outcome is not None:
                    variant, reason, assignment = outcome
                    if assignment is not None:
                        new_assignments.append(assignment)
                    answer = placement.by_outcome[index, variant, reason]
                    break
                index = placement.choose(attributes, segments, has_profile, index + 1)
            decided[name] = answer

        return Decision(
            bundle_version=self.version,
            basis=Basis.PROFILE if has_profile else Basis.CONTEXT,
            placements=decided,
            segments=tuple(members),
            new_assignments=tuple(new_assignments),
        )

    def precomputed_segments(self, profile: Profile) -> tuple[str, ...]:
        """The segments only precompute can evaluate that `profile` belongs to.

        Precompute calls this with features freshly derived from the event log;
        the edge then reads the result from the profile instead of evaluating.
        """
        attributes = _attributes({}, profile)
        members = self._evaluate_segments(attributes, profile, precomputing=True)
        wanted = {segment.id for segment in self._segments if segment.precomputed}
        return tuple(name for name in members if name in wanted)

    def _evaluate_segments(
        self,
        attributes: dict[str, Any],
        profile: Profile | None,
        *,
        precomputing: bool = False,
    ) -> list[str]:
        members: list[str] = []
        attributes["segments"] = members
        precomputed = (
            frozenset(profile.segments) if profile is not None else frozenset()
        )

        for segment in self._segments:
            if segment.precomputed and not precomputing:
                if segment.id in precomputed:
                    members.append(segment.id)
                continue
            if segment.needs_profile and profile is None:
                continue
            if not segment.requires.issubset(members):
                continue
            if segment.condition is None or segment.condition(attributes):
                members.append(segment.id)
        return members

    def _decide_placement(
        self,
        placement: _Placement,
        attributes: Mapping[str, Any],
        segments: frozenset[str],
        profile: Profile | None,
        subject: str | None,
        trace: Trace,
        new_assignments: list[Assignment],
    ) -> PlacementDecision:
        for rule in placement.rules:
            if rule.needs_profile and profile is None:
                _note(trace, f"rule `{rule.id}` skipped: needs personalization consent")
                continue
            if not rule.segments.issubset(segments):
                if trace is not None:
                    missing = ", ".join(sorted(rule.segments - segments))
                    trace.append(f"rule `{rule.id}` skipped: not in segment {missing}")
                continue
            if rule.condition is not None and not rule.condition(attributes):
                if trace is not None:
                    why = rule.condition.explain(attributes)
                    trace.append(f"rule `{rule.id}` skipped: {why}")
                continue

            if rule.variant is not None:
                _note(trace, f"rule `{rule.id}` matched: shows `{rule.variant}`")
                return self._chosen(
                    rule.variant, Reason.RULE_MATCH, rule.id, None, trace
                )

            if rule.experiment is None:  # unreachable: a rule has one or the other
                continue
            outcome = _run_experiment(
                rule.experiment, attributes, segments, profile, subject, trace
            )
            if outcome is None:
                continue
            variant, reason, assignment = outcome
            if assignment is not None:
                new_assignments.append(assignment)
            return self._chosen(variant, reason, rule.id, rule.experiment.id, trace)

        reason = Reason.CONSENT_MISSING if profile is None else Reason.DEFAULT
        _note(trace, f"no rule matched: default `{placement.default}`")
        return self._chosen(placement.default, reason, None, None, trace)

    def _chosen(
        self,
        variant: str,
        reason: Reason,
        rule: str | None,
        experiment: str | None,
        trace: Trace,
    ) -> PlacementDecision:
        content = self._content[variant]
        return PlacementDecision(
            variant=variant,
            content=content,
            content_hash=content_hash_of(content),
            reason=reason,
            rule=rule,
            experiment=experiment,
            trace=tuple(trace) if trace is not None else (),
        )


def _run_experiment(
    experiment: _Experiment,
    attributes: Mapping[str, Any],
    segments: frozenset[str],
    profile: Profile | None,
    subject: str | None,
    trace: Trace,
) -> tuple[str, Reason, Assignment | None] | None:
    label = f"experiment `{experiment.id}`"
    if experiment.status == "stopped" and experiment.winner is not None:
        _note(trace, f"{label} stopped: shows winner `{experiment.winner}`")
        return experiment.winner, Reason.EXPERIMENT_WINNER, None
    if experiment.status != "running":
        _note(trace, f"{label} skipped: status is {experiment.status}")
        return None
    if profile is None or subject is None:
        _note(trace, f"{label} skipped: needs personalization consent")
        return None
    if not experiment.segments.issubset(segments):
        _note(trace, f"{label} skipped: subject is not in its segments")
        return None
    if experiment.condition is not None and not experiment.condition(attributes):
        if trace is not None:
            trace.append(f"{label} skipped: {experiment.condition.explain(attributes)}")
        return None

    sticky = profile.assignments.get(experiment.id)
    if sticky is not None:
        variant, bucket_version = sticky
        if (
            bucket_version == experiment.bucket_version
            and variant in experiment.variants
        ):
            _note(trace, f"{label}: keeps earlier assignment `{variant}`")
            return variant, Reason.EXPERIMENT, None

    if experiment.namespace is not None and not in_namespace(
        subject, experiment.namespace
    ):
        _note(trace, f"{label} skipped: subject is outside its namespace")
        return None
    bucket = hash_value(experiment.seed, subject, experiment.hash_version)
    index = -1 if bucket is None else choose_variation(bucket, experiment.ranges)
    if index < 0:
        _note(trace, f"{label} skipped: subject is outside its coverage")
        return None

    variant = experiment.variants[index]
    _note(trace, f"{label}: assigned `{variant}`")
    assignment = Assignment(experiment.id, variant, experiment.bucket_version)
    return variant, Reason.EXPERIMENT, assignment


def _attributes(context: Mapping[str, Any], profile: Profile | None) -> dict[str, Any]:
    if profile is None:
        return {CONTEXT_ROOT: context}
    return {
        CONTEXT_ROOT: context,
        "facts": profile.facts,
        "traits": profile.traits,
        "features": profile.features,
        "cluster": profile.cluster,
        "scores": profile.scores,
        "experiments": {key: value[0] for key, value in profile.assignments.items()},
    }


def _note(trace: Trace, line: str) -> None:
    if trace is not None:
        trace.append(line)


def _roots(condition: Condition | None) -> frozenset[str]:
    if condition is None:
        return frozenset()
    return frozenset(path.split(".", 1)[0] for path in condition.paths)


def _compile_condition(
    document: Mapping[str, Any], groups: Mapping[str, Sequence[Any]]
) -> Condition | None:
    return compile_condition(document, saved_groups=groups) if document else None


def _compile(config: Mapping[str, Any], *, version: str) -> Engine:
    groups: Mapping[str, Sequence[Any]] = config.get("saved_groups") or {}
    content: Mapping[str, Mapping[str, Any]] = config["content"]
    segments = _compile_segments(config.get("segments") or {}, groups)
    experiment_specs: Mapping[str, Mapping[str, Any]] = config.get("experiments") or {}
    experiments: dict[str, _Experiment] = {}

    def experiment(name: str) -> _Experiment:
        found = experiments.get(name)
        if found is None:
            found = experiments[name] = _compile_experiment(
                name, experiment_specs[name], groups
            )
        return found

    def builder(spec: Mapping[str, Any]) -> Callable[[], _Placement]:
        def build() -> _Placement:
            rules = tuple(
                _compile_rule(rule, experiment, groups) for rule in spec["rules"]
            )
            return _placement(rules, spec["default"], content)

        return build

    placements = {name: builder(spec) for name, spec in config["placements"].items()}
    return Engine(
        version=version, placements=placements, segments=segments, content=content
    )


def _compile_segments(
    specs: Mapping[str, Mapping[str, Any]], groups: Mapping[str, Sequence[Any]]
) -> list[_Segment]:
    order = TopologicalSorter(
        {name: set(spec.get("segments") or ()) for name, spec in specs.items()}
    ).static_order()

    compiled: dict[str, _Segment] = {}
    for name in order:
        spec = specs[name]
        condition = _compile_condition(spec.get("when") or {}, groups)
        roots = _roots(condition)
        requires = frozenset(spec.get("segments") or ())
        # Only a segment whose own condition reads precomputed data is taken from
        # the profile; one that merely requires such segments is evaluated live.
        precomputed = bool(roots & PRECOMPUTED_ROOTS)
        compiled[name] = _Segment(
            id=name,
            condition=condition,
            needs_profile=bool(roots - {CONTEXT_ROOT, "segments"})
            or any(compiled[dependency].needs_profile for dependency in requires),
            precomputed=precomputed,
            requires=requires,
        )
    return list(compiled.values())


def _compile_experiment(
    name: str, spec: Mapping[str, Any], groups: Mapping[str, Sequence[Any]]
) -> _Experiment:
    variants = tuple(spec["variants"])
    namespace = spec.get("namespace")
    return _Experiment(
        id=name,
        status=spec.get("status", "draft"),
        variants=variants,
        ranges=tuple(
            bucket_ranges(len(variants), spec.get("coverage", 1.0), spec.get("weights"))
        ),
        seed=spec.get("seed") or name,
        hash_version=spec.get("hash_version", 2),
        namespace=(str(namespace[0]), float(namespace[1]), float(namespace[2]))
        if namespace
        else None,
        condition=_compile_condition(spec.get("when") or {}, groups),
        segments=frozenset(spec.get("segments") or ()),
        winner=spec.get("winner"),
        bucket_version=spec.get("bucket_version", 0),
    )


def _compile_rule(
    spec: Mapping[str, Any],
    experiments: Callable[[str], _Experiment],
    groups: Mapping[str, Sequence[Any]],
) -> _Rule:
    condition = _compile_condition(spec.get("when") or {}, groups)
    experiment_id = spec.get("experiment")
    return _Rule(
        id=spec["id"],
        condition=condition,
        needs_profile=bool(_roots(condition) - {CONTEXT_ROOT, "segments"}),
        segments=frozenset(spec.get("segments") or ()),
        variant=spec.get("variant"),
        experiment=experiments(experiment_id) if experiment_id else None,
    )


def _placement(
    rules: tuple[_Rule, ...], default: str, content: Mapping[str, Mapping[str, Any]]
) -> _Placement:
    def answer(
        variant: str, reason: Reason, rule: str | None, experiment: str | None
    ) -> PlacementDecision:
        item = content[variant]
        return PlacementDecision(
            variant=variant,
            content=item,
            content_hash=content_hash_of(item),
            reason=reason,
            rule=rule,
            experiment=experiment,
        )

    first_experiment = next(
        (n for n, rule in enumerate(rules) if rule.experiment is not None), len(rules)
    )
    chooser = compile_chooser(
        [
            RuleGuards(
                needs_profile=rule.needs_profile,
                segments=sorted(rule.segments),
                condition=rule.condition,
                resumable=index >= first_experiment,
            )
            for index, rule in enumerate(rules)
        ]
    )

    outcomes: dict[tuple[int, str, Reason], PlacementDecision] = {}
    for index, rule in enumerate(rules):
        experiment = rule.experiment
        if experiment is None:
            continue
        for variant in experiment.variants:
            outcomes[index, variant, Reason.EXPERIMENT] = answer(
                variant, Reason.EXPERIMENT, rule.id, experiment.id
            )
        if experiment.winner is not None:
            outcomes[index, experiment.winner, Reason.EXPERIMENT_WINNER] = answer(
                experiment.winner, Reason.EXPERIMENT_WINNER, rule.id, experiment.id
            )

    return _Placement(
        rules=rules,
        default=default,
        choose=chooser,
        by_rule=tuple(
            answer(rule.variant, Reason.RULE_MATCH, rule.id, None)
            if rule.variant is not None
            else None
            for rule in rules
        ),
        by_default=(
            answer(default, Reason.CONSENT_MISSING, None, None),
            answer(default, Reason.DEFAULT, None, None),
        ),
        by_outcome=outcomes,
    )


def _check_references(config: Mapping[str, Any], engine: Engine) -> None:
    placements = config["placements"].values()
    experiments = (config.get("experiments") or {}).values()
    variants = {spec["default"] for spec in placements}
    variants |= {
        r["variant"] for p in placements for r in p["rules"] if r.get("variant")
    }
    variants |= {v for e in experiments for v in e["variants"]}
    missing = sorted(variants - set(config["content"]))
    if missing:
        raise ValueError(f"variants without content: {', '.join(missing)}")


def content_hash_of(content: Mapping[str, Any]) -> str:
    """A short, stable hash of `content`, used in immutable content URLs."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
