"""Targeting: GrowthBook's condition language as fast predicates, and bucketing.

- `compile_condition(condition, saved_groups=...)` checks a condition once and
  returns a `Condition`: call it with attributes, ask it to `explain` a miss,
  read the attribute `paths` it uses.
- `hash_value`, `bucket_ranges`, `choose_variation`, `in_namespace` and
  `equal_weights` bucket subjects into experiments as GrowthBook does.
- `tailor.targeting.conformance.run_conformance(document)` runs GrowthBook's
  cross-SDK test cases against all of the above.
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
