"""The local stack, started once for the end-to-end tests as a user starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORT, AWS_PORT = 18080, 14566
STARTUP_SECONDS = 120


@dataclass(frozen=True)
class RunningStack:
    url: str
    endpoint: str
    state_file: Path
    log: Path


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    folder = tmp_path_factory.mktemp("local-stack")
    state_file, log = folder / "local.json", folder / "tailor-up.log"
    command = [
        str(Path(sys.executable).parent / "tailor"),
        "up",
        "--port",
        str(PORT),
        "--aws-port",
        str(AWS_PORT),
        "--users",
        "60",
        "--precompute-every",
        "0",
    ]
    environment = {**os.environ, "TAILOR_STATE_FILE": str(state_file)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while b"Tailor is up" not in log.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"`tailor up` did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield RunningStack(
                url=f"http://127.0.0.1:{PORT}",
                endpoint=f"http://127.0.0.1:{AWS_PORT}",
                state_file=state_file,
                log=log,
            )
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
