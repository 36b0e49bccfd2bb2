"""The generated fast path and the traced path must always agree."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tailor.config import load_config
from tailor.engine import Engine, Profile

CONFIG = load_config(Path(__file__).resolve().parents[3] / "config")
ENGINE = Engine.compile(CONFIG.model_dump(mode="json"), version="test")
PLACEMENTS = sorted(ENGINE.placements)
STEPS = [step.id for step in CONFIG.funnel.steps]

contexts = st.fixed_dictionaries(
    {},
    optional={
        "device": st.sampled_from(["mobile", "tablet", "desktop", "tv"]),
        "country": st.sampled_from(["DE", "US", "FR", "IN"]),
        "hour": st.integers(0, 23),
        "language": st.sampled_from(["de", "en", "fr"]),
    },
)
profiles = st.none() | st.builds(
    Profile,
    facts=st.fixed_dictionaries(
        {"steps": st.lists(st.sampled_from(STEPS), unique=True)}
    ),
    traits=st.fixed_dictionaries(
        {}, optional={"plan": st.sampled_from(["free", "team"])}
    ),
    features=st.fixed_dictionaries(
        {},
        optional={
            "active_days": st.integers(0, 9),
            "stalled_after_profile": st.booleans(),
        },
    ),
    segments=st.lists(st.sampled_from(["stalled", "engaged"]), unique=True).map(tuple),
    assignments=st.dictionaries(
        st.just("welcome_copy"),
        st.tuples(
            st.sampled_from(["welcome_default", "welcome_social"]), st.integers(0, 1)
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@given(context=contexts, profile=profiles, subject=st.text(min_size=1, max_size=12))
def test_fast_and_traced_decisions_agree(context, profile, subject):
    fast = ENGINE.decide(PLACEMENTS, context=context, profile=profile, subject=subject)
    traced = ENGINE.decide(
        PLACEMENTS, context=context, profile=profile, subject=subject, explain=True
    )

    assert fast.segments == traced.segments
    assert fast.new_assignments == traced.new_assignments
    for name in PLACEMENTS:
        a, b = fast.placements[name], traced.placements[name]
        assert (a.variant, a.reason, a.rule, a.experiment) == (
            b.variant,
            b.reason,
            b.rule,
            b.experiment,
        )
