"""What the engine decides, and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why a placement shows the variant it shows."""

    RULE_MATCH = "rule_match"
    EXPERIMENT = "experiment"
    EXPERIMENT_WINNER = "experiment_winner"
    DEFAULT = "default"
    CONSENT_MISSING = "consent_missing"
    DEGRADED = "degraded"


class Basis(StrEnum):
    """What the decision could use: the subject's profile, or the request alone."""

    PROFILE = "profile"
    CONTEXT = "context"


@dataclass(frozen=True, slots=True)
class Profile:
    """What the edge knows of a subject, as read from its profile records.

    `facts` and `traits` are written by ingest as events arrive; `features`,
    `segments`, `cluster` and `scores` by precompute; `assignments` maps an
    experiment id to the variant and bucket version the subject was given.
    """

    facts: Mapping[str, Any] = field(default_factory=dict)
    traits: Mapping[str, Any] = field(default_factory=dict)
    features: Mapping[str, Any] = field(default_factory=dict)
    segments: tuple[str, ...] = ()
    cluster: int | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    assignments: Mapping[str, tuple[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlacementDecision:
    """The variant chosen for one placement, with its content and the reason."""

    variant: str
    content: Mapping[str, Any]
    content_hash: str
    reason: Reason
    rule: str | None = None
    experiment: str | None = None
    trace: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Assignment:
    """An experiment variant given to a subject for the first time."""

    experiment: str
    variant: str
    bucket_version: int


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer for one request."""

    bundle_version: str
    basis: Basis
    placements: Mapping[str, PlacementDecision]
    segments: tuple[str, ...]
    new_assignments: tuple[Assignment, ...] = ()
