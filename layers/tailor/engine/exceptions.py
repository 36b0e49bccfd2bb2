"""Errors raised by the decision engine.

EngineError
├── UnknownPlacement   a request named placements the bundle does not have
└── BundleInvalid      a bundle body the engine cannot compile
"""

from __future__ import annotations

from collections.abc import Iterable


class EngineError(Exception):
    """Base class of every decision engine error."""


class UnknownPlacement(EngineError):
    """The request asked for placements that the active bundle does not define."""

    def __init__(self, unknown: Iterable[str], known: Iterable[str]) -> None:
        self.unknown = sorted(unknown)
        self.known = sorted(known)
        super().__init__(
            f"unknown placement(s) {', '.join(self.unknown)}; "
            f"known placements: {', '.join(self.known)}"
        )


class BundleInvalid(EngineError):
    """The bundle body does not describe a usable configuration."""
