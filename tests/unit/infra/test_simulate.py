"""The demo's event history, checked the way someone running the demo would."""

import ipaddress
import json
import random
import uuid
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tailor_infra.simulate import (
    CONSENT_CATEGORIES,
    CONSENT_UPDATED_EVENT,
    FUNNEL_STEPS,
    MAX_BATCH_BYTES,
    STALL_AFTER,
    simulate,
    summarize,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NOW_ISO = "2026-12-01T12:00:00.000Z"

# Shares the demo is meant to show, and how far one 2,000-user run may stray.
INTENDED_REACH = (1.00, 0.70, 0.45, 0.25, 0.15)
REACH_TOLERANCE = 0.05
SEGMENT_EVENT_BYTES = 32_000

Body = dict[str, Any]
Event = dict[str, Any]


@pytest.fixture(scope="module")
def history() -> list[Body]:
    return list(simulate(now=NOW))


@pytest.fixture(scope="module")
def timed_events(history: list[Body]) -> list[tuple[datetime, Event]]:
    """Every event with its skew-corrected time, in the order they were sent."""
    return [
        (true_time(body, event), event) for body in history for event in body["batch"]
    ]


@pytest.fixture(scope="module")
def users(timed_events: list[tuple[datetime, Event]]) -> dict[str, list[Event]]:
    """Each user's events in time order, keyed by anonymousId."""
    by_user: dict[str, list[tuple[datetime, Event]]] = defaultdict(list)
    for at, event in timed_events:
        by_user[event["anonymousId"]].append((at, event))
    return {
        anonymous_id: [event for _, event in sorted(pairs, key=lambda p: p[0])]
        for anonymous_id, pairs in by_user.items()
    }


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def true_time(body: Body, event: Event) -> datetime:
    """The event's time corrected for client clock skew, as Segment does it."""
    sent_at: str = event["sentAt"] if "sentAt" in event else body["sentAt"]
    skew = parse(sent_at) - parse(body["sentAt"])
    return parse(event["timestamp"]) - skew


def all_events(batches: Iterable[Body]) -> list[Event]:
    return [event for body in batches for event in body["batch"]]


def corrected(event: Event) -> datetime:
    """``true_time`` for an event from a batch sent at ``NOW``."""
    return parse(event["timestamp"]) - (parse(event.get("sentAt", NOW_ISO)) - NOW)


def step_times(events: list[Event]) -> dict[str, datetime]:
    return {
        e["event"]: corrected(e)
        for e in events
        if e["type"] == "track" and e["event"] in FUNNEL_STEPS
    }


def preferences(event: Event) -> dict[str, Any]:
    categories: dict[str, Any] = event["context"]["consent"]["categoryPreferences"]
    return categories


def device_of(user_agent: str) -> str:
    """Classify a user agent the way common user-agent parsers do."""
    if "iPad" in user_agent or ("Android" in user_agent and "Mobile" not in user_agent):
        return "tablet"
    if "iPhone" in user_agent or "Mobile" in user_agent:
        return "mobile"
    return "desktop"


def zone_countries() -> dict[str, str]:
    """Time zone -> country code, from the system's tz database (zone.tab)."""
    for root in zoneinfo.TZPATH:
        table = Path(root) / "zone.tab"
        if table.exists():
            rows = table.read_text().splitlines()
            fields = [row.split("\t") for row in rows if not row.startswith("#")]
            return {row[2]: row[0] for row in fields if len(row) >= 3}
    pytest.skip("the tz database has no zone.tab on this machine")


# Determinism


def test_the_same_seed_gives_the_same_batches() -> None:
    # GIVEN two runs with the same arguments
    first = list(simulate(users=150, now=NOW, seed=3))
    second = list(simulate(users=150, now=NOW, seed=3))

    # THEN they are identical, down to message ids
    assert first == second


def test_a_different_seed_gives_a_different_history() -> None:
    first = all_events(simulate(users=150, now=NOW, seed=3))
    second = all_events(simulate(users=150, now=NOW, seed=4))

    assert {e["anonymousId"] for e in first}.isdisjoint(
        {e["anonymousId"] for e in second}
    )
    assert [e["type"] for e in first] != [e["type"] for e in second]


def test_adding_users_leaves_the_earlier_users_histories_unchanged() -> None:
    # GIVEN a small population and a larger one from the same seed
    small = all_events(simulate(users=40, now=NOW))
    large = all_events(simulate(users=60, now=NOW))

    # THEN the larger one contains each of the small one's users unchanged
    small_users = {e["anonymousId"] for e in small}
    assert [e for e in large if e["anonymousId"] in small_users] == small


def test_simulating_leaves_the_global_random_state_alone() -> None:
    state = random.getstate()

    list(simulate(users=20, now=NOW))

    assert random.getstate() == state


def test_bad_arguments_are_rejected_before_any_batch_is_requested() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        simulate(now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="positive"):
        simulate(users=0, now=NOW)
    with pytest.raises(ValueError, match="positive"):
        simulate(now=NOW, batch_size=0)


# Payloads


def test_every_event_is_well_formed_per_segments_tracking_api(
    history: list[Body],
) -> None:
    events = all_events(history)

    for event in events:
        assert event["type"] in {"track", "page", "identify"}
        assert uuid.UUID(event["messageId"]).version == 4
        assert event["timestamp"].endswith("Z")
        assert parse(event["timestamp"]).tzinfo is not None
        assert event.get("anonymousId") or event.get("userId")

        context = event["context"]
        assert context["library"]["name"] == "analytics-python"
        assert context["library"]["version"]
        assert context["userAgent"].startswith("Mozilla/5.0 ")
        assert zoneinfo.ZoneInfo(context["timezone"])
        assert ipaddress.ip_address(context["ip"]) in ipaddress.ip_network(
            "203.0.113.0/24"
        )
        assert set(preferences(event)) == set(CONSENT_CATEGORIES)
        assert all(isinstance(v, bool) for v in preferences(event).values())

        if event["type"] == "track":
            assert isinstance(event["event"], str)
            assert event["event"]
            assert isinstance(event["properties"], dict)
        elif event["type"] == "page":
            assert isinstance(event["name"], str)
            assert event["properties"]["path"].startswith("/")
        else:
            assert event["userId"]
            assert isinstance(event["traits"], dict)

    assert len({e["messageId"] for e in events}) == len(events)


def test_funnel_events_carry_their_step_number(history: list[Body]) -> None:
    for event in all_events(history):
        if event["type"] == "track" and event["event"] in FUNNEL_STEPS:
            assert event["properties"]["step"] == FUNNEL_STEPS.index(event["event"]) + 1


def test_identified_users_send_allowlistable_traits_and_a_fake_email_once(
    users: dict[str, list[Event]],
) -> None:
    identified = 0
    user_ids: set[str] = set()

    for events in users.values():
        identifies = [e for e in events if e["type"] == "identify"]
        if not identifies:
            assert all("userId" not in e for e in events)
            continue

        # One identify, after sign-up; from then on every event carries the userId
        identified += 1
        (identify,) = identifies
        position = events.index(identify)
        assert any(e.get("event") == "Account Created" for e in events[:position])
        assert all("userId" not in e for e in events[:position])
        assert {e["userId"] for e in events[position:]} == {identify["userId"]}
        user_ids.add(identify["userId"])

        traits = identify["traits"]
        assert traits["plan"] in {"free", "team", "business"}
        assert traits["role"] in {"engineer", "designer", "manager", "founder"}
        assert traits["company_size"]
        assert traits["email"].endswith("@example.com")

    assert 0.5 * len(users) < identified < len(users)
    assert len(user_ids) == identified


def test_each_user_keeps_one_consistent_country_time_zone_and_locale(
    users: dict[str, list[Event]],
) -> None:
    countries_of_zones = zone_countries()
    countries: Counter[str] = Counter()

    for events in users.values():
        places = {
            (
                e["context"]["location"]["country"],
                e["context"]["timezone"],
                e["context"]["locale"],
            )
            for e in events
        }
        assert len(places) == 1
        ((country, timezone, locale),) = places
        assert countries_of_zones[timezone] == country
        assert locale.endswith(f"-{country}")
        countries[country] += 1

    assert len(countries) >= 6
    assert max(countries.values()) < 0.5 * len(users)


def test_devices_follow_realistic_shares_with_a_matching_user_agent(
    users: dict[str, list[Event]],
) -> None:
    devices: Counter[str] = Counter()
    for events in users.values():
        user_agents = {e["context"]["userAgent"] for e in events}
        assert len(user_agents) == 1
        devices[device_of(user_agents.pop())] += 1

    total = len(users)
    assert 0.55 < devices["desktop"] / total < 0.85
    assert 0.12 < devices["mobile"] / total < 0.35
    assert 0.02 < devices["tablet"] / total < 0.12


# Time


def test_no_event_lies_after_now_or_before_the_period(history: list[Body]) -> None:
    for body in history:
        assert parse(body["sentAt"]) == NOW
        for event in body["batch"]:
            assert parse(event["timestamp"]) <= NOW
            assert NOW - timedelta(days=30) <= true_time(body, event) <= NOW


def test_sessions_happen_at_plausible_local_hours(
    timed_events: list[tuple[datetime, Event]],
) -> None:
    local_hours = [
        at.astimezone(zoneinfo.ZoneInfo(event["context"]["timezone"])).hour
        for at, event in timed_events
    ]

    at_night = sum(1 for hour in local_hours if 1 <= hour < 6)
    assert at_night < 0.02 * len(local_hours)


def test_sign_ups_are_spread_over_the_whole_period(
    timed_events: list[tuple[datetime, Event]],
) -> None:
    sign_up_days = Counter(
        (NOW - at).days for at, e in timed_events if e.get("event") == "Account Created"
    )

    assert set(sign_up_days) == set(range(30))
    assert max(sign_up_days.values()) < 3 * min(sign_up_days.values())


def test_a_few_clients_have_skewed_clocks_that_sent_at_reveals(
    history: list[Body],
) -> None:
    offsets: dict[str, set[timedelta]] = defaultdict(set)
    for body in history:
        for event in body["batch"]:
            if "sentAt" in event:
                offset = parse(event["sentAt"]) - parse(body["sentAt"])
                offsets[event["anonymousId"]].add(offset)

    users = {e["anonymousId"] for e in all_events(history)}
    assert 0 < len(offsets) < 0.05 * len(users)
    for user_offsets in offsets.values():
        assert len(user_offsets) == 1
        assert timedelta(minutes=1) <= abs(user_offsets.pop()) <= timedelta(minutes=10)


# Batches


def test_batches_hold_their_count_and_byte_limits_in_time_order(
    history: list[Body],
) -> None:
    previous = NOW - timedelta(days=31)

    for body in history:
        assert 0 < len(body["batch"]) <= 100
        assert len(json.dumps(body).encode()) <= MAX_BATCH_BYTES
        for event in body["batch"]:
            assert len(json.dumps(event).encode()) <= SEGMENT_EVENT_BYTES
            at = true_time(body, event)
            assert at >= previous
            previous = at


def test_a_batch_size_too_large_for_the_byte_limit_splits_without_losing_events() -> (
    None
):
    # GIVEN a batch size that would put megabytes into one body
    unlimited = list(simulate(users=300, now=NOW, batch_size=100_000))

    # THEN every body fits Segment's limit, and together they hold the same events
    assert len(unlimited) > 1
    assert all(len(json.dumps(body).encode()) <= MAX_BATCH_BYTES for body in unlimited)
    assert all_events(unlimited) == all_events(simulate(users=300, now=NOW))


# Funnel, stalls, consent


def test_funnel_reach_decreases_along_the_steps_near_the_intended_shares(
    users: dict[str, list[Event]],
) -> None:
    reach = [
        sum(1 for events in users.values() if step in step_times(events)) / len(users)
        for step in FUNNEL_STEPS
    ]

    assert reach == sorted(reach, reverse=True)
    assert len(set(reach)) == len(reach)
    for observed, intended in zip(reach, INTENDED_REACH, strict=True):
        assert observed == pytest.approx(intended, abs=REACH_TOLERANCE)


def test_each_user_takes_the_funnel_steps_in_order(
    users: dict[str, list[Event]],
) -> None:
    for events in users.values():
        times = step_times(events)
        taken = [step for step in FUNNEL_STEPS if step in times]
        assert taken == list(FUNNEL_STEPS[: len(taken)])
        assert [times[step] for step in taken] == sorted(times[s] for s in taken)


def test_some_users_stall_after_completing_their_profile(
    users: dict[str, list[Event]],
) -> None:
    stalled_now = 0
    stalled_then_proceeded = 0

    for events in users.values():
        times = step_times(events)
        profile = times.get("Profile Completed")
        project = times.get("Project Created")
        if profile is not None and project is None and NOW - profile > STALL_AFTER:
            stalled_now += 1
        if (
            profile is not None
            and project is not None
            and project - profile > STALL_AFTER
        ):
            stalled_then_proceeded += 1

    assert stalled_now > 0.1 * len(users)
    assert stalled_then_proceeded > 0.03 * len(users)


def test_consent_choices_start_near_the_intended_shares(
    users: dict[str, list[Event]],
) -> None:
    first_choices = [preferences(events[0]) for events in users.values()]
    total = len(first_choices)

    declined_analytics = sum(1 for c in first_choices if not c["Analytics"]) / total
    declined_personalization = (
        sum(1 for c in first_choices if not c["Personalization"]) / total
    )
    accepted_marketing = sum(1 for c in first_choices if c["Marketing"]) / total

    assert declined_analytics == pytest.approx(0.10, abs=0.03)
    assert declined_personalization == pytest.approx(0.15, abs=0.03)
    assert accepted_marketing == pytest.approx(0.50, abs=0.04)


def test_users_who_change_their_mind_do_it_once_and_later_events_carry_it(
    users: dict[str, list[Event]],
) -> None:
    changed = 0

    for events in users.values():
        choices = [preferences(e) for e in events]
        switches = [i for i in range(1, len(choices)) if choices[i] != choices[i - 1]]
        if not switches:
            continue

        # One switch, announced by the consent event, flipping one category
        changed += 1
        (switch,) = switches
        assert events[switch]["event"] == CONSENT_UPDATED_EVENT
        before, after = choices[switch - 1], choices[switch]
        assert sum(before[c] != after[c] for c in CONSENT_CATEGORIES) == 1

    assert 0 < changed < 0.1 * len(users)


# Summary


def test_the_summary_states_what_the_batches_hold(
    history: list[Body], users: dict[str, list[Event]]
) -> None:
    summary = summarize(history)

    assert summary.users == len(users)
    assert summary.events == sum(len(events) for events in users.values())
    assert summary.batches == len(history)
    for step in FUNNEL_STEPS:
        assert summary.reached(step) == sum(
            1 for events in users.values() if step in step_times(events)
        )
    assert summary.declined_analytics == sum(
        1 for events in users.values() if not preferences(events[-1])["Analytics"]
    )
    assert summary.events_without_analytics == sum(
        1
        for events in users.values()
        for e in events
        if not preferences(e)["Analytics"]
    )
    assert 0 < summary.stalled < summary.reached("Profile Completed")
    assert summary.last_event is not None
    assert summary.last_event <= NOW


def test_the_summary_describes_itself_for_the_command_line(
    history: list[Body],
) -> None:
    summary = summarize(history)

    text = summary.describe()

    assert f"{summary.users:,} users" in text
    assert all(step in text for step in FUNNEL_STEPS)
