"""Synthetic configurations shaped like a real product's, for the benchmarks.

`decision_workload` builds the budget's reference decision: 10 placements with 100
rules between them, 5 experiments and 20 segments, mixing context, fact, trait and
segment conditions the way the demo configuration does.
"""

from __future__ import annotations

import random
from typing import Any

DEVICES = ["mobile", "tablet", "desktop"]
COUNTRIES = ["US", "DE", "IN", "BR", "GB", "JP", "FR", "NL"]
STEPS = ["profile_completed", "project_created", "teammate_invited", "integration"]
PLANS = ["free", "team", "business"]


def _condition(rng: random.Random, index: int) -> dict[str, Any]:
    kind = index % 6
    if kind == 0:
        return {"context.device": {"$in": rng.sample(DEVICES, 1)}}
    if kind == 1:
        return {"context.country": {"$in": rng.sample(COUNTRIES, 3)}}
    if kind == 2:
        return {"facts.steps": {"$nin": [rng.choice(STEPS)]}}
    if kind == 3:
        return {
            "traits.plan": {"$in": rng.sample(PLANS, 2)},
            "facts.event_count": {"$gte": rng.randint(5, 40)},
        }
    if kind == 4:
        return {
            "context.hour": {"$gte": rng.randint(0, 12), "$lt": rng.randint(13, 24)}
        }
    return {
        "$or": [
            {"context.language": {"$regex": "^(de|fr)"}},
            {"facts.steps": {"$size": {"$gte": rng.randint(2, 4)}}},
        ]
    }


def decision_workload(
    *,
    placements: int = 10,
    rules: int = 100,
    experiments: int = 5,
    segments: int = 20,
    seed: int = 11,
) -> dict[str, Any]:
    """A bundle configuration of the given size (the shape of `config/` models)."""
    rng = random.Random(seed)
    segment_ids = [f"segment_{n}" for n in range(segments)]
    config: dict[str, Any] = {
        "segments": {
            name: {"when": _condition(rng, n + 1)} for n, name in enumerate(segment_ids)
        },
        "content": {},
        "experiments": {},
        "placements": {},
    }

    variant = 0

    def new_variant() -> str:
        nonlocal variant
        variant += 1
        name = f"variant_{variant}"
        config["content"][name] = {"title": f"Title {variant}", "body": "Body " * 8}
        return name

    for n in range(experiments):
        config["experiments"][f"experiment_{n}"] = {
            "status": "running",
            "variants": [new_variant() for _ in range(3)],
            "weights": [0.34, 0.33, 0.33],
            "coverage": 1.0,
        }

    per_placement = rules // placements
    for p in range(placements):
        placement_rules: list[dict[str, Any]] = []
        for r in range(per_placement):
            rule: dict[str, Any] = {"id": f"rule_{p}_{r}"}
            if p < experiments and r == per_placement - 1:
                rule["experiment"] = f"experiment_{p}"
            else:
                rule["variant"] = new_variant()
                if r % 4 == 3:
                    rule["segments"] = [rng.choice(segment_ids)]
                else:
                    rule["when"] = _condition(rng, r)
            placement_rules.append(rule)
        config["placements"][f"placement_{p}"] = {
            "rules": placement_rules,
            "default": new_variant(),
        }
    return config


def visitors(
    count: int, *, seed: int = 5
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(context, profile facts and traits) pairs of plausible visitors."""
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        context = {
            "device": rng.choice(DEVICES),
            "country": rng.choice(COUNTRIES),
            "language": rng.choice(["en", "de", "fr", "pt", "ja"]),
            "hour": rng.randint(0, 23),
            "weekday": rng.randint(0, 6),
        }
        profile = {
            "facts": {
                "steps": rng.sample(STEPS, rng.randint(0, 4)),
                "event_count": rng.randint(1, 60),
            },
            "traits": {"plan": rng.choice(PLANS)},
        }
        result.append((context, profile))
    return result
