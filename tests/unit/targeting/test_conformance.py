"""GrowthBook's cross-SDK cases, every one of them, through Tailor's public API."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tailor.targeting import (
    ConditionError,
    bucket_ranges,
    choose_variation,
    compile_condition,
    equal_weights,
    hash_value,
    in_namespace,
)
from tailor.targeting.conformance import run_conformance

CASES_FILE = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "conformance"
    / "growthbook-cases.json"
)
CASES: dict[str, Any] = json.loads(CASES_FILE.read_text(encoding="utf-8"))

# Cases whose condition Tailor's strict mode refuses on purpose, and why. Each is
# still checked against GrowthBook's answer in GrowthBook mode (strict=False).
REFUSED_IN_STRICT_MODE = {
    "$groups - match": "an attribute name starting with '$' reads as a typo",
    "$groups - no match": "an attribute name starting with '$' reads as a typo",
    "$in - not array": "$in of a number can never match",
    "$nin - not array": "$nin of a number can never match",
    "unknown operator - pass": "an unknown operator can never match",
    "$regex invalid - pass": "a pattern that does not compile can never match",
    "$regex invalid - fail": "a pattern that does not compile can never match",
    "$inGroup fails for unknown group id": "an unknown saved group is a typo",
    "$notInGroup passes for unknown group id": "an unknown saved group is a typo",
}


def _cases(section: str, name_at: int | None) -> list[Any]:
    """The section's cases as pytest params, named by the case (made unique)."""
    params = []
    seen: dict[str, int] = {}
    for case in CASES[section]:
        name = str(case[name_at]) if name_at is not None else json.dumps(case[:-1])
        seen[name] = seen.get(name, 0) + 1
        label = name if seen[name] == 1 else f"{name} ({seen[name]})"
        params.append(pytest.param(case, id=label))
    return params


def _close(expected: float, got: float) -> bool:
    return math.isclose(expected, got, rel_tol=0, abs_tol=1e-6)


def test_the_shared_case_file_holds_every_section_tailor_implements():
    assert set(CASES) == {
        "specVersion",
        "evalCondition",
        "hash",
        "getBucketRange",
        "chooseVariation",
        "inNamespace",
        "getEqualWeights",
    }


@pytest.mark.parametrize("case", _cases("evalCondition", 0))
def test_a_condition_evaluates_as_growthbook_evaluates_it(case):
    _name, condition, attributes, expected, *rest = case
    saved_groups = rest[0] if rest else None

    compiled = compile_condition(condition, saved_groups=saved_groups, strict=False)

    assert compiled(attributes) is expected


@pytest.mark.parametrize("case", _cases("evalCondition", 0))
def test_strict_mode_agrees_with_growthbook_or_refuses_on_purpose(case):
    name, condition, attributes, expected, *rest = case
    saved_groups = rest[0] if rest else None

    if name in REFUSED_IN_STRICT_MODE:
        with pytest.raises(ConditionError):
            compile_condition(condition, saved_groups=saved_groups)
    else:
        compiled = compile_condition(condition, saved_groups=saved_groups)
        assert compiled(attributes) is expected


@pytest.mark.parametrize("case", _cases("hash", None))
def test_a_hash_matches_growthbooks(case):
    seed, value, version, expected = case

    got = hash_value(seed, value, version)

    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert _close(expected, got)


@pytest.mark.parametrize("case", _cases("getBucketRange", 0))
def test_bucket_ranges_match_growthbooks(case):
    _, (count, coverage, weights), expected = case

    got = bucket_ranges(count, coverage, weights)

    assert len(got) == len(expected)
    for (start, end), (want_start, want_end) in zip(got, expected, strict=True):
        assert _close(want_start, start)
        assert _close(want_end, end)


@pytest.mark.parametrize("case", _cases("chooseVariation", 0))
def test_the_chosen_variation_matches_growthbooks(case):
    _, n, ranges, expected = case

    assert choose_variation(n, [tuple(pair) for pair in ranges]) == expected


@pytest.mark.parametrize("case", _cases("inNamespace", 0))
def test_namespace_membership_matches_growthbooks(case):
    _, hash_id, (namespace, start, end), expected = case

    assert in_namespace(hash_id, (namespace, start, end)) is expected


@pytest.mark.parametrize("case", _cases("getEqualWeights", None))
def test_equal_weights_match_growthbooks(case):
    count, expected = case

    got = equal_weights(count)

    assert len(got) == len(expected)
    assert all(_close(want, weight) for want, weight in zip(expected, got, strict=True))


def test_the_runner_passes_the_whole_shared_file():
    report = run_conformance(CASES)

    assert report.failures == []
    assert report.passed == sum(
        len(cases) for key, cases in CASES.items() if key != "specVersion"
    )
    assert report.spec_version == CASES["specVersion"]


def test_the_runner_counts_and_names_a_case_whose_expectation_is_wrong():
    # GIVEN a small document, one of whose cases expects the wrong answer
    document = {
        "evalCondition": [
            ["mobile matches", {"device": "mobile"}, {"device": "mobile"}, True],
            [
                "desktop said to match",
                {"device": "mobile"},
                {"device": "desktop"},
                True,
            ],
        ],
        "hash": [["seed", "a", 2, 0.0505]],
    }

    # WHEN it runs
    report = run_conformance(document)

    # THEN the wrong case is the one failure, named with what was expected and got
    assert (report.passed, report.failed) == (2, 1)
    assert report.failures == [
        "evalCondition / desktop said to match: expected True, got False"
    ]
    assert not report.ok


def test_the_runner_reports_malformed_cases_and_unknown_sections_without_raising():
    document = {
        "evalCondition": [["too short", {"a": 1}]],
        "hash": ["not a list"],
        "getBucketRange": [["no weights", [2, "full", None], []]],
        "feature": [["a section Tailor does not implement"]],
    }

    report = run_conformance(document)

    assert (report.passed, report.failed) == (0, 3)
    assert all("malformed case" in line for line in report.failures)
    assert report.failures[0].startswith("evalCondition #0: ")
    assert report.skipped == [
        "feature: skipped, not a section Tailor implements (1 case not run)"
    ]
