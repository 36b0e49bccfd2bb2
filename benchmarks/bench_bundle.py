"""The bundle on the wire: size, decode time and compile time of a large bundle.

The budget's bundle has 1,000 variants and 500 rules: 50 placements with 10 rules
each, 25 experiments of 4 variants and 60 segments, content of realistic length.

    .venv/bin/python benchmarks/bench_bundle.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import decision_workload

from tailor.bundle import decode_bundle, encode_bundle
from tailor.engine import Engine

FIRST_REQUEST = ["placement_0", "placement_1", "placement_2"]
RESULTS = Path(__file__).resolve().parent / "results" / "bundle.json"


def large_config(variants: int = 1000) -> dict:
    config = decision_workload(placements=50, rules=500, experiments=25, segments=60)
    for experiment in config["experiments"].values():
        extra = experiment["variants"][0] + "_extra"
        experiment["variants"].append(extra)
        experiment["weights"] = [0.25] * 4
        config["content"][extra] = {}
    index = 0
    while len(config["content"]) < variants:
        index += 1
        config["content"][f"library_{index}"] = {"title": f"Tip {index}"}
    # Varied words, so that compression is not flattered by repeated text.
    rng = random.Random(3)
    words = [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9)))
        for _ in range(2000)
    ]
    for name in list(config["content"]):
        config["content"][name] = {
            "title": " ".join(rng.choices(words, k=5)).capitalize(),
            "body": " ".join(rng.choices(words, k=18)).capitalize() + ".",
            "cta": {
                "label": " ".join(rng.choices(words, k=2)),
                "step": "project_created",
            },
        }
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    arguments = parser.parse_args()

    config = large_config()
    rules = sum(len(p["rules"]) for p in config["placements"].values())
    _, data = encode_bundle({"config": config, "models": {}})

    decode, compile_, edge = [], [], []
    for _ in range(arguments.rounds):
        started = time.perf_counter()
        bundle = decode_bundle(data)
        decoded = time.perf_counter()
        Engine.compile(bundle.body["config"], version="bench", eager=True)
        compiled = time.perf_counter()
        decode.append((decoded - started) * 1000)
        compile_.append((compiled - decoded) * 1000)

        # The edge compiles placements on first use: a cold start serving three.
        started = time.perf_counter()
        engine = Engine.compile(bundle.body["config"], version="bench")
        engine.decide(
            FIRST_REQUEST, context={"device": "mobile"}, profile=None, subject=None
        )
        edge.append((time.perf_counter() - started) * 1000)

    results = {
        "variants": len(config["content"]),
        "rules": rules,
        "bytes": len(data),
        "decode_ms_median": statistics.median(decode),
        "compile_ms_median": statistics.median(compile_),
        "decode_and_compile_ms_median": statistics.median(
            d + c for d, c in zip(decode, compile_, strict=True)
        ),
        "first_compile_ms": compile_[0],
        "edge_compile_and_first_decision_ms_median": statistics.median(edge),
    }
    print(f"bundle of {results['variants']} variants and {rules} rules")
    print(f"  size on the wire      {len(data) / 1024:8.1f} KiB")
    print(f"  decode (median)       {results['decode_ms_median']:8.2f} ms")
    print(f"  compile (median)      {results['compile_ms_median']:8.2f} ms")
    print(f"  compile (first, cold) {results['first_compile_ms']:8.2f} ms")
    edge_ms = results["edge_compile_and_first_decision_ms_median"]
    print(f"  edge: lazy compile + first decision of 3 placements {edge_ms:.2f} ms")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
