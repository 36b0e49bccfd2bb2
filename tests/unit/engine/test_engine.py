from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tailor.engine import Engine, Profile, Reason, UnknownPlacement

CONFIG: dict[str, Any] = {
    "segments": {
        "on_the_go": {"when": {"context.device": {"$in": ["mobile", "tablet"]}}},
        "stalled": {"when": {"features.stalled": True}},
        "team": {"when": {"traits.plan": "team"}},
        "stalled_team": {"segments": ["stalled", "team"]},
    },
    "content": {
        name: {"title": name}
        for name in ("a", "b", "c", "mobile", "stalled", "team", "fallback", "winner")
    },
    "experiments": {
        "copy": {"status": "running", "variants": ["a", "b", "c"], "bucket_version": 1},
        "done": {"status": "stopped", "variants": ["a", "winner"], "winner": "winner"},
        "draft": {"status": "draft", "variants": ["a", "b"]},
        "narrow": {"status": "running", "variants": ["a", "b"], "coverage": 0.0},
    },
    "placements": {
        "welcome": {
            "rules": [
                {
                    "id": "stalled_team_rule",
                    "segments": ["stalled_team"],
                    "variant": "team",
                },
                {"id": "stalled_rule", "segments": ["stalled"], "variant": "stalled"},
                {"id": "draft_rule", "experiment": "draft"},
                {"id": "copy_rule", "experiment": "copy"},
            ],
            "default": "fallback",
        },
        "tip": {
            "rules": [
                {
                    "id": "mobile_tip",
                    "when": {"context.device": {"$in": ["mobile"]}},
                    "variant": "mobile",
                },
                {
                    "id": "steps_rule",
                    "when": {"facts.steps": {"$all": ["x"]}},
                    "variant": "b",
                },
            ],
            "default": "fallback",
        },
        "banner": {
            "rules": [{"id": "done_rule", "experiment": "done"}],
            "default": "fallback",
        },
        "narrow": {
            "rules": [{"id": "narrow_rule", "experiment": "narrow"}],
            "default": "fallback",
        },
    },
}
ENGINE = Engine.compile(CONFIG, version="v1", eager=True)
DESKTOP = {"device": "desktop"}


def decide(
    placements, *, context=DESKTOP, profile=None, subject="a_subject", explain=False
):
    return ENGINE.decide(
        placements, context=context, profile=profile, subject=subject, explain=explain
    )


def test_a_context_rule_matches_without_any_profile():
    decision = decide(["tip"], context={"device": "mobile"})

    chosen = decision.placements["tip"]
    assert (chosen.variant, chosen.reason, chosen.rule) == (
        "mobile",
        Reason.RULE_MATCH,
        "mobile_tip",
    )
    assert chosen.content == {"title": "mobile"}


def test_without_a_profile_rules_on_profile_facts_are_skipped_and_say_why():
    decision = decide(["tip"], explain=True)

    chosen = decision.placements["tip"]
    assert chosen.reason is Reason.CONSENT_MISSING
    assert chosen.variant == "fallback"
    assert "rule `steps_rule` skipped: needs personalization consent" in chosen.trace


def test_with_a_profile_a_fact_rule_matches():
    decision = decide(["tip"], profile=Profile(facts={"steps": ["x", "y"]}))

    assert decision.placements["tip"].rule == "steps_rule"


def test_precomputed_segments_are_read_from_the_profile_and_live_ones_evaluated():
    profile = Profile(segments=("stalled",), traits={"plan": "team"})

    decision = decide(["welcome"], context={"device": "tablet"}, profile=profile)

    assert set(decision.segments) == {"stalled", "on_the_go", "team", "stalled_team"}
    assert decision.placements["welcome"].rule == "stalled_team_rule"


def test_a_precomputed_segment_is_not_evaluated_live_from_features():
    profile = Profile(features={"stalled": True})

    decision = decide(["welcome"], profile=profile)

    assert "stalled" not in decision.segments


def test_precompute_evaluates_precomputed_segments_from_features():
    profile = Profile(features={"stalled": True}, traits={"plan": "team"})

    assert ENGINE.precomputed_segments(profile) == ("stalled",)


def test_a_running_experiment_assigns_the_same_variant_to_the_same_subject():
    profile = Profile()

    first = decide(["welcome"], profile=profile, subject="a_same")
    again = decide(["welcome"], profile=profile, subject="a_same")

    assert first.placements["welcome"].reason is Reason.EXPERIMENT
    assert first.placements["welcome"].variant == again.placements["welcome"].variant
    (assignment,) = first.new_assignments
    assert (assignment.experiment, assignment.bucket_version) == ("copy", 1)


def test_experiment_variants_split_subjects_by_their_weights():
    counts = Counter(
        decide(["welcome"], profile=Profile(), subject=f"a_{n}")
        .placements["welcome"]
        .variant
        for n in range(3000)
    )

    assert set(counts) == {"a", "b", "c"}
    assert all(850 < count < 1150 for count in counts.values())


def test_a_stored_assignment_is_honoured_and_not_reassigned():
    profile = Profile(assignments={"copy": ("c", 1)})

    decision = decide(["welcome"], profile=profile, subject="a_any")

    assert decision.placements["welcome"].variant == "c"
    assert decision.new_assignments == ()


def test_a_stored_assignment_of_an_older_bucket_version_is_replaced():
    subject = "a_versioned"
    fresh = decide(["welcome"], profile=Profile(), subject=subject)
    stale_variant = next(v for v in "abc" if v != fresh.placements["welcome"].variant)
    profile = Profile(assignments={"copy": (stale_variant, 0)})

    decision = decide(["welcome"], profile=profile, subject=subject)

    assert decision.placements["welcome"].variant == fresh.placements["welcome"].variant
    assert len(decision.new_assignments) == 1


def test_a_stopped_experiment_shows_its_winner_to_everyone():
    decision = decide(["banner"])

    assert decision.placements["banner"].variant == "winner"
    assert decision.placements["banner"].reason is Reason.EXPERIMENT_WINNER


def test_a_subject_outside_coverage_falls_through_to_the_default():
    decision = decide(["narrow"], profile=Profile(), explain=True)

    chosen = decision.placements["narrow"]
    assert chosen.reason is Reason.DEFAULT
    assert any("outside its coverage" in line for line in chosen.trace)


def test_the_trace_explains_a_skipped_rule_in_words():
    decision = decide(
        ["tip"], context={"device": "desktop"}, profile=Profile(), explain=True
    )

    first = decision.placements["tip"].trace[0]
    assert first.startswith("rule `mobile_tip` skipped: ")
    assert "desktop" in first
    assert "mobile" in first


def test_unknown_placements_are_refused_before_deciding_anything():
    with pytest.raises(UnknownPlacement) as raised:
        decide(["tip", "sidebar", "footer"])

    assert raised.value.unknown == ["footer", "sidebar"]
    assert raised.value.known == ["banner", "narrow", "tip", "welcome"]


def test_content_is_found_by_its_hash():
    chosen = decide(["tip"]).placements["tip"]

    assert ENGINE.content_for_hash(chosen.content_hash) == chosen.content
    assert ENGINE.content_for_hash("0" * 32) is None


@pytest.mark.parametrize(
    "context", [{"device": {"kind": "mobile"}}, {"device": None}, {"device": 7}, {}]
)
def test_attributes_of_unexpected_types_make_conditions_false(context):
    decision = decide(["tip"], context=context)

    assert decision.placements["tip"].variant == "fallback"
