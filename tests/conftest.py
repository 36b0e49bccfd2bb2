"""Fixtures shared by every tier of Tailor's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "config"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def demo_config_dir() -> Path:
    return CONFIG_DIR
