"""HTTP requests and responses in the Lambda payload format 2.0.

Function URLs and HTTP APIs both send this format, and the local gateway builds the
same events, so handlers never know which of them called.
"""

from tailor.http.messages import (
    Request,
    Response,
    error_response,
    json_response,
)

__all__ = ["Request", "Response", "error_response", "json_response"]
