from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tailor.identity import SubjectHasher
from tailor.ingest import EventProcessor, IngestSettings, Outcome

RECEIVED = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
HASHER = SubjectHasher(b"k" * 32)
ALL = {"Analytics": True, "Personalization": True, "Marketing": True}
SETTINGS = IngestSettings.from_config(
    {
        "consent": {
            "categories": {
                "Analytics": ["analytics"],
                "Personalization": ["personalization"],
                "Marketing": ["marketing"],
            }
        },
        "ingest": {"traits": ["plan", "contact"], "properties": ["step"]},
        "funnel": {
            "steps": [{"id": "profile_completed", "event": "Profile Completed"}]
        },
    }
)


def call(**fields):
    base = {
        "type": "track",
        "event": "Profile Completed",
        "messageId": "m-1",
        "anonymousId": "anon-1",
        "timestamp": "2026-12-03T11:59:00Z",
        "context": {"consent": {"categoryPreferences": ALL}},
    }
    return {**base, **fields}


def process(*calls, **kwargs):
    kwargs.setdefault("received_at", RECEIVED)
    return EventProcessor(SETTINGS, HASHER).process(list(calls), **kwargs)


def test_a_consented_event_is_stored_with_subjects_instead_of_ids():
    processed = process(call(userId="user-1"))

    (record,) = processed.records
    assert processed.results[0].outcome is Outcome.STORED
    assert record["userId"] == HASHER.user("user-1")
    assert record["anonymousId"] == HASHER.anonymous("anon-1")
    assert "user-1" not in json.dumps(record)
    assert "anon-1" not in json.dumps(record)
    assert {"messageId", "timestamp", "originalTimestamp", "receivedAt"} <= set(record)


def test_an_event_without_analytics_consent_is_not_stored():
    consent = {"categoryPreferences": {"Analytics": False, "Personalization": True}}
    processed = process(call(context={"consent": consent}))

    assert processed.records == []
    assert processed.results[0].outcome is Outcome.NOT_STORED
    assert processed.facts[HASHER.anonymous("anon-1")].steps == set()


def test_an_event_with_no_consent_object_is_not_stored():
    processed = process(call(context={}))

    assert processed.records == []
    assert processed.results[0].code == "no_consent"


def test_a_funnel_event_adds_its_step_to_the_subjects_facts():
    processed = process(call())

    facts = processed.facts[HASHER.anonymous("anon-1")]
    assert facts.steps == {"profile_completed"}
    assert facts.events == 1


def test_an_invalid_event_is_rejected_alone_and_says_where():
    processed = process(
        call(messageId="a"), {"type": "track", "anonymousId": "x"}, call(messageId="b")
    )

    outcomes = [result.outcome for result in processed.results]
    assert outcomes == [Outcome.STORED, Outcome.REJECTED, Outcome.STORED]
    assert processed.results[1].message.startswith("batch[1]")
    assert "event" in processed.results[1].message
    assert len(processed.records) == 2


@pytest.mark.parametrize("kind", ["purchase", None, 3])
def test_an_unknown_call_type_is_rejected_by_name(kind):
    processed = process(call(type=kind))

    assert processed.results[0].code == "unknown_type"
    assert "batch[0].type" in processed.results[0].message


def test_an_event_with_only_placeholder_ids_is_rejected():
    processed = process(call(anonymousId="undefined", userId="null"))

    assert processed.results[0].code == "no_usable_id"
    assert processed.records == []


def test_a_repeated_message_id_in_one_batch_is_stored_once():
    processed = process(call(), call())

    assert [r.outcome for r in processed.results] == [Outcome.STORED, Outcome.DUPLICATE]
    assert len(processed.records) == 1
    assert processed.facts[HASHER.anonymous("anon-1")].events == 1


def test_an_event_over_32_kb_is_rejected_and_the_rest_is_stored():
    big = call(messageId="big", properties={"step": "x" * 40_000})

    processed = process(big, call(messageId="small"))

    assert processed.results[0].code == "event_too_large"
    assert processed.results[1].outcome is Outcome.STORED


def test_client_clock_skew_is_removed_using_sent_at():
    # GIVEN a client whose clock is ten minutes fast
    skew = timedelta(minutes=10)
    happened = RECEIVED - timedelta(minutes=1)
    fast = call(
        timestamp=(happened + skew).isoformat(), sentAt=(RECEIVED + skew).isoformat()
    )

    # WHEN the event is processed
    (record,) = process(fast).records

    # THEN the stored time is when it happened by the server's clock
    assert record["timestamp"] == "2026-12-03T11:59:00.000Z"
    assert record["originalTimestamp"] == "2026-12-03T12:09:00.000Z"


def test_a_timestamp_far_in_the_future_without_sent_at_is_clamped():
    (record,) = process(call(timestamp="2027-06-01T00:00:00Z")).records

    assert record["timestamp"] == "2026-12-03T12:00:00.000Z"
    assert record["originalTimestamp"] == "2027-06-01T00:00:00.000Z"


def test_only_allowlisted_traits_are_kept_and_identifiers_are_dropped():
    identify = call(
        type="identify",
        event=None,
        traits={
            "plan": "team",
            "email": "a@example.com",
            "contact": "a@example.com",
            "name": "Ada",
        },
    )

    (record,) = process(identify).records

    assert record["traits"] == {"plan": "team"}


def test_the_ip_address_is_never_stored_whole():
    context = {"consent": {"categoryPreferences": ALL}, "ip": "203.0.113.77"}

    (record,) = process(call(context=context)).records

    assert record["context"]["ip"] == "203.0.113.0"


def test_global_privacy_control_withholds_marketing():
    processed = process(call(), global_privacy_control=True)

    consent = processed.facts[HASHER.anonymous("anon-1")].consent
    assert consent.purposes == {"analytics", "personalization"}


def test_batch_context_is_merged_under_each_calls_own():
    shared = {"context": {"consent": {"categoryPreferences": ALL}, "locale": "de-DE"}}

    processed = process(call(context={"locale": "fr-FR"}), shared=shared)

    (record,) = processed.records
    assert record["context"]["locale"] == "fr-FR"
