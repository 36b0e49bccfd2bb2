"""Targeting: GrowthBook's condition language as fast predicates, and bucketing.

compile_condition(condition, saved_groups=...) -> Condition   check once, evaluate fast
hash_value, bucket_ranges, choose_variation, in_namespace,
equal_weights                                                  experiment bucketing
run_conformance(document) -> ConformanceReport                 GrowthBook's shared cases
"""

from tailor.targeting.condition import Condition, compile_condition
from tailor.targeting.exceptions import ConditionError, TargetingError
from tailor.targeting.hashing import (
    bucket_ranges,
    choose_variation,
    equal_weights,
    hash_value,
    in_namespace,
)

__all__ = [
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
