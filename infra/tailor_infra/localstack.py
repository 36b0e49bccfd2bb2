"""The local stack: the whole of Tailor on one machine, without AWS.

`LocalStack.start` runs moto's server as a child process, creates in it what
`template.yaml` declares, publishes the configuration, starts the gateway in front
of the real handlers, replays a simulated event history through ingest over HTTP,
and runs precompute once. `LocalStack.stop` undoes all of it. The endpoint and
resource names are written to a state file so that other `tailor` commands act on
the running stack.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from tailor.config import load_config
from tailor_infra.exceptions import TailorInfraError
from tailor_infra.gateway import Gateway, Route, load_handler
from tailor_infra.simulate import SimulationSummary, simulate, summarize
from tailor_infra.template import AwsClients, load_template
from tailor_precompute.job import PrecomputeReport, run_precompute
from tailor_precompute.publish import publish_config

logger = logging.getLogger(__name__)

STACK_NAME = "tailor-local"
REGION = "us-east-1"
WRITE_KEY = "local-dev-key"
# Concurrent senders replaying the history; moto serves about four at once.
HISTORY_SENDERS = 4
# Local-only secrets: the local stack keeps everything in memory, so nothing stored
# under them outlives it. A deployment generates its own (README, "Deploying").
LOCAL_SECRETS = {
    "SubjectKeyParameter": "local-subject-key-not-for-production",
    "IdentitySecretParameter": "local-identity-secret-not-for-production",
    "WriteKeysParameter": WRITE_KEY,
}
FUNCTIONS = {
    "DecideFunction": ("decide", ("/v1/decide", "/v1/content/")),
    "IngestFunction": (
        "ingest",
        tuple(
            f"/v1/{call}"
            for call in (
                "batch",
                "import",
                "track",
                "identify",
                "page",
                "screen",
                "group",
                "alias",
            )
        ),
    ),
}


class LocalStackError(TailorInfraError):
    """The local stack could not start."""


@dataclass(frozen=True, slots=True)
class LocalState:
    """What other commands need to act on a running local stack."""

    endpoint: str
    url: str
    environment: Mapping[str, str]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "endpoint": self.endpoint,
                    "url": self.url,
                    "environment": dict(self.environment),
                },
                indent=2,
            )
        )

    @classmethod
    def load(cls, path: Path) -> LocalState:
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise LocalStackError(
                "the local stack is not running: start it with `make run`"
            ) from exc
        return cls(document["endpoint"], document["url"], document["environment"])


@dataclass
class StartReport:
    """What `start` did, for the command line."""

    url: str
    endpoint: str
    seconds: dict[str, float] = field(default_factory=dict)


class LocalStack:
    """Starts and stops the local stack; see the module docstring."""

    def __init__(
        self,
        *,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 8080,
        aws_port: int = 4566,
        users: int = 2000,
        seed: int = 7,
        state_file: Path | None = None,
        progress: Callable[[str], None] = lambda line: None,
    ) -> None:
        self._root = root
        self._host = host
        self._port = port
        self._aws_port = aws_port
        self._users = users
        self._seed = seed
        self._state_file = state_file or root / ".tailor" / "local.json"
        self._progress = progress
        self._moto: subprocess.Popen[bytes] | None = None
        self._gateway: Gateway | None = None
        self._session: boto3.Session | None = None
        self.environment: dict[str, str] = {}

    @property
    def endpoint(self) -> str:
        return f"http://{self._host}:{self._aws_port}"

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    def start(self) -> StartReport:
        """Start moto, create the template's resources, publish, start the gateway.

        The stack serves from the moment this returns; `load_history` then fills it.
        """
        report = StartReport(url=self.url, endpoint=self.endpoint)
        clock = time.perf_counter

        started = clock()
        self._start_moto()
        self._provision()
        report.seconds["aws"] = clock() - started
        self._progress(
            f"AWS APIs (moto) at {self.endpoint}, holding template.yaml's resources"
        )

        started = clock()
        manifest = publish_config(
            self.bundle_store(), load_config(self._root / "config")
        )
        self._start_gateway()
        report.seconds["gateway"] = clock() - started
        self._progress(f"configuration published as bundle {manifest.version}")
        self._progress(f"gateway at {self.url}, calling the decide and ingest handlers")

        LocalState(self.endpoint, self.url, self.environment).save(self._state_file)
        return report

    def load_history(self) -> tuple[SimulationSummary, PrecomputeReport]:
        """Replay the simulated history through ingest, then run precompute."""
        summary = self.seed_history(users=self._users, seed=self._seed)
        return summary, self.precompute()

    def stop(self) -> None:
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        if self._moto is not None:
            self._moto.terminate()
            try:
                self._moto.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._moto.kill()
            self._moto = None
        self._state_file.unlink(missing_ok=True)

    def client(self, service: str) -> Any:
        if self._session is None:
            raise LocalStackError("the local stack is not started")
        return self._session.client(service, endpoint_url=self.endpoint)

    def bundle_store(self) -> Any:
        from tailor.storage import BundleStore

        return BundleStore(self.client("s3"), self.environment["TAILOR_BUNDLE_BUCKET"])

    def precompute(self) -> PrecomputeReport:
        return run_precompute(
            s3=self.client("s3"),
            dynamodb=self.client("dynamodb"),
            bundle_bucket=self.environment["TAILOR_BUNDLE_BUCKET"],
            event_bucket=self.environment["TAILOR_EVENT_BUCKET"],
            profiles_table=self.environment["TAILOR_PROFILES_TABLE"],
        )

    def seed_history(self, *, users: int, seed: int) -> SimulationSummary:
        """Send a simulated history to ingest over HTTP, as a client would."""
        batches = list(simulate(users=users, now=datetime.now(UTC), seed=seed))
        with ThreadPoolExecutor(max_workers=HISTORY_SENDERS) as pool:
            for status in pool.map(self._post_batch, batches):
                if status != 200:
                    raise LocalStackError(f"ingest answered {status} to the history")
        return summarize(batches)

    def _post_batch(self, batch: Mapping[str, Any]) -> int:
        return post_json(f"{self.url}/v1/batch", batch, write_key=WRITE_KEY)[0]

    def _start_moto(self) -> None:
        if _port_open(self._host, self._aws_port):
            raise LocalStackError(
                f"port {self._aws_port} is in use: stop what runs there, "
                "or pass --aws-port"
            )
        if _port_open(self._host, self._port):
            raise LocalStackError(
                f"port {self._port} is in use; stop what runs there or pass --port"
            )

        command = [
            sys.executable,
            "-m",
            "moto.server",
            "-H",
            self._host,
            "-p",
            str(self._aws_port),
        ]
        self._moto = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while not _port_open(self._host, self._aws_port):
            if self._moto.poll() is not None or time.monotonic() > deadline:
                raise LocalStackError("moto's server did not start")
            time.sleep(0.05)

        local_credentials = {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }
        os.environ.update(local_credentials)
        os.environ.pop("AWS_PROFILE", None)
        self._session = boto3.Session(region_name=REGION)

    def _provision(self) -> None:
        assert self._session is not None
        template = load_template(self._root / "template.yaml")
        stack = template.provision(
            clients=AwsClients.from_session(self._session, endpoint_url=self.endpoint),
            stack_name=STACK_NAME,
            parameter_values=LOCAL_SECRETS,
        )
        for function in FUNCTIONS:
            self.environment.update(stack.environment(function))
        self.environment["TAILOR_BUNDLE_TTL_SECONDS"] = "2"

    def _start_gateway(self) -> None:
        os.environ.update(self.environment)
        routes = []
        for function, (folder, prefixes) in FUNCTIONS.items():
            handler = load_handler(
                self._root / "functions" / folder / "app.py", name=folder
            )
            routes += [Route(prefix, function, handler) for prefix in prefixes]
        self._gateway = Gateway(
            routes, static_dir=self._root / "web", host=self._host, port=self._port
        )
        self._gateway.start()


def post_json(
    url: str,
    document: Any,
    *,
    write_key: str | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, Any]:
    """POST JSON to a loopback URL; returns the status and the decoded answer."""
    request = urllib.request.Request(
        url,
        data=json.dumps(document).encode(),
        method="POST",
        headers={"content-type": "application/json", **(headers or {})},
    )
    if write_key is not None:
        token = base64.b64encode(f"{write_key}:".encode()).decode()
        request.add_header("authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def run_periodically(
    action: Callable[[], Any], every: float, stop: threading.Event
) -> threading.Thread:
    """Call `action` every `every` seconds until `stop` is set; errors are logged."""

    def loop() -> None:
        while not stop.wait(every):
            try:
                action()
            except Exception:
                logger.exception("periodic run failed")

    thread = threading.Thread(target=loop, name="tailor-periodic", daemon=True)
    thread.start()
    return thread
