"""The demo's event history: a seeded simulation of a fictional product's users.

``simulate`` yields exactly what a Segment client would POST to ``/v1/batch`` for
the demo product's users over a period: anonymous visits, sign-up, the onboarding
funnel with realistic drop-off and stalls, return sessions at plausible local hours,
consent choices (a few of them revised once), and a handful of clients whose clocks
are off by a few minutes. The local stack sends these bodies through ingest like any
other client; nothing here touches storage or the network.

``summarize`` reads the same bodies back and states what a user of the demo checks:
how many users reached each step, how many declined analytics, who stalled.

Everything is drawn from ``random.Random`` instances derived from ``seed``: the same
arguments give the same output on a given Python version, and no global random
state is touched.

Implementation note (``sentAt``): every batch carries ``sentAt`` equal to ``now``,
because the local stack delivers the whole history at that moment, the way a client
flushes a long offline queue. Ingest's skew correction,
``receivedAt - (sentAt - timestamp)``, then keeps each event's time, provided the
batches are sent right after ``now`` (pass the wall clock). The clients with a skewed
clock also put ``sentAt`` on each of their messages (a Segment common field, set per
message by analytics.js), read from the same skewed clock as their ``timestamp``.
"""

import bisect
import json
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final, Generic, TypeVar
from zoneinfo import ZoneInfo

__all__ = [
    "CONSENT_CATEGORIES",
    "CONSENT_UPDATED_EVENT",
    "FUNNEL_STEPS",
    "MAX_BATCH_BYTES",
    "STALL_AFTER",
    "SimulationSummary",
    "simulate",
    "summarize",
]

FUNNEL_STEPS: Final = (
    "Account Created",
    "Profile Completed",
    "Project Created",
    "Teammate Invited",
    "Integration Connected",
)
CONSENT_CATEGORIES: Final = ("Analytics", "Personalization", "Marketing")
# What Segment's consent wrapper sends when a user revises their choices.
CONSENT_UPDATED_EVENT: Final = "Segment Consent Preference Updated"

# Segment's documented limit per batch request, in bytes of JSON.
MAX_BATCH_BYTES: Final = 500_000
# Room left in each batch for what the caller adds (``writeKey``, ``context``).
_BATCH_HEADROOM: Final = 2_000

# A user who completed their profile and has not created a project this long after
# is "stalled": the demo configuration has a segment for them.
STALL_AFTER: Final = timedelta(hours=24)

_LIBRARY_NAME: Final = "analytics-python"
_LIBRARY_VERSION: Final = "2.3.3"
_APP_URL: Final = "https://app.example.com"

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
# Version 4 and the RFC 4122 variant, set in 128 random bits (RFC 4122, 4.4).
_UUID_FIXED_BITS: Final = (0xF << 76) | (0x3 << 62)
_UUID4_BITS: Final = (0x4 << 76) | (0x2 << 62)

_MINUTE_MS: Final = 60_000
_HOUR_MS: Final = 60 * _MINUTE_MS
_DAY_MS: Final = 24 * _HOUR_MS

# Clock skew: this share of clients, off by 2 to 8 minutes either way.
_SKEWED_SHARE: Final = 0.015
_MIN_SKEW_MS: Final = 2 * _MINUTE_MS
_MAX_SKEW_MS: Final = 8 * _MINUTE_MS
# Sessions start no later than this before ``now``: more than the largest skew plus
# a sign-up session's length, so that no raw timestamp lies after ``now``.
_QUIET_BEFORE_NOW_MS: Final = 15 * _MINUTE_MS

# Consent shares, and the share of users who revise one choice once.
_DECLINE_ANALYTICS: Final = 0.10
_DECLINE_PERSONALIZATION: Final = 0.15
_ACCEPT_MARKETING: Final = 0.50
_CHANGE_CONSENT: Final = 0.04

