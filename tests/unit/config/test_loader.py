"""`tailor validate`: every problem in a configuration, with file, line and hint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tailor.config import ConfigInvalid, load_config
from tailor_infra.cli import main

DEMO = Path(__file__).resolve().parents[3] / "config"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEMO, target)
    return target


def problems(path: Path) -> list:
    with pytest.raises(ConfigInvalid) as raised:
        load_config(path)
    return raised.value.problems


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, text: str) -> int:
    return next(
        n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line
    )


def test_the_demo_configuration_is_valid():
    config = load_config(DEMO)

    assert set(config.placements) == {"welcome", "next_step", "tip"}


def test_an_unknown_operator_is_named_with_file_line_and_a_hint(config_dir: Path):
    file = config_dir / "placements.yaml"
    replace(
        file,
        "{context.device: {$in: [mobile, tablet]}}",
        "{context.device: {$inn: [mobile, tablet]}}",
    )

    (problem,) = problems(config_dir)

    assert problem.file == str(file)
    assert problem.line == line_of(file, "$inn")
    assert "$inn" in problem.message
    assert problem.hint
    assert "$in" in problem.hint


def test_an_invalid_regex_is_refused_at_validation(config_dir: Path):
    file = config_dir / "segments.yaml"
    replace(
        file, "traits.plan: {$in: [team, business]}", "traits.plan: {$regex: '(team'}"
    )

    (problem,) = problems(config_dir)

    assert problem.line == line_of(file, "$regex")
    assert "regex" in problem.message.lower() or "pattern" in problem.message.lower()


def test_an_unknown_segment_gets_a_did_you_mean(config_dir: Path):
    file = config_dir / "placements.yaml"
    replace(file, "segments: [stalled]", "segments: [staled]")

    (problem,) = problems(config_dir)

    assert "unknown segment 'staled'" in problem.message
    assert problem.hint == "did you mean 'stalled'?"
    assert problem.line == line_of(file, "[staled]")


def test_weights_that_do_not_sum_to_one_are_refused(config_dir: Path):
    replace(config_dir / "experiments.yaml", "[0.34, 0.33, 0.33]", "[0.5, 0.33, 0.33]")

    (problem,) = problems(config_dir)

    assert "weights sum to 1.16, not 1" in problem.message


def test_a_duplicate_id_across_files_is_refused_with_both_places(config_dir: Path):
    (config_dir / "more.yaml").write_text(
        "content:\n  tip_shortcuts:\n    title: again\n"
    )

    (problem,) = problems(config_dir)

    assert "duplicate id 'tip_shortcuts'" in problem.message
    assert problem.file.endswith("more.yaml")
    assert problem.line == 2
    assert "content.yaml" in problem.hint


def test_a_duplicate_key_in_one_mapping_is_refused(config_dir: Path):
    (config_dir / "more.yaml").write_text("saved_groups:\n  staff: [a]\n  staff: [b]\n")

    (problem,) = problems(config_dir)

    assert "duplicate key 'staff'" in problem.message
    assert problem.line == 3


def test_a_rule_after_a_catch_all_can_never_match(config_dir: Path):
    file = config_dir / "placements.yaml"
    replace(
        file,
        "      - id: mobile_tip\n",
        "      - id: everyone\n"
        "        variant: tip_shortcuts\n"
        "      - id: mobile_tip\n",
    )

    found = problems(config_dir)

    assert any("rule 'mobile_tip' can never match" in p.message for p in found)


def test_a_variant_without_content_is_refused(config_dir: Path):
    replace(
        config_dir / "placements.yaml",
        "variant: tip_mobile_app",
        "variant: tip_mobile_ap",
    )

    (problem,) = problems(config_dir)

    assert "variant 'tip_mobile_ap' has no content" in problem.message
    assert problem.hint == "did you mean 'tip_mobile_app'?"


def test_a_segment_cycle_is_refused(config_dir: Path):
    (config_dir / "more.yaml").write_text(
        "segments:\n  a:\n    segments: [b]\n  b:\n    segments: [a]\n"
    )

    found = problems(config_dir)

    assert any("cycle" in p.message for p in found)


def test_an_unknown_field_is_named_with_a_suggestion(config_dir: Path):
    replace(config_dir / "experiments.yaml", "coverage: 1.0", "coverag: 1.0")

    (problem,) = problems(config_dir)

    assert "unknown field 'coverag'" in problem.message
    assert problem.hint == "did you mean 'coverage'?"


def test_broken_yaml_is_reported_with_its_line(config_dir: Path):
    (config_dir / "more.yaml").write_text("segments:\n  a: [unclosed\n")

    (problem,) = problems(config_dir)

    assert "not valid YAML" in problem.message
    assert problem.file.endswith("more.yaml")


def test_every_problem_is_reported_not_only_the_first(config_dir: Path):
    replace(config_dir / "placements.yaml", "segments: [stalled]", "segments: [nope]")
    replace(config_dir / "placements.yaml", "variant: tip_mobile_app", "variant: nope")

    assert len(problems(config_dir)) == 2


def test_the_validate_command_prints_problems_and_exits_1(config_dir: Path, capsys):
    replace(config_dir / "placements.yaml", "segments: [stalled]", "segments: [nope]")

    status = main(["validate", str(config_dir)])

    output = capsys.readouterr().out
    assert status == 1
    assert "placements.yaml:" in output
    assert "unknown segment 'nope'" in output
    assert "1 problem(s) found." in output


def test_the_validate_command_accepts_the_demo(capsys):
    assert main(["validate", str(DEMO)]) == 0
    assert "valid" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("product: x\n? [a, b]\n: 1\n", "mapping key must be a plain value"),
        ("product: !!int abc\n", "not a valid value"),
        ("product: !!timestamp 2020-13-45\n", "not a valid value"),
        ("product: !secret x\n", "could not determine a constructor"),
        ("a: &a [*a]\n", "nested too deeply"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, n in zip("abcdefg", "bcdefgh", strict=True)
            ),
            "aliases expanding",
        ),
    ],
)
def test_yaml_that_python_cannot_build_is_a_problem_not_a_crash(
    tmp_path: Path, text: str, expected: str
):
    file = tmp_path / "config.yaml"
    file.write_text(text)

    (problem,) = problems(file)

    assert expected in problem.message
    assert problem.file == str(file)
