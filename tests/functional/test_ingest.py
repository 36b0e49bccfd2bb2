"""Ingest against moto: what is stored, what is not, and what clients are told."""

from __future__ import annotations

import gzip
import json
import uuid

from .conftest import Deployment

ALL = {"Analytics": True, "Personalization": True, "Marketing": True}
NO_ANALYTICS = {"Analytics": False, "Personalization": True, "Marketing": True}


def track(event: str, *, anonymous_id: str, consent=ALL, **fields):
    return {
        "type": "track",
        "event": event,
        "messageId": str(uuid.uuid4()),
        "anonymousId": anonymous_id,
        "timestamp": "2026-12-03T10:00:00Z",
        "context": {"consent": {"categoryPreferences": consent}},
        **fields,
    }


def test_a_consented_batch_lands_in_the_event_log_and_the_profile(
    deployment: Deployment,
):
    status, answer = deployment.send(
        "/v1/batch",
        {"batch": [track("Profile Completed", anonymous_id="visitor-aaaa-1")]},
    )

    assert status == 200
    assert answer["results"][0]["status"] == "stored"
    (stored,) = deployment.stored_events()
    assert stored["event"] == "Profile Completed"
    assert stored["anonymousId"].startswith("a_")
    facts = [i for i in deployment.table_items() if i["record"]["S"] == "facts#live"]
    assert facts[0]["steps"]["SS"] == ["profile_completed"]


def test_events_without_analytics_consent_are_nowhere_in_storage(
    deployment: Deployment,
):
    status, answer = deployment.send(
        "/v1/batch",
        {
            "batch": [
                track(
                    "Secret Event", anonymous_id="visitor-bbbb-2", consent=NO_ANALYTICS
                ),
                track("Other Secret", anonymous_id="visitor-bbbb-3", consent={}),
            ]
        },
    )

    assert status == 200
    assert [r["status"] for r in answer["results"]] == ["not_stored", "not_stored"]
    everything = b"".join(deployment.stored_objects())
    assert b"Secret Event" not in everything
    assert b"Other Secret" not in everything
    assert deployment.stored_events() == []


def test_no_raw_user_or_anonymous_id_is_stored_anywhere(deployment: Deployment):
    user_id, anonymous_id = "user-raw-id-4711", "anon-raw-id-0815"
    deployment.send(
        "/v1/batch",
        {
            "batch": [
                {
                    "type": "identify",
                    "userId": user_id,
                    "anonymousId": anonymous_id,
                    "messageId": "identify-1",
                    "traits": {"plan": "team", "email": "someone@example.com"},
                    "context": {"consent": {"categoryPreferences": ALL}},
                },
                track("Project Created", anonymous_id=anonymous_id, userId=user_id),
            ]
        },
    )

    everything = b"".join(deployment.stored_objects())
    table = json.dumps(deployment.table_items()).encode()
    for raw in (user_id, anonymous_id, "someone@example.com"):
        assert raw.encode() not in everything
        assert raw.encode() not in table


def test_valid_events_are_stored_beside_invalid_ones(deployment: Deployment):
    status, answer = deployment.send(
        "/v1/batch",
        {
            "batch": [
                track("Project Created", anonymous_id="visitor-cccc-4"),
                {"type": "track", "anonymousId": "visitor-cccc-4"},
                {"type": "purchase", "anonymousId": "visitor-cccc-4"},
            ]
        },
    )

    assert status == 200
    statuses = [result["status"] for result in answer["results"]]
    assert statuses == ["stored", "rejected", "rejected"]
    assert "batch[1]" in answer["results"][1]["error"]["message"]
    assert "purchase" in answer["results"][2]["error"]["message"]
    assert len(deployment.stored_events()) == 1


def test_a_bad_write_key_is_refused_with_401(deployment: Deployment):
    status, answer = deployment.send(
        "/v1/batch",
        {"batch": [track("Project Created", anonymous_id="visitor-dddd-5")]},
        write_key="wrong",
    )

    assert status == 401
    assert answer["error"]["code"] == "unauthorized"
    assert "write key" in answer["error"]["message"]
    assert deployment.stored_events() == []


def test_a_malformed_body_is_refused_with_400_naming_the_problem(
    deployment: Deployment,
):
    response = deployment.call(
        "ingest", "POST", "/v1/batch", body=b'{"batch": [', headers={}
    )

    assert response["statusCode"] == 400
    error = json.loads(response["body"])["error"]
    assert "not valid JSON" in error["message"]
    assert "line 1" in error["message"]


def test_a_batch_that_is_not_a_list_is_refused(deployment: Deployment):
    status, answer = deployment.send("/v1/batch", {"batch": {"type": "track"}})

    assert status == 400
    assert "`batch`" in answer["error"]["message"]


def test_single_calls_take_their_type_from_the_path(deployment: Deployment):
    call = track("Teammate Invited", anonymous_id="visitor-eeee-6")
    del call["type"]

    status, _ = deployment.send("/v1/track", call)

    assert status == 200
    (stored,) = deployment.stored_events()
    assert stored["type"] == "track"


def test_a_gzip_body_is_read(deployment: Deployment):
    body = gzip.compress(
        json.dumps(
            {"batch": [track("Project Created", anonymous_id="visitor-ffff-7")]}
        ).encode()
    )
    auth = "Basic dGVzdC13cml0ZS1rZXk6"  # base64("test-write-key:")

    response = deployment.call(
        "ingest",
        "POST",
        "/v1/batch",
        body=body,
        headers={"authorization": auth, "content-encoding": "gzip"},
    )

    assert response["statusCode"] == 200
    assert len(deployment.stored_events()) == 1


def test_an_oversized_request_is_refused_whole_with_413(deployment: Deployment):
    calls = [
        track(
            "Project Created",
            anonymous_id="visitor-gggg-8",
            properties={"pad": "x" * 20_000},
        )
        for _ in range(30)
    ]

    status, answer = deployment.send("/v1/batch", {"batch": calls})

    assert status == 413
    assert answer["error"]["code"] == "payload_too_large"
    assert deployment.stored_events() == []


def test_each_consent_change_is_appended_to_the_audit_trail(deployment: Deployment):
    # GIVEN a visitor who consents, sends again with the same choice, then withdraws
    visitor = "visitor-hhhh-9"
    withdrawn = {"Analytics": True, "Personalization": False, "Marketing": False}
    for minute, consent in enumerate((ALL, ALL, withdrawn)):
        call = track(
            "Tip Dismissed",
            anonymous_id=visitor,
            consent=consent,
            timestamp=f"2026-12-03T10:0{minute}:00Z",
        )
        deployment.send("/v1/batch", {"batch": [call]})

    # WHEN the audit trail is read
    audit = sorted(
        (
            item
            for item in deployment.table_items()
            if item["record"]["S"].startswith("consent#")
        ),
        key=lambda item: item["record"]["S"],
    )

    # THEN it holds the two changes, with purposes and no personal data
    assert [[p["S"] for p in item["purposes"]["L"]] for item in audit] == [
        ["analytics", "marketing", "personalization"],
        ["analytics"],
    ]
    assert all(
        set(item) == {"subject", "record", "at", "source", "purposes"} for item in audit
    )