# Share of users who get a ``userId`` (an identify call) right after sign-up; the
# rest stay anonymous, as when a client's identify call is lost or blocked.
_IDENTIFIED_SHARE: Final = 0.88

# Chance of taking step i (index into FUNNEL_STEPS) after step i - 1, before the
# per-user modifiers. Calibrated so that the reach observed at ``now`` (recent
# sign-ups have not had time yet) is about 100/70/45/25/15 % for the defaults.
_ADVANCE: Final = (1.0, 0.72, 0.635, 0.575, 0.56)
# Of the users who do create a project, the share who first stall for over 24 h.
_STALL_THEN_PROCEED: Final = 0.3
# Return visits stop once a user has this many calls, keeping heavy users in bounds.
_MAX_CALLS_PER_USER: Final = 80

T = TypeVar("T")


class _Weighted(Generic[T]):
    """A fixed weighted choice, drawn with one ``random()`` call and a bisect."""

    __slots__ = ("_cumulative", "_total", "values")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = tuple(value for value, _ in pairs)
        cumulative: list[float] = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            cumulative.append(total)
        self._cumulative = tuple(cumulative)
        self._total = total

    def pick(self, rng: random.Random) -> T:
        index = bisect.bisect_right(self._cumulative, rng.random() * self._total)
        return self.values[min(index, len(self.values) - 1)]


# Local hours at which sessions start, weighted like a working day with evenings.
_HOURS: Final = _Weighted(
    [
        (7, 2),
        (8, 5),
        (9, 9),
        (10, 10),
        (11, 10),
        (12, 8),
        (13, 8),
        (14, 9),
        (15, 9),
        (16, 8),
        (17, 6),
        (18, 4),
        (19, 4),
        (20, 5),
        (21, 4),
        (22, 3),
        (23, 2),
    ]
)
_EARLIEST_HOUR: Final = 7


@dataclass(frozen=True, slots=True)
class _Region:
    country: str
    timezone: str
    locale: str


_REGIONS: Final = _Weighted(
    [
        (_Region("US", "America/New_York", "en-US"), 16),
        (_Region("US", "America/Chicago", "en-US"), 8),
        (_Region("US", "America/Los_Angeles", "en-US"), 11),
        (_Region("GB", "Europe/London", "en-GB"), 10),
        (_Region("DE", "Europe/Berlin", "de-DE"), 12),
        (_Region("FR", "Europe/Paris", "fr-FR"), 5),
        (_Region("IN", "Asia/Kolkata", "en-IN"), 15),
        (_Region("BR", "America/Sao_Paulo", "pt-BR"), 10),
        (_Region("JP", "Asia/Tokyo", "ja-JP"), 8),
        (_Region("CA", "America/Toronto", "en-CA"), 5),
    ]
)

_DEVICES: Final = _Weighted([("desktop", 68), ("mobile", 25), ("tablet", 7)])

# Current browsers' user agents per device class. Tablets are told apart the way
# user-agent parsers do: "iPad", or Android without the "Mobile" token.
_USER_AGENTS: Final[Mapping[str, _Weighted[str]]] = {
    "desktop": _Weighted(
        [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                35,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                25,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
                "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
                "Safari/605.1.15",
                15,
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) "
                "Gecko/20100101 Firefox/133.0",
                10,
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                10,
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                5,
            ),
        ]
    ),
    "mobile": _Weighted(
        [
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
                "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
                "Mobile/15E148 Safari/604.1",
                55,
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                25,
            ),
            (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                20,
            ),
        ]
    ),
    "tablet": _Weighted(
        [
            (
                "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                70,
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                30,
            ),
        ]
    ),
}

# Conversion modifiers: small screens convert less well.
_DEVICE_DRIVE: Final[Mapping[str, float]] = {
    "desktop": 1.05,
    "mobile": 0.82,
    "tablet": 0.95,
}

