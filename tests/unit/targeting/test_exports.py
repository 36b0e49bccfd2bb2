"""The public surface of `tailor.targeting`, pinned so a change to it is deliberate."""

from __future__ import annotations

import dataclasses

import pytest

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


def test_the_conformance_runner_reports_in_a_report_that_cannot_change():
    report = conformance.run_conformance({})

    with pytest.raises(dataclasses.FrozenInstanceError):
        report.passed = 1
