"""Running GrowthBook's cross-SDK test cases against Tailor's targeting.

A case document is GrowthBook's `cases.json` format: an object of sections, each
a list of cases. The sections Tailor implements are run; any other section is
listed in the report as skipped, and a case that is not shaped as its section
expects is a failure, never an exception. Conditions compile in GrowthBook mode
(`strict=False`), since the cases include clauses Tailor's strict mode rejects
on purpose (an unknown operator, an invalid regular expression).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from tailor.targeting.condition import compile_condition
from tailor.targeting.hashing import (
    bucket_ranges,
    choose_variation,
    equal_weights,
    hash_value,
    in_namespace,
)

# Floats from the case document are rounded (equal weights to 8 places), and a
# float sum may differ from its decimal spelling in the last bits.
FLOAT_TOLERANCE: Final = 1e-6

# Keys of a case document that describe it rather than hold cases.
_METADATA_KEYS: Final = frozenset({"specVersion"})


@dataclass(frozen=True)
class ConformanceReport:
    """What a run of a case document found.

    `failures` holds one line per failing case (section, case, expected, got);
    `skipped` one line per section that was not run.
    """

    passed: int
    failed: int
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    spec_version: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every case that ran passed."""
        return self.failed == 0


class _Malformed(Exception):
    """A case is not shaped as its section expects."""


def run_conformance(document: Mapping[str, Any]) -> ConformanceReport:
    """Run every case of every known section of a GrowthBook case document."""
    passed = 0
    failures: list[str] = []
    skipped: list[str] = []

    for section, cases in document.items():
        if section in _METADATA_KEYS:
            continue
        run = _SECTIONS.get(section)
        if run is None:
            count = len(cases) if isinstance(cases, list) else 0
            noun = "case" if count == 1 else "cases"
            skipped.append(
                f"{section}: skipped, not a section Tailor implements "
                f"({count} {noun} not run)"
            )
            continue
        if not isinstance(cases, list):
            failures.append(
                f"{section}: expected a list of cases, got {type(cases).__name__}"
            )
            continue

        for index, case in enumerate(cases):
            failure = _run_case(section, index, case, run)
            if failure is None:
                passed += 1
            else:
                failures.append(failure)

    version = document.get("specVersion")
    return ConformanceReport(
        passed=passed,
        failed=len(failures),
        failures=failures,
        skipped=skipped,
        spec_version=version if isinstance(version, str) else None,
    )


_Check = Callable[[Any], tuple[str, object, object]]


def _run_case(section: str, index: int, case: object, run: _Check) -> str | None:
    """None when the case passes, else its failure line."""
    label = f"{section} #{index}"
    try:
        name, expected, got = run(case)
    except _Malformed as exc:
        return f"{label}: malformed case ({exc})"
    # A case document is input from outside: whatever a case makes the code under
    # test raise is that case's failure, not the end of the run.
    except Exception as exc:
        return f"{label}: raised {type(exc).__name__}: {exc}"

    if _same(expected, got):
        return None
    return f"{section} / {name}: expected {expected!r}, got {got!r}"


def _same(expected: object, got: object) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool) or expected is None:
        return expected is got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(expected, got, rel_tol=0, abs_tol=FLOAT_TOLERANCE)
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(expected) == len(got) and all(
            _same(left, right) for left, right in zip(expected, got, strict=True)
        )
    return expected == got


# ------------------------------------------------------------------- sections


def _eval_condition(case: object) -> tuple[str, object, object]:
    parts = _parts(case, 4, 5)
    name, condition, attributes, expected = parts[:4]
    groups = parts[4] if len(parts) > 4 else None
    if not isinstance(condition, Mapping) or not isinstance(attributes, Mapping):
        raise _Malformed("condition and attributes must be objects")
    if groups is not None and not isinstance(groups, Mapping):
        raise _Malformed("saved groups must be an object")
    _expect(isinstance(expected, bool), "expected result must be true or false")

    compiled = compile_condition(condition, saved_groups=groups, strict=False)
    return str(name), expected, compiled(attributes)


def _hash(case: object) -> tuple[str, object, object]:
    seed, value, version, expected = _parts(case, 4, 4)
    _expect(
        isinstance(seed, str) and isinstance(value, str),
        "seed and value must be strings",
    )
    _expect(isinstance(version, int), "hash version must be an integer")
    _expect(
        expected is None or _is_number(expected),
        "expected hash must be a number or null",
    )
    name = f"hash({seed!r}, {value!r}, version {version})"
    return name, expected, hash_value(seed, value, version)


def _bucket_range(case: object) -> tuple[str, object, object]:
    name, arguments, expected = _parts(case, 3, 3)
    count, coverage, weights = _parts(arguments, 3, 3)
    _expect(
        isinstance(count, int) and _is_number(coverage),
        "count and coverage must be numbers",
    )
    _expect(
        weights is None
        or (isinstance(weights, list) and all(map(_is_number, weights))),
        "weights must be a list of numbers or null",
    )
    got = [list(pair) for pair in bucket_ranges(count, coverage, weights)]
    return str(name), expected, got


def _choose_variation(case: object) -> tuple[str, object, object]:
    name, n, ranges, expected = _parts(case, 4, 4)
    _expect(_is_number(n), "hash value must be a number")
    _expect(isinstance(ranges, list), "ranges must be a list")
    pairs = [tuple(_parts(pair, 2, 2)) for pair in ranges]
    return str(name), expected, choose_variation(n, pairs)


def _in_namespace(case: object) -> tuple[str, object, object]:
    name, hash_id, namespace, expected = _parts(case, 4, 4)
    namespace_id, start, end = _parts(namespace, 3, 3)
    _expect(
        isinstance(hash_id, str) and isinstance(namespace_id, str),
        "ids must be strings",
    )
    _expect(_is_number(start) and _is_number(end), "namespace bounds must be numbers")
    return str(name), expected, in_namespace(hash_id, (namespace_id, start, end))


def _equal_weights(case: object) -> tuple[str, object, object]:
    count, expected = _parts(case, 2, 2)
    _expect(isinstance(count, int), "the count must be an integer")
    return f"equal weights for {count}", expected, equal_weights(count)


_SECTIONS: Final[dict[str, _Check]] = {
    "evalCondition": _eval_condition,
    "hash": _hash,
    "getBucketRange": _bucket_range,
    "chooseVariation": _choose_variation,
    "inNamespace": _in_namespace,
    "getEqualWeights": _equal_weights,
}


def _parts(case: object, fewest: int, most: int) -> Sequence[Any]:
    if not isinstance(case, list) or not fewest <= len(case) <= most:
        size = f"{fewest}" if fewest == most else f"{fewest} to {most}"
        raise _Malformed(f"expected a list of {size} items, got {case!r:.60}")
    return case


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise _Malformed(problem)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
