"""Deterministic bucketing, bit for bit as GrowthBook's SDKs do it.

Each step is a small pure function: hash a subject into [0, 1) with an explicit
algorithm version, build the variants' ranges from weights and coverage, pick
the range the hash falls in. An assignment made here agrees with one made by a
GrowthBook SDK for the same seed, id and weights.

NOTE: The hashes read a string one code point at a time, as GrowthBook's Python
SDK does. Its JavaScript SDK reads UTF-16 code units instead, so for an id with
a character outside the Basic Multilingual Plane (an emoji) the two SDKs, and
so Tailor and the JavaScript SDK, bucket differently. Ids are ASCII in practice.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

_FNV_OFFSET: Final = 0x811C9DC5
_FNV_PRIME: Final = 0x01000193
_UINT32: Final = 0xFFFFFFFF

# Weights whose sum falls outside these bounds are replaced by equal weights.
_LOWEST_WEIGHT_SUM: Final = 0.99
_HIGHEST_WEIGHT_SUM: Final = 1.01


def _fnv1a32(text: str, start: int = _FNV_OFFSET) -> int:
    """32-bit FNV-1a over the code points of `text`, continuing from `start`."""
    state = start
    for character in text:
        state = ((state ^ ord(character)) * _FNV_PRIME) & _UINT32
    return state


@lru_cache(maxsize=1024)
def _seed_state(seed: str) -> int:
    """FNV-1a state after `seed`: version 2 hashes seed then value, and an
    experiment's seed is the same for every subject."""
    return _fnv1a32(seed)


def hash_value(seed: str, value: str, version: int) -> float | None:
    """Hash `value` under `seed` into [0, 1); None for an unknown `version`.

    Version 1 has 1,000 buckets and hashes value then seed; version 2 has 10,000
    and hashes the decimal text of a first hash of seed then value, which spreads
    similar seeds apart.
    """
    if version == 2:
        first = _fnv1a32(value, _seed_state(seed))
        return (_fnv1a32(str(first)) % 10000) / 10000
    if version == 1:
        return (_fnv1a32(seed, _fnv1a32(value)) % 1000) / 1000
    return None


def equal_weights(count: int) -> list[float]:
    """`count` weights of 1/count each; none for fewer than one variant."""
    if count < 1:
        return []
    return [1 / count] * count


def bucket_ranges(
    count: int, coverage: float, weights: Sequence[float] | None
) -> list[tuple[float, float]]:
    """The [start, end) range of each of `count` variants.

    Each variant owns a slice of [0, 1) as wide as its weight and covers the first
    `coverage` share of it (clamped to [0, 1]). Weights that are missing, of the
    wrong length or do not sum to 1 (within 0.01) are replaced by equal weights.
    """
    coverage = min(max(coverage, 0.0), 1.0)
    chosen = list(weights) if weights is not None else []
    total = sum(chosen)
    if len(chosen) != count or not _LOWEST_WEIGHT_SUM <= total <= _HIGHEST_WEIGHT_SUM:
        chosen = equal_weights(count)

    ranges: list[tuple[float, float]] = []
    start = 0.0
    for weight in chosen:
        ranges.append((start, start + coverage * weight))
        start += weight
    return ranges


def choose_variation(n: float, ranges: Sequence[tuple[float, float]]) -> int:
    """The index of the range holding `n`, or -1 when none does."""
    for index, (start, end) in enumerate(ranges):
        if start <= n < end:
            return index
    return -1


def in_namespace(hash_id: str, namespace: tuple[str, float, float]) -> bool:
    """Whether `hash_id` falls in the [start, end) slice of namespace `name`."""
    name, start, end = namespace
    n = hash_value("__" + name, hash_id, 1)
    return n is not None and start <= n < end
