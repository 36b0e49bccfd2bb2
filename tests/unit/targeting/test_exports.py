"""The public surface of `tailor.targeting`, pinned so a change to it is deliberate."""

from __future__ import annotations

import tailor.targeting
from tailor.targeting import conformance


def test_the_package_exports_exactly_its_documented_names():
    assert sorted(tailor.targeting.__all__) == [
        "Condition",
        "ConditionError",
        "TargetingError",
        "bucket_ranges",
        "choose_variation",
        "compile_condition",
        "equal_weights",
        "hash_value",
        "in_namespace",
    ]
    for name in tailor.targeting.__all__:
        assert getattr(tailor.targeting, name) is not None


def test_the_conformance_runner_lives_in_its_own_module():
    assert callable(conformance.run_conformance)
    assert conformance.ConformanceReport.__dataclass_params__.frozen  # type: ignore[attr-defined]
