"""The configuration a product team writes, as pydantic models.

A configuration names the onboarding funnel, how consent categories map to purposes,
what ingest may keep, and the targeting: segments, content, placements with their
ordered rules, experiments, and the features precompute derives from events.
Structure is checked here; references between parts are checked in `validate`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Condition = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FunnelStep(_Model):
    """One onboarding step, completed when its event is received."""

    id: Identifier
    event: str = Field(min_length=1)
    title: str = ""


class Funnel(_Model):
    steps: tuple[FunnelStep, ...] = Field(min_length=1)


class ConsentConfig(_Model):
    """Maps the categories of a consent manager to Tailor's purposes.

    A category is granted only by the boolean `true`; anything else grants nothing.
    """

    categories: dict[str, tuple[Identifier, ...]] = Field(min_length=1)
    store_events: Identifier = "analytics"
    use_profile: Identifier = "personalization"
    send_messages: Identifier = "marketing"


class IngestConfig(_Model):
    """What ingest keeps of each event beyond its type, name and times."""

    traits: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()


class Segment(_Model):
    description: str = ""
    when: Condition = Field(default_factory=dict)
    segments: tuple[Identifier, ...] = ()


class Rule(_Model):
    """Shows `variant`, or runs `experiment`, when `when` and `segments` all hold."""

    id: Identifier
    description: str = ""
    when: Condition = Field(default_factory=dict)
    segments: tuple[Identifier, ...] = ()
    variant: Identifier | None = None
    experiment: Identifier | None = None

    @model_validator(mode="after")
    def _one_outcome(self) -> Rule:
        if (self.variant is None) == (self.experiment is None):
            raise ValueError("a rule needs exactly one of `variant` or `experiment`")
        return self

    @property
    def is_catch_all(self) -> bool:
        """True when the rule shows a variant to everyone who reaches it."""
        return self.variant is not None and not self.when and not self.segments


class Placement(_Model):
    description: str = ""
    rules: tuple[Rule, ...] = ()
    default: Identifier


class ExperimentStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    STOPPED = "stopped"


class Experiment(_Model):
    """A GrowthBook-compatible experiment over variants of one placement."""

    status: ExperimentStatus = ExperimentStatus.DRAFT
    description: str = ""
    variants: tuple[Identifier, ...] = Field(min_length=2)
    weights: tuple[float, ...] | None = None
    coverage: float = Field(default=1.0, ge=0.0, le=1.0)
    seed: str | None = None
    hash_version: Literal[1, 2] = 2
    namespace: tuple[str, float, float] | None = None
    when: Condition = Field(default_factory=dict)
    segments: tuple[Identifier, ...] = ()
    winner: Identifier | None = None
    bucket_version: int = Field(default=0, ge=0)


class CountFeature(_Model):
    """How many times `event` happened, optionally within the last `within_days`."""

    kind: Literal["count"]
    event: str = Field(min_length=1)
    within_days: int | None = Field(default=None, ge=1)


class DidNotWithinFeature(_Model):
    """True when `did` happened and `then` did not follow within `within_hours`."""

    kind: Literal["did_not_within"]
    did: str = Field(min_length=1)
    then: str = Field(min_length=1)
    within_hours: float = Field(gt=0)


Feature = Annotated[CountFeature | DidNotWithinFeature, Field(discriminator="kind")]


class Configuration(_Model):
    """Everything a product team configures, as loaded from YAML or JSON."""

    product: str = Field(min_length=1)
    funnel: Funnel
    consent: ConsentConfig
    ingest: IngestConfig = IngestConfig()
    saved_groups: dict[str, tuple[Any, ...]] = Field(default_factory=dict)
    segments: dict[Identifier, Segment] = Field(default_factory=dict)
    content: dict[Identifier, dict[str, Any]] = Field(min_length=1)
    placements: dict[Identifier, Placement] = Field(min_length=1)
    experiments: dict[Identifier, Experiment] = Field(default_factory=dict)
    features: dict[Identifier, Feature] = Field(default_factory=dict)
