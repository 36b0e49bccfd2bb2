"""One full decision in-process, warm: Tailor's engine beside GrowthBook's Python
SDK and Powertools' feature flags on the same workload.

The reference decision has 10 placements, 100 rules, 5 experiments and 20 segments
(`workloads.decision_workload`). Tailor is measured twice: a returning visitor,
whose experiment assignments are stored on the profile, and a first-time visitor,
whom every experiment hashes. GrowthBook evaluates the same placements as features
with the same conditions (segments inlined) and experiment rules; Powertools'
feature flags cannot express `$or`, regexes or array sizes, so its rules keep the
conditions it can express — a lighter workload, which favours it.

    .venv/bin/python benchmarks/bench_engine.py [--rounds 20000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import decision_workload, visitors

from tailor.engine import Engine, Profile

RESULTS = Path(__file__).resolve().parent / "results" / "engine.json"


def percentiles(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_us": ordered[len(ordered) // 2] / 1000,
        "p99_us": ordered[int(len(ordered) * 0.99)] / 1000,
        "mean_us": statistics.fmean(ordered) / 1000,
    }


def measure(
    decide: Callable[[int], object], rounds: int, warmup: int = 500
) -> dict[str, float]:
    for n in range(warmup):
        decide(n)
    clock = time.perf_counter_ns
    samples = []
    for n in range(rounds):
        started = clock()
        decide(n)
        samples.append(clock() - started)
    return percentiles(samples)


def tailor_decider(config: dict[str, Any], people: list, *, returning: bool):
    engine = Engine.compile(config, version="bench")
    placements = sorted(engine.placements)
    profiles = []
    for index, (_, data) in enumerate(people):
        assignments = {}
        if returning:
            first = engine.decide(
                placements,
                context=people[index][0],
                profile=Profile(facts=data["facts"], traits=data["traits"]),
                subject=f"a_{index}",
            )
            assignments = {
                a.experiment: (a.variant, a.bucket_version)
                for a in first.new_assignments
            }
        profiles.append(
            Profile(facts=data["facts"], traits=data["traits"], assignments=assignments)
        )

    def decide(n: int) -> object:
        index = n % len(people)
        return engine.decide(
            placements,
            context=people[index][0],
            profile=profiles[index],
            subject=f"a_{index}",
        )

    return decide


def growthbook_decider(config: dict[str, Any], people: list):
    from growthbook import GrowthBook

    segments = config["segments"]
    features: dict[str, Any] = {}
    for name, placement in config["placements"].items():
        rules = []
        for rule in placement["rules"]:
            if "experiment" in rule:
                experiment = config["experiments"][rule["experiment"]]
                rules.append(
                    {
                        "key": rule["experiment"],
                        "variations": experiment["variants"],
                        "weights": experiment["weights"],
                        "coverage": experiment["coverage"],
                        "hashAttribute": "id",
                        "hashVersion": 2,
                    }
                )
                continue
            parts = [rule.get("when") or {}]
            parts += [segments[s]["when"] for s in rule.get("segments", [])]
            rules.append({"condition": {"$and": parts}, "force": rule["variant"]})
        features[name] = {"defaultValue": placement["default"], "rules": rules}

    placements = sorted(features)

    def decide(n: int) -> object:
        index = n % len(people)
        context, data = people[index]
        gb = GrowthBook(
            attributes={"id": f"a_{index}", "context": context, **data},
            features=features,
        )
        return [gb.eval_feature(name).value for name in placements]

    return decide


def powertools_decider(config: dict[str, Any], people: list):
    from aws_lambda_powertools.utilities.feature_flags import FeatureFlags
    from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider

    def conditions(when: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for path, test in when.items():
            if path.startswith("$") or not isinstance(test, dict):
                continue
            key = path.split(".")[-1]
            for operator, value in test.items():
                action = {
                    "$in": "KEY_IN_VALUE",
                    "$nin": "NONE_IN_VALUE",
                    "$gte": "KEY_GREATER_THAN_OR_EQUAL_VALUE",
                    "$lt": "KEY_LESS_THAN_VALUE",
                }.get(operator)
                if action is not None:
                    found.append(
                        {
                            "action": action,
                            "key": key,
                            "value": value
                            if isinstance(value, list)
                            or action.startswith("KEY_G")
                            or action.startswith("KEY_L")
                            else [value],
                        }
                    )
        return found or [{"action": "EQUALS", "key": "always", "value": True}]

    segments = config["segments"]
    schema: dict[str, Any] = {}
    for name, placement in config["placements"].items():
        rules: dict[str, Any] = {}
        for rule in placement["rules"]:
            if "experiment" in rule:
                rules[rule["id"]] = {
                    "when_match": rule["id"],
                    "conditions": [
                        {
                            "action": "MODULO_RANGE",
                            "key": "bucket",
                            "value": {"BASE": 3, "START": 0, "END": 0},
                        }
                    ],
                }
                continue
            when = dict(rule.get("when") or {})
            for segment in rule.get("segments", []):
                when.update(segments[segment]["when"])
            rules[rule["id"]] = {
                "when_match": rule["variant"],
                "conditions": conditions(when),
            }
        schema[name] = {
            "default": placement["default"],
            "boolean_type": False,
            "rules": rules,
        }

    class Store(StoreProvider):
        @property
        def get_raw_configuration(self) -> dict[str, Any]:
            return schema

        def get_configuration(self) -> dict[str, Any]:
            return schema

    flags = FeatureFlags(store=Store())
    placements = sorted(schema)

    def decide(n: int) -> object:
        index = n % len(people)
        context, data = people[index]
        flat = {
            **context,
            **data["facts"],
            **data["traits"],
            "bucket": index,
            "always": True,
        }
        return [
            flags.evaluate(name=name, context=flat, default="") for name in placements
        ]

    return decide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20000)
    arguments = parser.parse_args()

    config = decision_workload()
    people = visitors(500)
    results = {
        "tailor_returning": measure(
            tailor_decider(config, people, returning=True), arguments.rounds
        ),
        "tailor_first_visit": measure(
            tailor_decider(config, people, returning=False), arguments.rounds
        ),
        "growthbook": measure(
            growthbook_decider(config, people), arguments.rounds // 10, warmup=50
        ),
        "powertools_feature_flags": measure(
            powertools_decider(config, people), arguments.rounds // 10, warmup=50
        ),
    }
    fastest_other = min(
        results["growthbook"]["p50_us"], results["powertools_feature_flags"]["p50_us"]
    )
    results["ratio_vs_fastest_other_p50"] = {
        "returning": fastest_other / results["tailor_returning"]["p50_us"],
        "first_visit": fastest_other / results["tailor_first_visit"]["p50_us"],
    }

    print("one decision: 10 placements, 100 rules, 5 experiments, 20 segments (warm)")
    for name in (
        "tailor_returning",
        "tailor_first_visit",
        "growthbook",
        "powertools_feature_flags",
    ):
        r = results[name]
        print(f"  {name:<26} p50 {r['p50_us']:8.1f} µs   p99 {r['p99_us']:8.1f} µs")
    ratios = results["ratio_vs_fastest_other_p50"]
    print(
        f"  Tailor is {ratios['returning']:.0f}x (returning) and "
        f"{ratios['first_visit']:.0f}x (first visit) faster than the faster other"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
