"""Decide: which variant each requested placement shows to this visitor.

The visitor is anonymous unless a valid identity token names a known user; the
anonymous id comes from Tailor's first-party cookie or the `X-Anonymous-Id` header,
and a new one is issued (and set as a cookie) when neither is usable. The profile is
read with one request and used only with personalization consent. Nothing a backend
does wrong turns into an error: a failed profile read means a context-only answer,
a failed bundle refresh means the last good bundle, both marked in the answer.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tailor.edge.context import request_context
from tailor.edge.exceptions import InvalidRequest
from tailor.engine import Decision, Engine, Profile, UnknownPlacement
from tailor.http import Request, Response, error_response, json_response
from tailor.identity import IdentityTokens, SubjectHasher, TokenInvalid, usable_id
from tailor.storage import ActiveBundle, Freshness, ProfileStore, StorageError
from tailor.storage.profiles import StoredProfile

logger = logging.getLogger(__name__)

COOKIE_NAME = "tailor_aid"
COOKIE_MAX_AGE = 400 * 24 * 3600
ANONYMOUS_HEADER = "x-anonymous-id"
IDENTITY_HEADER = "x-tailor-identity"
MAX_PLACEMENTS = 20
_ANONYMOUS_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


@dataclass(frozen=True, slots=True)
class EdgeBundle:
    """What decide keeps of a bundle: the compiled engine and consent purpose."""

    engine: Engine
    personalization_purpose: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any], version: str) -> EdgeBundle:
        config = body["config"]
        consent = config.get("consent") or {}
        return cls(
            engine=Engine.compile(config, version=version),
            personalization_purpose=consent.get("use_profile", "personalization"),
        )


@dataclass(frozen=True, slots=True)
class _Visitor:
    subject: str
    anonymous_id: str
    new_cookie: bool
    identity: str


class DecideService:
    """Answers `/v1/decide` and `/v1/content/<hash>`."""

    def __init__(
        self,
        *,
        bundles: ActiveBundle[EdgeBundle],
        profiles: ProfileStore,
        hasher: Callable[[], SubjectHasher],
        tokens: Callable[[], IdentityTokens],
        cookie_domain: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._bundles = bundles
        self._profiles = profiles
        self._hasher = hasher
        self._tokens = tokens
        self._cookie_domain = cookie_domain
        self._clock = clock

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return error_response(405, "method_not_allowed", "use GET")
        if request.path.startswith("/v1/content/"):
            return self.content(request.path.removeprefix("/v1/content/"))
        try:
            return self.decide(request)
        except InvalidRequest as exc:
            return error_response(exc.status, exc.code, exc.message, **exc.details)

    def content(self, content_hash: str) -> Response:
        """Immutable content by hash, cacheable by browsers and the CDN for a year."""
        active = self._bundles.get()
        content = active.value.engine.content_for_hash(content_hash)
        if content is None:
            return error_response(404, "not_found", "no content with that hash")
        return json_response(
            200,
            content,
            headers={
                "cache-control": "public, max-age=31536000, immutable",
                "etag": f'"{content_hash}"',
            },
        )

    def decide(self, request: Request) -> Response:
        placements = _placements(request.query)
        visitor = self._visitor(request)
        now = self._clock()
        context = request_context(request.headers, now=datetime.fromtimestamp(now, UTC))

        active = self._bundles.get()
        freshness = active.freshness
        stored, profile_ok = self._read_profile(visitor.subject)
        if not profile_ok:
            freshness = Freshness.DEGRADED
        profile = _usable_profile(stored, active.value.personalization_purpose)

        try:
            decision = active.value.engine.decide(
                placements, context=context, profile=profile, subject=visitor.subject
            )
        except UnknownPlacement as exc:
            raise InvalidRequest(
                str(exc), unknown=exc.unknown, known=exc.known
            ) from exc

        document = _document(decision, visitor, freshness, stored is not None)
        return json_response(
            200,
            document,
            headers={
                "cache-control": "private, no-cache",
                "vary": "Cookie, X-Anonymous-Id, Authorization, X-Tailor-Identity",
                "x-tailor-status": freshness.value,
            },
            cookies=(self._cookie(visitor.anonymous_id),) if visitor.new_cookie else (),
        )

    def _visitor(self, request: Request) -> _Visitor:
        hasher = self._hasher()
        anonymous_id = _anonymous_id(
            request.cookies.get(COOKIE_NAME), request.headers.get(ANONYMOUS_HEADER)
        )
        new_cookie = anonymous_id is None or COOKIE_NAME not in request.cookies
        anonymous_id = anonymous_id or str(uuid.uuid4())

        token = _bearer_token(request.headers)
        identity = "anonymous"
        if token is not None:
            try:
                user_id = self._tokens().verify(token, now=self._clock())
            except TokenInvalid as exc:
                identity = f"anonymous: token {exc.reason}"
            else:
                return _Visitor(hasher.user(user_id), anonymous_id, new_cookie, "known")
        return _Visitor(
            hasher.anonymous(anonymous_id), anonymous_id, new_cookie, identity
        )

    def _read_profile(self, subject: str) -> tuple[StoredProfile | None, bool]:
        try:
            return self._profiles.read(subject), True
        except StorageError as exc:
            logger.warning("profile read failed", extra={"error": type(exc).__name__})
            return None, False

    def _cookie(self, anonymous_id: str) -> str:
        parts = [
            f"{COOKIE_NAME}={anonymous_id}",
            f"Max-Age={COOKIE_MAX_AGE}",
            "Path=/",
            "Secure",
            "SameSite=Lax",
        ]
        if self._cookie_domain:
            parts.append(f"Domain={self._cookie_domain}")
        return "; ".join(parts)


def _placements(query: Mapping[str, list[str]]) -> list[str]:
    names = [
        name.strip()
        for value in query.get("placement", [])
        for name in value.split(",")
        if name.strip()
    ]
    if not names:
        raise InvalidRequest("name at least one placement: ?placement=welcome")
    if len(names) > MAX_PLACEMENTS:
        raise InvalidRequest(
            f"{len(names)} placements requested; at most {MAX_PLACEMENTS} per request"
        )
    return names


def _bearer_token(headers: Mapping[str, str]) -> str | None:
    """The identity token, from CloudFront's copy of the header or the header itself.

    Behind CloudFront, origin access control signs each request and so replaces the
    viewer's `Authorization` header; a CloudFront Function copies it to
    `X-Tailor-Identity` first.
    """
    for name in (IDENTITY_HEADER, "authorization"):
        value = headers.get(name, "")
        if value[:7].lower() == "bearer ":
            return value[7:].strip()
    return None


def _anonymous_id(cookie: str | None, header: str | None) -> str | None:
    for candidate in (cookie, header):
        if candidate and _ANONYMOUS_ID.match(candidate) and usable_id(candidate):
            return candidate
    return None


def _usable_profile(stored: StoredProfile | None, purpose: str) -> Profile | None:
    if stored is None or stored.consent is None or purpose not in stored.consent:
        return None
    return Profile(
        facts=stored.facts,
        traits=stored.traits,
        features=stored.features,
        segments=stored.segments,
        cluster=stored.cluster,
        scores=stored.scores,
        assignments=stored.assignments,
    )


def _document(
    decision: Decision, visitor: _Visitor, freshness: Freshness, known: bool
) -> dict[str, Any]:
    placements = {
        name: {
            "variant": chosen.variant,
            "content": chosen.content,
            "content_url": f"/v1/content/{chosen.content_hash}",
            "reason": chosen.reason.value,
            "rule": chosen.rule,
            "experiment": chosen.experiment,
        }
        for name, chosen in decision.placements.items()
    }
    document: dict[str, Any] = {
        "bundle": decision.bundle_version,
        "status": freshness.value,
        "basis": decision.basis.value,
        "identity": visitor.identity,
        "anonymous_id": visitor.anonymous_id,
        "segments": list(decision.segments),
        "placements": placements,
    }
    if decision.basis.value == "context":
        document["basis_reason"] = "consent_missing" if known else "no_profile"
    return document
