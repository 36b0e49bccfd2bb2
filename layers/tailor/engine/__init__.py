"""The decision engine: which variant each placement shows, and why."""

from tailor.engine.engine import Engine, content_hash_of
from tailor.engine.exceptions import BundleInvalid, EngineError, UnknownPlacement
from tailor.engine.model import (
    Assignment,
    Basis,
    Decision,
    PlacementDecision,
    Profile,
    Reason,
)

__all__ = [
    "Assignment",
    "Basis",
    "BundleInvalid",
    "Decision",
    "Engine",
    "EngineError",
    "PlacementDecision",
    "Profile",
    "Reason",
    "UnknownPlacement",
    "content_hash_of",
]
