"""The `tailor` command acting on a running local stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .conftest import RunningStack

pytestmark = pytest.mark.e2e

TAILOR = str(Path(sys.executable).parent / "tailor")


def tailor(stack: RunningStack, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TAILOR, *arguments],
        env={**os.environ, "TAILOR_STATE_FILE": str(stack.state_file)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_explain_says_why_each_rule_matched_or_was_skipped(local_stack: RunningStack):
    result = tailor(
        local_stack,
        "explain",
        "--anonymous-id",
        "nobody-known-here",
        "--placement",
        "tip",
        "--device",
        "desktop",
        "--country",
        "DE",
    )

    assert result.returncode == 0, result.stderr
    assert "tip: tip_eu_residency (rule_match)" in result.stdout
    assert "rule `mobile_tip` skipped: context.device is 'desktop'" in result.stdout
    assert "rule `eu_residency_tip` matched" in result.stdout


def test_a_token_from_the_command_line_makes_decide_see_a_known_user(
    local_stack: RunningStack,
):
    token = tailor(local_stack, "token", "user-from-cli").stdout.strip()

    request = urllib.request.Request(
        f"{local_stack.url}/v1/decide?placement=tip",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())

    assert answer["identity"] == "known"


def test_bundles_can_be_listed_and_rolled_back(local_stack: RunningStack):
    listing = tailor(local_stack, "bundles", "list")
    versions = [line[2:] for line in listing.stdout.splitlines()]
    active = next(
        line[2:] for line in listing.stdout.splitlines() if line.startswith("*")
    )

    result = tailor(local_stack, "bundles", "rollback", versions[0])
    after = tailor(local_stack, "bundles", "list").stdout

    assert result.returncode == 0, result.stderr
    assert f"* {versions[0]}" in after
    tailor(local_stack, "bundles", "rollback", active)


def test_rolling_back_to_an_unknown_version_fails_clearly(local_stack: RunningStack):
    result = tailor(local_stack, "bundles", "rollback", "20000101T000000Z-nope")

    assert result.returncode == 1
    assert "no bundle 20000101T000000Z-nope" in result.stderr


def test_conformance_runs_a_growthbook_case_file(tmp_path: Path):
    cases = {
        "evalCondition": [
            ["equal", {"a": 1}, {"a": 1}, True],
            ["deliberately wrong", {"a": 1}, {"a": 2}, True],
        ]
    }
    file = tmp_path / "cases.json"
    file.write_text(json.dumps(cases))

    result = subprocess.run(
        [TAILOR, "conformance", str(file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout.strip().endswith("1 passed, 1 failed")
    assert "deliberately wrong" in result.stdout
