"""Bucketing: hashing, ranges and choices beyond GrowthBook's shared cases."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from tailor.targeting import (
    bucket_ranges,
    choose_variation,
    equal_weights,
    hash_value,
    in_namespace,
)


def test_an_unknown_hash_version_gives_no_bucket():
    assert hash_value("seed", "subject", 3) is None


@given(st.text(max_size=20), st.text(max_size=40), st.sampled_from([1, 2]))
def test_a_hash_is_a_number_in_the_unit_interval_and_the_same_every_time(
    seed, value, version
):
    first = hash_value(seed, value, version)

    assert first is not None
    assert 0 <= first < 1
    assert hash_value(seed, value, version) == first


@given(
    st.integers(min_value=1, max_value=8),
    st.floats(min_value=0, max_value=1),
    st.data(),
)
def test_ranges_sit_side_by_side_each_covering_its_share_of_its_weight(
    count, coverage, data
):
    # GIVEN weights that sum to 1
    raw = data.draw(st.lists(st.floats(0.01, 1), min_size=count, max_size=count))
    weights = [weight / sum(raw) for weight in raw]

    # WHEN the ranges are built
    ranges = bucket_ranges(count, coverage, weights)

    # THEN each starts where the previous variant's weight ended, and is as wide
    # as coverage times its weight
    start = 0.0
    for (low, high), weight in zip(ranges, weights, strict=True):
        assert math.isclose(low, start, abs_tol=1e-9)
        assert math.isclose(high - low, coverage * weight, abs_tol=1e-9)
        start += weight


def test_weights_that_do_not_fit_are_replaced_by_equal_weights():
    assert bucket_ranges(2, 1, [0.9, 0.3]) == [(0.0, 0.5), (0.5, 1.0)]
    assert bucket_ranges(3, 1, [0.5, 0.5]) == bucket_ranges(3, 1, None)


def test_equal_weights_sum_to_one_and_are_empty_without_variants():
    assert math.isclose(sum(equal_weights(7)), 1)
    assert equal_weights(0) == []


@given(st.text(min_size=1, max_size=36))
def test_a_subject_falls_in_exactly_one_variant_under_full_coverage(subject):
    ranges = bucket_ranges(3, 1, [0.2, 0.3, 0.5])

    n = hash_value("welcome-test", subject, 2)

    assert n is not None
    assert 0 <= choose_variation(n, ranges) < 3


def test_a_subject_outside_the_covered_ranges_gets_no_variant():
    assert choose_variation(0.3, [(0.0, 0.25), (0.5, 0.75)]) == -1


@given(st.text(min_size=1, max_size=36))
def test_the_two_halves_of_a_namespace_split_every_subject_between_them(subject):
    first = in_namespace(subject, ("onboarding", 0, 0.5))
    second = in_namespace(subject, ("onboarding", 0.5, 1))

    assert first != second
