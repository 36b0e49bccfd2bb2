"""Tailor: personalized onboarding at the edge.

The package is shipped as a Lambda layer and holds what both the edge functions and
the precompute jobs share: the targeting language, the decision engine, the bundle
codec, identity and consent, and the storage adapters.
"""

__version__ = "0.1.0"
