"""Request and response values for Lambda payload format 2.0 events."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

MAX_HEADER_LENGTH = 8192


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request: method, path, lower-cased headers, query, cookies, body."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, list[str]] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def from_lambda_event(cls, event: Mapping[str, Any]) -> Request:
        """Read a payload format 2.0 event (function URL, HTTP API, local gateway)."""
        http = (event.get("requestContext") or {}).get("http") or {}
        headers = {
            str(k).lower(): str(v)
            for k, v in (event.get("headers") or {}).items()
            if len(str(v)) <= MAX_HEADER_LENGTH
        }

        raw_body = event.get("body") or ""
        body = (
            base64.b64decode(raw_body)
            if event.get("isBase64Encoded")
            else raw_body.encode("utf-8", "surrogatepass")
        )
        return cls(
            method=str(http.get("method") or "GET").upper(),
            path=str(http.get("path") or event.get("rawPath") or "/"),
            headers=headers,
            query=parse_qs(
                str(event.get("rawQueryString") or ""), keep_blank_values=True
            ),
            cookies=_cookies(event.get("cookies") or [], headers.get("cookie")),
            body=body,
        )


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP response in the shape Lambda returns for payload format 2.0."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: tuple[str, ...] = ()

    def to_lambda(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "statusCode": self.status,
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8"),
            "isBase64Encoded": False,
        }
        if self.cookies:
            response["cookies"] = list(self.cookies)
        return response


def json_response(
    status: int,
    document: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    cookies: tuple[str, ...] = (),
) -> Response:
    body = json.dumps(document, separators=(",", ":")).encode()
    return Response(
        status=status,
        body=body,
        headers={"content-type": "application/json", **(headers or {})},
        cookies=cookies,
    )


def error_response(status: int, code: str, message: str, **details: Any) -> Response:
    """A JSON error: `{"error": {"code": ..., "message": ..., ...details}}`."""
    return json_response(
        status,
        {"error": {"code": code, "message": message, **details}},
        headers={"cache-control": "no-store"},
    )


def _cookies(pairs: list[str], header: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    parts = list(pairs) + (header.split(";") if header else [])
    for part in parts:
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value
    return cookies
