"""The `tailor` command line.

Commands act on the running local stack (`tailor up`) unless told otherwise:
its endpoint and resource names are read from `.tailor/local.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Where `tailor up` records the running stack; TAILOR_STATE_FILE points elsewhere.
STATE_FILE = Path(
    os.environ.get("TAILOR_STATE_FILE") or ROOT / ".tailor" / "local.json"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        result: int = arguments.command(arguments)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from tailor.config import ConfigError

        if isinstance(exc, ConfigError | _UserError) or _is_tailor_error(exc):
            print(f"tailor: {exc}", file=sys.stderr)
            return 1
        raise
    return result


class _UserError(Exception):
    """Something the user can fix; printed without a traceback."""


def _is_tailor_error(exc: Exception) -> bool:
    from tailor.bundle import BundleError
    from tailor.storage import StorageError
    from tailor_infra.exceptions import TailorInfraError
    from tailor_precompute.exceptions import PrecomputeError

    return isinstance(
        exc, TailorInfraError | PrecomputeError | StorageError | BundleError
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tailor", description="Personalized onboarding at the edge."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="run the whole system on this machine")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=8080, help="gateway port")
    up.add_argument("--aws-port", type=int, default=4566, help="moto server port")
    up.add_argument("--users", type=int, default=2000, help="simulated users (0: none)")
    up.add_argument("--seed", type=int, default=7)
    up.add_argument(
        "--precompute-every",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="run precompute periodically (0: only once at start)",
    )
    up.set_defaults(command=_up)

    validate = commands.add_parser("validate", help="check a configuration directory")
    validate.add_argument("path", type=Path)
    validate.set_defaults(command=_validate)

    publish = commands.add_parser("publish", help="publish a configuration")
    publish.add_argument("path", type=Path, nargs="?", default=ROOT / "config")
    publish.set_defaults(command=_publish)

    precompute = commands.add_parser("precompute", help="run precompute once")
    precompute.set_defaults(command=_precompute)

    conformance = commands.add_parser(
        "conformance", help="run a GrowthBook-format case file through Tailor"
    )
    conformance.add_argument("file", type=Path)
    conformance.set_defaults(command=_conformance)

    explain = commands.add_parser("explain", help="why a visitor sees what they see")
    who = explain.add_mutually_exclusive_group(required=True)
    who.add_argument("--anonymous-id")
    who.add_argument("--user-id")
    explain.add_argument("--placement", action="append", default=[])
    explain.add_argument("--country")
    explain.add_argument("--device", choices=["mobile", "tablet", "desktop", "tv"])
    explain.add_argument("--language")
    explain.add_argument("--hour", type=int)
    explain.set_defaults(command=_explain)

    token = commands.add_parser("token", help="issue an identity token for a user id")
    token.add_argument("user_id")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until expiry")
    token.set_defaults(command=_token)

    bundles = commands.add_parser("bundles", help="list or roll back bundles")
    bundle_commands = bundles.add_subparsers(required=True, metavar="ACTION")
    listing = bundle_commands.add_parser("list", help="list stored bundle versions")
    listing.set_defaults(command=_bundles_list)
    rollback = bundle_commands.add_parser("rollback", help="activate an older version")
    rollback.add_argument("version")
    rollback.set_defaults(command=_bundles_rollback)
    return parser


def _up(arguments: argparse.Namespace) -> int:
    from tailor_infra.localstack import WRITE_KEY, LocalStack, run_periodically

    stack = LocalStack(
        root=ROOT,
        host=arguments.host,
        port=arguments.port,
        aws_port=arguments.aws_port,
        users=arguments.users,
        seed=arguments.seed,
        state_file=STATE_FILE,
        progress=lambda line: print(f"  {line}", flush=True),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    print("Starting Tailor's local stack…", flush=True)
    started = time.perf_counter()
    try:
        report = stack.start()
        print(f"\nTailor is up in {time.perf_counter() - started:.1f} s.\n")
        print(f"  Demo page     {report.url}/")
        print(f"  Decide        {report.url}/v1/decide?placement=welcome")
        print(f"  Ingest        {report.url}/v1/batch   (write key: {WRITE_KEY})")
        print(f"  AWS endpoint  {report.endpoint}   (set AWS_ENDPOINT_URL to use it)")
        print("\nPress Ctrl-C to stop.\n", flush=True)

        if arguments.users:
            threading.Thread(
                target=_load_history, args=(stack, arguments, stop), daemon=True
            ).start()
        elif arguments.precompute_every > 0:
            run_periodically(stack.precompute, arguments.precompute_every, stop)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("\nStopping…", flush=True)
        stack.stop()
    return 0


def _load_history(
    stack: Any, arguments: argparse.Namespace, stop: threading.Event
) -> None:
    """Fill the running stack with the simulated history, then precompute."""
    from tailor_infra.localstack import run_periodically

    print(
        f"Replaying the history of {arguments.users:,} simulated users through ingest…",
        flush=True,
    )
    try:
        summary, report = stack.load_history()
    except Exception as exc:
        print(f"Loading the history failed: {exc}", file=sys.stderr, flush=True)
        return
    print(summary.describe())
    print(
        f"Precompute published bundle {report.version}: {report.subjects:,} subjects, "
        f"segments {report.segment_sizes}",
        flush=True,
    )
    if arguments.precompute_every > 0:
        run_periodically(stack.precompute, arguments.precompute_every, stop)


def _validate(arguments: argparse.Namespace) -> int:
    from tailor.config import ConfigInvalid, load_config

    try:
        config = load_config(arguments.path)
    except ConfigInvalid as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) found.")
        return 1
    print(
        f"{arguments.path}: valid ({len(config.placements)} placements, "
        f"{len(config.segments)} segments, {len(config.experiments)} experiments)."
    )
    return 0


def _publish(arguments: argparse.Namespace) -> int:
    from tailor.config import load_config
    from tailor_precompute.publish import publish_config

    manifest = publish_config(_local().bundles, load_config(arguments.path))
    print(f"published bundle {manifest.version}")
    return 0


def _precompute(arguments: argparse.Namespace) -> int:
    from tailor_precompute.job import run_precompute

    local = _local()
    report = run_precompute(
        s3=local.client("s3"),
        dynamodb=local.client("dynamodb"),
        bundle_bucket=local.env["TAILOR_BUNDLE_BUCKET"],
        event_bucket=local.env["TAILOR_EVENT_BUCKET"],
        profiles_table=local.env["TAILOR_PROFILES_TABLE"],
    )
    for stage, seconds in report.seconds.items():
        print(f"  {stage:<10} {seconds:7.2f} s")
    print(
        f"published bundle {report.version}: {report.events:,} events, "
        f"{report.subjects:,} subjects, segments {report.segment_sizes}"
    )
    return 0


def _conformance(arguments: argparse.Namespace) -> int:
    from tailor.targeting.conformance import run_conformance

    try:
        document = json.loads(arguments.file.read_text())
    except (OSError, ValueError) as exc:
        raise _UserError(f"{arguments.file}: cannot read cases: {exc}") from exc
    report = run_conformance(document)
    for line in report.failures:
        print(line)
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


def _explain(arguments: argparse.Namespace) -> int:
    from tailor.edge.service import EdgeBundle, _usable_profile
    from tailor.identity import SubjectHasher
    from tailor.storage import ProfileStore
    from tailor_precompute.publish import active_bundle

    local = _local()
    bundle = active_bundle(local.bundles)
    edge = EdgeBundle.from_body(bundle.body, bundle.manifest.version)
    key = local.secret("TAILOR_SUBJECT_KEY_PARAMETER")
    hasher = SubjectHasher(key.encode())
    subject = (
        hasher.user(arguments.user_id)
        if arguments.user_id
        else hasher.anonymous(arguments.anonymous_id)
    )
    stored = ProfileStore(
        local.client("dynamodb"), local.env["TAILOR_PROFILES_TABLE"]
    ).read(subject)
    context: dict[str, Any] = {
        name: value
        for name, value in (
            ("country", arguments.country),
            ("device", arguments.device),
            ("language", arguments.language),
        )
        if value is not None
    }
    context["hour"] = (
        arguments.hour if arguments.hour is not None else datetime.now(UTC).hour
    )

    placements = arguments.placement or sorted(edge.engine.placements)
    decision = edge.engine.decide(
        placements,
        context=context,
        profile=_usable_profile(stored, edge.personalization_purpose),
        subject=subject,
        explain=True,
    )
    print(f"bundle {decision.bundle_version}, basis: {decision.basis.value}")
    print(f"segments: {', '.join(decision.segments) or '(none)'}")
    for name, chosen in decision.placements.items():
        print(f"\n{name}: {chosen.variant} ({chosen.reason.value})")
        for line in chosen.trace:
            print(f"  - {line}")
    return 0


def _token(arguments: argparse.Namespace) -> int:
    from tailor.identity import IdentityTokens

    secret = _local().secret("TAILOR_IDENTITY_SECRET_PARAMETER")
    tokens = IdentityTokens(secret.encode())
    print(tokens.issue(arguments.user_id, expires_at=int(time.time()) + arguments.ttl))
    return 0


def _bundles_list(arguments: argparse.Namespace) -> int:
    from tailor.storage import NotFound

    store = _local().bundles
    try:
        active = store.pointer().version
    except NotFound:
        active = None
    for version in store.versions():
        print(f"{'*' if version == active else ' '} {version}")
    return 0


def _bundles_rollback(arguments: argparse.Namespace) -> int:
    from tailor.bundle import decode_bundle
    from tailor.engine import Engine
    from tailor.storage import bundle_key

    store = _local().bundles
    if arguments.version not in store.versions():
        raise _UserError(f"no bundle {arguments.version}; see `tailor bundles list`")
    bundle = decode_bundle(store.read(bundle_key(arguments.version)))
    Engine.compile(bundle.body["config"], version=arguments.version, eager=True)
    store.activate(arguments.version)
    print(f"bundle {arguments.version} is active")
    return 0


class _Local:
    """Clients and names for the running local stack."""

    def __init__(self) -> None:
        import boto3

        from tailor.storage import BundleStore
        from tailor_infra.localstack import REGION, LocalState

        self.state = LocalState.load(STATE_FILE)
        self.env = self.state.environment
        self._session = boto3.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION
        )
        self.bundles = BundleStore(self.client("s3"), self.env["TAILOR_BUNDLE_BUCKET"])

    def client(self, service: str) -> Any:
        return self._session.client(service, endpoint_url=self.state.endpoint)

    def secret(self, variable: str) -> str:
        response = self.client("ssm").get_parameter(
            Name=self.env[variable], WithDecryption=True
        )
        return str(response["Parameter"]["Value"])


def _local() -> _Local:
    return _Local()


if __name__ == "__main__":
    sys.exit(main())
