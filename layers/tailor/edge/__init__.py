"""The edge: decide's request handling, request context and identity."""

from tailor.edge.context import request_context
from tailor.edge.exceptions import EdgeError, InvalidRequest
from tailor.edge.service import COOKIE_NAME, DecideService, EdgeBundle

__all__ = [
    "COOKIE_NAME",
    "DecideService",
    "EdgeBundle",
    "EdgeError",
    "InvalidRequest",
    "request_context",
]