_COMPANY_SIZES: Final = _Weighted(
    [("1-10", 35), ("11-50", 30), ("51-200", 20), ("201-1000", 10), ("1000+", 5)]
)
# Larger companies pick paid plans more often.
_PLANS_BY_SIZE: Final[Mapping[str, _Weighted[str]]] = {
    "1-10": _Weighted([("free", 75), ("team", 22), ("business", 3)]),
    "11-50": _Weighted([("free", 55), ("team", 38), ("business", 7)]),
    "51-200": _Weighted([("free", 45), ("team", 40), ("business", 15)]),
    "201-1000": _Weighted([("free", 40), ("team", 35), ("business", 25)]),
    "1000+": _Weighted([("free", 35), ("team", 30), ("business", 35)]),
}
_ROLES: Final = _Weighted(
    [("engineer", 45), ("designer", 15), ("manager", 25), ("founder", 15)]
)
# Teams on paid plans invite teammates; engineers connect integrations.
_INVITE_DRIVE: Final[Mapping[str, float]] = {
    "free": 0.8,
    "team": 1.3,
    "business": 1.4,
}
_INTEGRATE_DRIVE: Final[Mapping[str, float]] = {
    "engineer": 1.3,
    "designer": 0.8,
    "manager": 0.85,
    "founder": 0.9,
}
_INTEGRATIONS: Final = _Weighted(
    [("github", 40), ("slack", 30), ("jira", 15), ("figma", 10), ("linear", 5)]
)

_PAGE_PATHS: Final[Mapping[str, str]] = {
    "Home": "/",
    "Pricing": "/pricing",
    "Sign Up": "/signup",
    "Dashboard": "/dashboard",
    "Settings": "/settings",
    "Docs": "/docs",
    "Projects": "/projects",
    "Team": "/settings/team",
    "Integrations": "/integrations",
}
# The page a user is on when they take each funnel step.
_STEP_PAGES: Final = ("Sign Up", "Settings", "Projects", "Team", "Integrations")
_RETURN_PAGES: Final = _Weighted(
    [
        ("Dashboard", 45),
        ("Docs", 18),
        ("Projects", 15),
        ("Settings", 12),
        ("Team", 5),
        ("Integrations", 5),
    ]
)
_LANDING_PAGES: Final = _Weighted([("Home", 60), ("Pricing", 30), ("Docs", 10)])
_TIPS: Final = _Weighted(
    [("keyboard_shortcuts", 40), ("templates", 35), ("dark_mode", 25)]
)

