"""Time Tailor's compiled conditions against GrowthBook's own evaluator.

Usage: .venv/bin/python benchmarks/bench_conditions.py [--number N] [--repeat R]

For each of ~20 conditions of the kind Tailor's configuration holds, evaluates it
against a mix of visitors and prints nanoseconds per evaluation for:

- tailor   `condition(attributes)`, the public call;
- match    `condition.match(attributes)`, the generated function without the call
           layer (what the decision engine's loops can use);
- gb       `growthbook.core.evalCondition(attributes, condition, saved_groups)`,
           which interprets the condition document on every call;

and the ratio gb / tailor. Each figure is the best of R runs of N evaluations per
visitor, so it measures the code rather than the machine's other load. Compile
time per condition is printed too, paid once when a bundle loads: "new" for the
first condition of its shape (Python compiles the generated source), "again" for
one whose shape was compiled before (only the constants differ). The
script also counts visitors on which Tailor and GrowthBook disagree; the
installed GrowthBook may implement a later spec than the 0.7.1 cases Tailor
follows, so a disagreement is reported, not fatal.

Never run by pytest: it makes no assertions and its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from growthbook.core import evalCondition

from tailor.targeting import compile_condition

SAVED_GROUPS: dict[str, list[Any]] = {
    "beta_testers": [f"user-{n}" for n in range(0, 400, 7)],
    "internal": ["user-1", "user-2", "user-3"],
}

CONDITIONS: list[tuple[str, dict[str, Any]]] = [
    ("device in list", {"context.device": {"$in": ["mobile", "tablet"]}}),
    ("country equals", {"context.country": "DE"}),
    ("country not in", {"context.country": {"$nin": ["US", "CA", "GB"]}}),
    ("morning hours", {"context.hour": {"$gte": 6, "$lt": 12}}),
    ("weekend", {"context.weekday": {"$in": [5, 6]}}),
    ("step done", {"facts.steps": {"$elemMatch": {"$eq": "project_created"}}}),
    ("steps all", {"facts.steps": {"$all": ["account_created", "profile_completed"]}}),
    ("step not done", {"facts.steps": {"$nin": ["teammate_invited"]}}),
    ("few steps", {"facts.steps": {"$size": {"$lt": 2}}}),
    ("active user", {"facts.event_count": {"$gt": 20}}),
    ("recent", {"facts.last_seen": {"$gte": 1_790_000_000}}),
    ("plan any case", {"traits.plan": {"$ini": ["pro", "team"]}}),
    ("company known", {"traits.company": {"$exists": True}}),
    ("agent regex", {"traits.agent": {"$regex": "Mobile|Android|iPhone"}}),
    ("app version", {"traits.app_version": {"$vgte": "2.0.0", "$vlt": "3.0.0"}}),
    ("in segment", {"segments": "power_users"}),
    ("saved group", {"traits.user": {"$inGroup": "beta_testers"}}),
    (
        "feature score",
        {"features.sessions_7d": {"$gte": 3}, "scores.churn": {"$lt": 0.4}},
    ),
    (
        "or of contexts",
        {
            "$or": [
                {"context.device": "mobile", "context.hour": {"$gte": 18}},
                {"context.country": {"$in": ["DE", "AT", "CH"]}},
            ]
        },
    ),
    (
        "onboarding rule",
        {
            "context.device": {"$in": ["desktop", "tablet"]},
            "facts.steps": {"$all": ["account_created"]},
            "$not": {"facts.steps": {"$elemMatch": {"$eq": "project_created"}}},
            "facts.event_count": {"$gte": 2, "$lte": 50},
        },
    ),
]


def _visitor(number: int) -> dict[str, Any]:
    """A visitor document of the kind the decision engine builds."""
    steps = [
        "account_created",
        "profile_completed",
        "project_created",
        "teammate_invited",
        "integration_connected",
    ][: number % 6]
    visitor: dict[str, Any] = {
        "context": {
            "country": ["DE", "US", "FR", "AT", "GB"][number % 5],
            "device": ["mobile", "desktop", "tablet"][number % 3],
            "platform": "web",
            "language": ["de", "en", "fr"][number % 3],
            "hour": (number * 7) % 24,
            "weekday": number % 7,
        },
        "segments": ["new_users", "power_users"][: number % 3],
        "cluster": number % 4,
    }
    if number % 4:  # some visitors are anonymous: no profile facts at all
        visitor["facts"] = {
            "steps": steps,
            "event_count": number * 3,
            "first_seen": 1_780_000_000 + number,
            "last_seen": 1_789_000_000 + number * 50_000,
        }
        visitor["traits"] = {
            "plan": ["Pro", "free", "TEAM"][number % 3],
            "agent": ["Mozilla/5.0 (iPhone)", "Mozilla/5.0 (Macintosh)"][number % 2],
            "app_version": ["1.9.3", "2.4.0", "3.0.0-rc.1"][number % 3],
            "user": f"user-{number}",
        }
        visitor["features"] = {"sessions_7d": number % 6}
        visitor["scores"] = {"churn": (number % 10) / 10}
    if number % 5 == 0:
        visitor.setdefault("traits", {})["company"] = "Example GmbH"
    return visitor


def _best_ns(
    evaluate: Callable[[Mapping[str, Any]], object],
    visitors: list[dict[str, Any]],
    number: int,
    repeat: int,
) -> float:
    """Best nanoseconds per evaluation over `repeat` runs of `number` rounds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        for _ in range(number):
            for visitor in visitors:
                evaluate(visitor)
        runs.append((time.perf_counter_ns() - started) / (number * len(visitors)))
    return min(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000, help="rounds per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the best counts")
    parser.add_argument("--visitors", type=int, default=12, help="visitors per round")
    args = parser.parse_args(argv)

    visitors = [_visitor(number) for number in range(args.visitors)]
    header = (
        f"{'condition':<18} {'new µs':>7} {'again µs':>8} {'tailor ns':>10} "
        f"{'match ns':>9} {'gb ns':>9} {'gb/tailor':>9} {'differ':>6}"
    )
    print(header)
    print("-" * len(header))

    ratios: list[float] = []
    totals = {"tailor": 0.0, "match": 0.0, "gb": 0.0}
    for name, document in CONDITIONS:
        started = time.perf_counter_ns()
        condition = compile_condition(document, saved_groups=SAVED_GROUPS)
        new_us = (time.perf_counter_ns() - started) / 1000
        started = time.perf_counter_ns()
        compile_condition(document, saved_groups=SAVED_GROUPS)
        again_us = (time.perf_counter_ns() - started) / 1000

        def growthbook(visitor: Mapping[str, Any], document: Any = document) -> bool:
            return bool(evalCondition(dict(visitor), document, SAVED_GROUPS))

        differ = sum(condition(v) != growthbook(v) for v in visitors)
        tailor_ns = _best_ns(condition, visitors, args.number, args.repeat)
        match_ns = _best_ns(condition.match, visitors, args.number, args.repeat)
        gb_ns = _best_ns(growthbook, visitors, args.number // 4 or 1, args.repeat)

        ratios.append(gb_ns / tailor_ns)
        totals["tailor"] += tailor_ns
        totals["match"] += match_ns
        totals["gb"] += gb_ns
        print(
            f"{name:<18} {new_us:>7.0f} {again_us:>8.0f} {tailor_ns:>10.0f} "
            f"{match_ns:>9.0f} {gb_ns:>9.0f} {gb_ns / tailor_ns:>8.1f}x {differ:>6}"
        )

    count = len(CONDITIONS)
    print("-" * len(header))
    print(
        f"{'mean':<18} {'':>7} {'':>8} {totals['tailor'] / count:>10.0f} "
        f"{totals['match'] / count:>9.0f} {totals['gb'] / count:>9.0f} "
        f"{statistics.geometric_mean(ratios):>8.1f}x  (geometric mean ratio)"
    )
    print(
        f"python {sys.version.split()[0]}, {len(visitors)} visitors, "
        f"best of {args.repeat} x {args.number} rounds"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
