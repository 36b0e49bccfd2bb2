"""The configuration product teams write: models, loading and validation."""

from tailor.config.exceptions import ConfigError, ConfigInvalid, Problem
from tailor.config.loader import load_config
from tailor.config.models import (
    Configuration,
    Experiment,
    ExperimentStatus,
    Placement,
    Rule,
    Segment,
)
from tailor.config.validate import segment_order

__all__ = [
    "ConfigError",
    "ConfigInvalid",
    "Configuration",
    "Experiment",
    "ExperimentStatus",
    "Placement",
    "Problem",
    "Rule",
    "Segment",
    "load_config",
    "segment_order",
]
