"""The local gateway: HTTP requests in, Lambda payload 2.0 events to the handlers.

It plays the part CloudFront and the function URLs play on AWS: it routes by path,
adds the viewer headers CloudFront would add (device class from the User-Agent), and
calls the same handler functions in-process. Everything else is served from `web/`.
"""

from __future__ import annotations

import base64
import importlib.util
import logging
import mimetypes
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
MAX_BODY_BYTES = 1024 * 1024
_TOO_LARGE = b'{"error":{"code":"payload_too_large","message":"body over 1 MiB"}}'
_MOBILE = ("iphone", "android", "mobile")
_TABLET = ("ipad", "tablet")


@dataclass(frozen=True, slots=True)
class Route:
    """Requests whose path starts with `prefix` go to `function`'s handler."""

    prefix: str
    function: str
    handler: Handler


class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, timeout_seconds: float = 10.0) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        )
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(path: Path, *, name: str, attribute: str = "handler") -> Handler:
    """Import a function's module from its file, as Lambda does; return its handler."""
    module_name = f"tailor_function_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    handler: Handler = getattr(module, attribute)
    return handler


def viewer_headers(user_agent: str) -> dict[str, str]:
    """The device headers CloudFront derives from a User-Agent."""
    agent = user_agent.lower()
    tablet = any(word in agent for word in _TABLET)
    mobile = not tablet and any(word in agent for word in _MOBILE)
    return {
        "cloudfront-is-tablet-viewer": str(tablet).lower(),
        "cloudfront-is-mobile-viewer": str(mobile).lower(),
        "cloudfront-is-desktop-viewer": str(not (tablet or mobile)).lower(),
        "cloudfront-is-ios-viewer": str("iphone" in agent or "ipad" in agent).lower(),
        "cloudfront-is-android-viewer": str("android" in agent).lower(),
    }


def lambda_event(
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    """A payload format 2.0 event, as a function URL or HTTP API sends it."""
    url = urlsplit(target)
    lowered = {key.lower(): value for key, value in headers.items()}
    cookies = [
        part.strip() for part in lowered.pop("cookie", "").split(";") if part.strip()
    ]
    derived = viewer_headers(lowered.get("user-agent", ""))
    # A client-sent viewer header wins, so tests can act as any country or device.
    merged = {**derived, **lowered}
    now = time.time()

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": merged,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered.get("host", "localhost"),
            "http": {
                "method": method,
                "path": url.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(body).decode() if body else None,
        "isBase64Encoded": bool(body),
    }
    if cookies:
        event["cookies"] = cookies
    return event


class Gateway:
    """A threaded HTTP server that routes to handlers or serves static files."""

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        static_dir: Path,
        host: str = "127.0.0.1",
        port: int = 8080,
    ) -> None:
        self._routes = sorted(routes, key=lambda route: -len(route.prefix))
        self._static_dir = static_dir.resolve()
        self._server = ThreadingHTTPServer((host, port), self._request_handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="tailor-gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def route(self, path: str) -> Route | None:
        for route in self._routes:
            if path.startswith(route.prefix):
                return route
        return None

    def static_file(self, path: str) -> Path | None:
        relative = path.lstrip("/") or "index.html"
        candidate = (self._static_dir / relative).resolve()
        if not candidate.is_relative_to(self._static_dir) or not candidate.is_file():
            return None
        return candidate

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "tailor-local"

            def do_GET(self) -> None:
                self._dispatch()

            def do_HEAD(self) -> None:
                self._dispatch()

            def do_POST(self) -> None:
                self._dispatch()

            def do_OPTIONS(self) -> None:
                self._dispatch()

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("request: %s", format % args)

            def _dispatch(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_BODY_BYTES:
                    self._send(
                        413,
                        {"content-type": "application/json"},
                        _TOO_LARGE,
                    )
                    return
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path

                route = gateway.route(path)
                if route is not None:
                    self._invoke(route, body)
                    return
                file = (
                    gateway.static_file(path)
                    if self.command in ("GET", "HEAD")
                    else None
                )
                if file is None:
                    self._send(404, {"content-type": "text/plain"}, b"not found")
                    return
                kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                self._send(
                    200,
                    {"content-type": kind, "cache-control": "no-cache"},
                    file.read_bytes(),
                )

            def _invoke(self, route: Route, body: bytes) -> None:
                event = lambda_event(
                    method=self.command,
                    target=self.path,
                    headers=dict(self.headers.items()),
                    body=body,
                    source_ip=self.client_address[0],
                )
                try:
                    response = route.handler(event, LambdaContext(route.function))
                except Exception:
                    logger.exception(
                        "handler raised", extra={"function": route.function}
                    )
                    self._send(
                        502,
                        {"content-type": "application/json"},
                        b'{"error":{"code":"handler_failed","message":"see the log"}}',
                    )
                    return

                payload = response.get("body") or ""
                data = (
                    base64.b64decode(payload)
                    if response.get("isBase64Encoded")
                    else payload.encode()
                )
                headers = dict(response.get("headers") or {})
                self._send(
                    int(response.get("statusCode", 200)),
                    headers,
                    data,
                    cookies=response.get("cookies") or [],
                )

            def _send(
                self,
                status: int,
                headers: Mapping[str, str],
                body: bytes,
                cookies: Sequence[str] = (),
            ) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                for cookie in cookies:
                    self.send_header("set-cookie", cookie)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

        return _Handler