# One planned call: (true time in epoch ms, Segment type, event or page name,
# properties or traits).
_Call = tuple[int, str, str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    """What a simulated history holds, as read back from its batch bodies.

    Consent figures are each user's latest choices (what ingest keeps as current);
    ``events_without_analytics`` is what ingest will not store.
    """

    users: int
    identified_users: int
    events: int
    batches: int
    step_reach: tuple[tuple[str, int], ...]
    declined_analytics: int
    declined_personalization: int
    accepted_marketing: int
    changed_consent: int
    events_without_analytics: int
    stalled: int
    skewed_clients: int
    first_event: datetime | None
    last_event: datetime | None

    def reached(self, step: str) -> int:
        """Users who took ``step`` (an event name from ``FUNNEL_STEPS``)."""
        return dict(self.step_reach)[step]

    def describe(self) -> str:
        """A few human-readable lines, for the command line."""
        if self.first_event is None or self.last_event is None:
            return "No events simulated."

        def share(count: int) -> str:
            return f"{count:,} ({count / self.users:.0%})"

        funnel = " -> ".join(f"{step} {share(n)}" for step, n in self.step_reach)
        return "\n".join(
            [
                f"{self.users:,} users ({self.identified_users:,} identified), "
                f"{self.events:,} events in {self.batches:,} batches, "
                f"{self.first_event:%Y-%m-%d %H:%M} to "
                f"{self.last_event:%Y-%m-%d %H:%M} UTC",
                f"Funnel: {funnel}",
                f"Consent: {share(self.declined_analytics)} declined Analytics "
                f"({self.events_without_analytics:,} events ingest will not "
                f"store), {share(self.declined_personalization)} declined "
                f"Personalization, {share(self.accepted_marketing)} accepted "
                f"Marketing, {self.changed_consent:,} changed their mind",
                f"Stalled after Profile Completed for over "
                f"{STALL_AFTER.total_seconds() / 3600:.0f} h: {share(self.stalled)}; "
                f"clients with a skewed clock: {self.skewed_clients:,}",
            ]
        )


@dataclass(frozen=True, slots=True)
class _Person:
    """Everything drawn once per simulated user."""

    anonymous_id: str
    user_id: str | None
    region: _Region
    zone: ZoneInfo
    user_agent: str
    ip: str
    device: str
    role: str
    plan: str
    company_size: str
    email: str
    engagement: float
    consent: tuple[bool, bool, bool]
    skew_ms: int


def simulate(
    *,
    users: int = 2000,
    days: int = 30,
    now: datetime,
    seed: int = 7,
    batch_size: int = 100,
) -> Iterator[dict[str, Any]]:
    """Yield ``/v1/batch`` bodies for ``users`` users over the ``days`` up to ``now``.

    Bodies are ``{"batch": [...], "sentAt": ...}`` in time order, at most
    ``batch_size`` events and ``MAX_BATCH_BYTES`` (less room for a ``writeKey``)
    each; the caller adds authentication. The whole history is drawn when the
    first body is requested, because batches mix users in time order.

    Raises ``ValueError`` at once for a naive ``now`` or non-positive counts.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware, for example datetime.now(UTC)")
    if users < 1 or days < 1 or batch_size < 1:
        raise ValueError(
            f"users, days and batch_size must be positive, got users={users}, "
            f"days={days}, batch_size={batch_size}"
        )

    return _generate(
        users=users,
        days=days,
        now_ms=_epoch_ms(now),
        seed=seed,
        batch_size=batch_size,
    )


def summarize(batches: Iterable[Mapping[str, Any]]) -> SimulationSummary:
    """Read ``/v1/batch`` bodies back into the figures a user of the demo checks.

    Times are corrected for client clock skew the way ingest does, and ``now`` is
    taken as the latest batch ``sentAt``. Users are told apart by ``anonymousId``.
    """
    tallies: dict[str, _Tally] = {}
    events = 0
    batch_count = 0
    without_analytics = 0
    now: datetime | None = None

    for body in batches:
        batch_count += 1
        batch_sent_at = _parse_time(body["sentAt"])
        now = batch_sent_at if now is None else max(now, batch_sent_at)
        for event in body["batch"]:
            events += 1
            skew = _parse_time(event.get("sentAt", body["sentAt"])) - batch_sent_at
            at = _parse_time(event["timestamp"]) - skew
            preferences = event["context"]["consent"]["categoryPreferences"]
            choices = tuple(preferences.get(c) is True for c in CONSENT_CATEGORIES)
            if not choices[0]:
                without_analytics += 1
            tally = tallies.setdefault(event["anonymousId"], _Tally())
            tally.observe(event, at, choices, skewed=bool(skew))

    return _summary_of(tallies, events, batch_count, without_analytics, now)


def _generate(
    *, users: int, days: int, now_ms: int, seed: int, batch_size: int
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    start_ms = now_ms - days * _DAY_MS
    horizon_ms = now_ms - _QUIET_BEFORE_NOW_MS
    sent_at = _iso(now_ms)

    # ZoneInfo caches zones only while they are referenced: hold them for the run.
    zones = {name: ZoneInfo(name) for name in {r.timezone for r in _REGIONS.values}}

    # Each user gets an own generator seeded from the master one, so a user's
    # history does not depend on how many draws the users before them needed.
    timed: list[tuple[int, int, dict[str, Any]]] = []
    for _ in range(users):
        person_rng = random.Random(rng.getrandbits(64))
        person = _draw_person(person_rng, zones)
        calls = _plan_calls(person, person_rng, start_ms, horizon_ms)
        for at, event in _render(person, calls, person_rng, now_ms):
            timed.append((at, len(timed), event))

    timed.sort(key=lambda item: (item[0], item[1]))
    events = [event for _, _, event in timed]

    for first in range(0, len(events), batch_size):
        yield from _fit_to_byte_limit(events[first : first + batch_size], sent_at)


def _draw_person(rng: random.Random, zones: Mapping[str, ZoneInfo]) -> _Person:
    region = _REGIONS.pick(rng)
    device = _DEVICES.pick(rng)
    company_size = _COMPANY_SIZES.pick(rng)
    identified = rng.random() < _IDENTIFIED_SHARE
    number = rng.getrandbits(40)

    consent = (
        rng.random() >= _DECLINE_ANALYTICS,
        rng.random() >= _DECLINE_PERSONALIZATION,
        rng.random() < _ACCEPT_MARKETING,
    )
    skew_ms = 0
    if rng.random() < _SKEWED_SHARE:
        skew_ms = rng.choice((-1, 1)) * rng.randint(_MIN_SKEW_MS, _MAX_SKEW_MS)

    return _Person(
        anonymous_id=_uuid4(rng),
        user_id=f"usr_{number:010x}" if identified else None,
        region=region,
        zone=zones[region.timezone],
        user_agent=_USER_AGENTS[device].pick(rng),
        ip=f"203.0.113.{rng.randint(1, 254)}",
        device=device,
        role=_ROLES.pick(rng),
        plan=_PLANS_BY_SIZE[company_size].pick(rng),
        company_size=company_size,
        email=f"demo.user.{number:010x}@example.com",
        engagement=rng.uniform(0.75, 1.25),
        consent=consent,
        skew_ms=skew_ms,
    )


def _plan_calls(
    person: _Person, rng: random.Random, start_ms: int, horizon_ms: int
) -> list[_Call]:
    """Plan the user's calls in true time: sign-up, funnel steps, return visits."""
    step_times = _draw_funnel(person, rng, start_ms, horizon_ms)
    calls: list[_Call] = []

    # Sign-up session: land anonymously, sign up, get identified, see the dashboard.
    signup_ms = step_times[0]
    at = signup_ms - rng.randint(60, 600) * 1000
    calls.append(_page(at, _LANDING_PAGES.pick(rng)))
    calls.append(_page(signup_ms - rng.randint(20, 50) * 1000, "Sign Up"))
    calls.append(_track(signup_ms, FUNNEL_STEPS[0], {"step": 1}))
    at = signup_ms + rng.randint(1, 3) * 1000
    if person.user_id is not None:
        calls.append((at, "identify", "", _traits(person)))
    at += rng.randint(2, 10) * 1000
    calls.append(_page(at, "Dashboard"))
    if rng.random() < 0.6:
        at += rng.randint(5, 60) * 1000
        calls.append(_track(at, "Checklist Viewed", {"completed_steps": 1}))

    # Each later funnel step: open the page it belongs to, then take the step.
    for index in range(1, len(step_times)):
        step_ms = step_times[index]
        opened_ms = step_ms - rng.randint(15, 240) * 1000
        opened_ms = max(opened_ms, step_times[index - 1] + 15_000)
        calls.append(_page(opened_ms, _STEP_PAGES[index]))
        properties: dict[str, Any] = {"step": index + 1}
        if FUNNEL_STEPS[index] == "Integration Connected":
            properties["integration"] = _INTEGRATIONS.pick(rng)
        calls.append(_track(step_ms, FUNNEL_STEPS[index], properties))

    # Return visits, as a Poisson process at plausible local hours, until the
    # user's interest fades (a while after their last step).
    rate_per_ms = 0.4 * person.engagement / _DAY_MS
    fade_ms = step_times[-1] + int(rng.expovariate(1 / 5) * person.engagement * _DAY_MS)
    end_ms = min(horizon_ms - _HOUR_MS, fade_ms)
    at = signup_ms + _HOUR_MS
    while len(calls) < _MAX_CALLS_PER_USER:
        at = _plausible(at + int(rng.expovariate(rate_per_ms)), person.zone, rng)
        if at > end_ms:
            break
        done = bisect.bisect_right(step_times, at)
        calls.extend(_return_visit(at, done, rng))

    calls.sort(key=lambda call: call[0])
    return calls


def _draw_funnel(
    person: _Person, rng: random.Random, start_ms: int, horizon_ms: int
) -> list[int]:
    """Times of the funnel steps the user has taken by the horizon, in order."""
    signup_ms = _signup_time(person.zone, rng, start_ms, horizon_ms)
    times = [signup_ms]

    drive = person.engagement * _DEVICE_DRIVE[person.device]
    for index in range(1, len(FUNNEL_STEPS)):
        chance = _ADVANCE[index] * drive
        if FUNNEL_STEPS[index] == "Teammate Invited":
            chance *= _INVITE_DRIVE[person.plan]
        elif FUNNEL_STEPS[index] == "Integration Connected":
            chance *= _INTEGRATE_DRIVE[person.role]
        if rng.random() >= chance:
            break

        delay_ms = _step_delay_ms(index, rng)
        at = times[-1] + delay_ms
        if delay_ms > 2 * _HOUR_MS:
            at = _plausible(at, person.zone, rng)
        if at > horizon_ms:
            break
        times.append(at)

    return times


def _step_delay_ms(index: int, rng: random.Random) -> int:
    """Minutes to days between step ``index - 1`` and step ``index``."""
    step = FUNNEL_STEPS[index]
    if step == "Profile Completed":
        minutes = rng.lognormvariate(2.5, 1.2)  # median 12 min
    elif step == "Project Created" and rng.random() < _STALL_THEN_PROCEED:
        minutes = 24 * 60 + rng.lognormvariate(7.6, 0.8)  # a day plus ~1.4 days
    elif step == "Project Created":
        minutes = min(rng.lognormvariate(3.8, 1.3), 20 * 60)  # median 45 min
    elif step == "Teammate Invited":
        minutes = rng.lognormvariate(5.9, 1.4)  # median 6 h
    else:
        minutes = rng.lognormvariate(6.4, 1.5)  # median 10 h
    return max(_MINUTE_MS, int(minutes * _MINUTE_MS))


def _signup_time(
    zone: ZoneInfo, rng: random.Random, start_ms: int, horizon_ms: int
) -> int:
    """A sign-up spread evenly over the period, at a plausible local hour."""
    # Leave room for the landing pages viewed before signing up.
    earliest = start_ms + 15 * _MINUTE_MS

    for _ in range(8):
        day = datetime.fromtimestamp(rng.randint(earliest, horizon_ms) / 1000, zone)
        local = day.replace(
            hour=_HOURS.pick(rng),
            minute=rng.randrange(60),
            second=rng.randrange(60),
            microsecond=0,
        )
        at = _epoch_ms(local)
        if earliest <= at <= horizon_ms:
            return at

    # A period shorter than a day may offer no plausible hour: take any time.
    return rng.randint(earliest, horizon_ms)


def _plausible(at_ms: int, zone: ZoneInfo, rng: random.Random) -> int:
    """``at_ms``, or the next local morning if it falls in the user's night."""
    local = datetime.fromtimestamp(at_ms / 1000, zone)
    if local.hour >= _EARLIEST_HOUR:
        return at_ms

    morning = local.replace(
        hour=rng.randint(_EARLIEST_HOUR, 9),
        minute=rng.randrange(60),
        second=rng.randrange(60),
    )
    return max(at_ms, _epoch_ms(morning))


def _return_visit(at_ms: int, steps_done: int, rng: random.Random) -> list[_Call]:
    """A short session: a few pages, perhaps the checklist, perhaps a tip."""
    calls = [_page(at_ms, "Dashboard")]
    for _ in range(min(3, int(rng.expovariate(0.9)))):
        at_ms += rng.randint(8, 180) * 1000
        calls.append(_page(at_ms, _RETURN_PAGES.pick(rng)))

    if steps_done < len(FUNNEL_STEPS) and rng.random() < 0.3:
        at_ms += rng.randint(3, 60) * 1000
        calls.append(_track(at_ms, "Checklist Viewed", {"completed_steps": steps_done}))
    if rng.random() < 0.12:
        at_ms += rng.randint(3, 60) * 1000
        properties = {"placement": "tip", "tip": _TIPS.pick(rng)}
        calls.append(_track(at_ms, "Tip Dismissed", properties))

    return calls


def _render(
    person: _Person, calls: list[_Call], rng: random.Random, now_ms: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Turn planned calls into Segment messages, with consent and identity as of
    each call's time."""
    choices = list(person.consent)
    revised = -1
    # Revise one choice once, during a session after sign-up: the consent wrapper
    # reports it with an event, and every later call carries the new choices.
    if len(calls) > 4 and rng.random() < _CHANGE_CONSENT:
        change_at = calls[rng.randrange(3, len(calls) - 1)][0] + 2_000
        revised = rng.randrange(len(CONSENT_CATEGORIES))
        calls = [*calls, _track(change_at, CONSENT_UPDATED_EVENT, {})]
        calls.sort(key=lambda call: call[0])

    sent_at = _iso(now_ms + person.skew_ms) if person.skew_ms else None
    user_id: str | None = None
    for at, kind, name, payload in calls:
        if revised >= 0 and name == CONSENT_UPDATED_EVENT:
            choices[revised] = not choices[revised]
        if kind == "identify":
            user_id = person.user_id

        event: dict[str, Any] = {
            "type": kind,
            "messageId": _uuid4(rng),
            "timestamp": _iso(at + person.skew_ms),
            "anonymousId": person.anonymous_id,
        }
        if user_id is not None:
            event["userId"] = user_id
        if kind == "track":
            event["event"] = name
            event["properties"] = payload
        elif kind == "page":
            event["name"] = name
            event["properties"] = payload
        else:
            event["traits"] = payload
        event["context"] = _context(person, choices)
        if sent_at is not None:
            event["sentAt"] = sent_at
        yield at, event


def _context(person: _Person, choices: list[bool]) -> dict[str, Any]:
    analytics, personalization, marketing = choices
    return {
        "library": {"name": _LIBRARY_NAME, "version": _LIBRARY_VERSION},
        "userAgent": person.user_agent,
        "locale": person.region.locale,
        "timezone": person.region.timezone,
        "location": {"country": person.region.country},
        "ip": person.ip,
        "consent": {
            "categoryPreferences": {
                "Analytics": analytics,
                "Personalization": personalization,
                "Marketing": marketing,
            }
        },
    }


def _traits(person: _Person) -> dict[str, Any]:
    # The email is fake and there on purpose: ingest's PII filter must drop it.
    return {
        "plan": person.plan,
        "role": person.role,
        "company_size": person.company_size,
        "email": person.email,
    }


def _page(at_ms: int, name: str) -> _Call:
    path = _PAGE_PATHS[name]
    properties = {"path": path, "url": _APP_URL + path, "title": name}
    return (at_ms, "page", name, properties)


def _track(at_ms: int, event: str, properties: dict[str, Any]) -> _Call:
    return (at_ms, "track", event, properties)


def _fit_to_byte_limit(
    events: list[dict[str, Any]], sent_at: str
) -> Iterator[dict[str, Any]]:
    """Yield ``events`` as one body, or halves of it while it is too large."""
    body = {"batch": events, "sentAt": sent_at}
    # ASCII-escaped JSON: its length bounds the UTF-8 size of any encoding.
    if len(events) == 1 or len(json.dumps(body)) <= MAX_BATCH_BYTES - _BATCH_HEADROOM:
        yield body
        return

    half = len(events) // 2
    yield from _fit_to_byte_limit(events[:half], sent_at)
    yield from _fit_to_byte_limit(events[half:], sent_at)


class _Tally:
    """What ``summarize`` remembers about one user."""

    __slots__ = (
        "choices",
        "distinct",
        "earliest",
        "identified",
        "latest",
        "skewed",
        "steps",
    )

    def __init__(self) -> None:
        self.steps: dict[str, datetime] = {}
        self.identified = False
        self.skewed = False
        self.earliest: datetime | None = None
        self.latest: datetime | None = None
        self.choices: tuple[bool, ...] = ()
        self.distinct: set[tuple[bool, ...]] = set()

    def observe(
        self,
        event: Mapping[str, Any],
        at: datetime,
        choices: tuple[bool, ...],
        *,
        skewed: bool,
    ) -> None:
        self.identified = self.identified or "userId" in event
        self.skewed = self.skewed or skewed
        self.distinct.add(choices)
        if self.earliest is None or at < self.earliest:
            self.earliest = at
        if self.latest is None or at >= self.latest:
            self.latest = at
            self.choices = choices

        name = event.get("event")
        if event["type"] == "track" and name in FUNNEL_STEPS:
            self.steps[name] = min(at, self.steps.get(name, at))


def _summary_of(
    tallies: Mapping[str, _Tally],
    events: int,
    batches: int,
    without_analytics: int,
    now: datetime | None,
) -> SimulationSummary:
    people = tallies.values()
    step_reach = tuple(
        (step, sum(1 for t in people if step in t.steps)) for step in FUNNEL_STEPS
    )

    def is_stalled(tally: _Tally) -> bool:
        profile_at = tally.steps.get("Profile Completed")
        return (
            now is not None
            and profile_at is not None
            and "Project Created" not in tally.steps
            and now - profile_at > STALL_AFTER
        )

    firsts = [t.earliest for t in people if t.earliest is not None]
    latests = [t.latest for t in people if t.latest is not None]
    return SimulationSummary(
        users=len(tallies),
        identified_users=sum(1 for t in people if t.identified),
        events=events,
        batches=batches,
        step_reach=step_reach,
        declined_analytics=sum(1 for t in people if not t.choices[0]),
        declined_personalization=sum(1 for t in people if not t.choices[1]),
        accepted_marketing=sum(1 for t in people if t.choices[2]),
        changed_consent=sum(1 for t in people if len(t.distinct) > 1),
        events_without_analytics=without_analytics,
        stalled=sum(1 for t in people if is_stalled(t)),
        skewed_clients=sum(1 for t in people if t.skewed),
        first_event=min(firsts, default=None),
        last_event=max(latests, default=None),
    )


def _uuid4(rng: random.Random) -> str:
    """A random (version 4) UUID drawn from ``rng``, in its canonical form."""
    bits = rng.getrandbits(128) & ~_UUID_FIXED_BITS | _UUID4_BITS
    digits = f"{bits:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _iso(at_ms: int) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as Segment's clients write it."""
    # Integer arithmetic: several times faster than formatting a datetime, and
    # there is one of these per event.
    seconds, millis = divmod(at_ms, 1000)
    days, second_of_day = divmod(seconds, 86_400)
    hours, rest = divmod(second_of_day, 3_600)
    minutes, secs = divmod(rest, 60)
    day = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
    return f"{day}T{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}Z"


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
