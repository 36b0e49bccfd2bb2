"""Errors raised by precompute.

PrecomputeError
├── NothingPublished   there is no configuration to build on
└── EventLogUnreadable the event log could not be read completely
"""

from __future__ import annotations


class PrecomputeError(Exception):
    """Base class of every precompute error."""


class NothingPublished(PrecomputeError):
    """Precompute builds on the published configuration, and there is none."""


class EventLogUnreadable(PrecomputeError):
    """Part of the event log could not be read; no bundle is built from a part."""
