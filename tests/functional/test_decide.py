"""Decide against moto: personalized answers, consent and request errors."""

from __future__ import annotations

import uuid

from .conftest import Deployment

ALL = {"Analytics": True, "Personalization": True, "Marketing": True}
NO_PERSONALIZATION = {"Analytics": True, "Personalization": False, "Marketing": False}


def consent(deployment: Deployment, anonymous_id: str, preferences=ALL) -> None:
    status, _ = deployment.send(
        "/v1/identify",
        {
            "anonymousId": anonymous_id,
            "messageId": str(uuid.uuid4()),
            "context": {"consent": {"categoryPreferences": preferences}},
        },
    )
    assert status == 200


def complete(
    deployment: Deployment, anonymous_id: str, event: str, preferences=ALL
) -> None:
    status, _ = deployment.send(
        "/v1/track",
        {
            "event": event,
            "anonymousId": anonymous_id,
            "messageId": str(uuid.uuid4()),
            "context": {"consent": {"categoryPreferences": preferences}},
        },
    )
    assert status == 200


def test_next_step_changes_the_moment_a_step_is_completed(deployment: Deployment):
    # GIVEN a visitor who consented
    visitor = "visitor-0001-aaaa"
    consent(deployment, visitor)
    _, before, _ = deployment.decide(
        "placement=next_step", **{"x-anonymous-id": visitor}
    )

    # WHEN they complete their profile
    complete(deployment, visitor, "Profile Completed")
    _, after, _ = deployment.decide(
        "placement=next_step", **{"x-anonymous-id": visitor}
    )

    # THEN the next step moves on, without any precompute run
    assert before["placements"]["next_step"]["variant"] == "next_profile"
    assert after["placements"]["next_step"]["variant"] == "next_project"
    assert after["placements"]["next_step"]["reason"] == "rule_match"
    assert after["placements"]["next_step"]["rule"] == "create_project"


def test_without_personalization_consent_the_answer_uses_the_request_alone(
    deployment: Deployment,
):
    visitor = "visitor-0002-bbbb"
    consent(deployment, visitor, NO_PERSONALIZATION)
    complete(deployment, visitor, "Profile Completed", NO_PERSONALIZATION)

    _, answer, _ = deployment.decide(
        "placement=next_step&placement=tip", **{"x-anonymous-id": visitor}
    )

    assert answer["basis"] == "context"
    assert answer["placements"]["next_step"]["reason"] == "consent_missing"
    assert answer["placements"]["next_step"]["variant"] == "next_profile"


def test_request_context_rules_apply_to_anyone(deployment: Deployment):
    status, answer, _ = deployment.decide(
        "placement=tip",
        **{
            "cloudfront-is-mobile-viewer": "true",
            "x-anonymous-id": "visitor-0003-cccc",
        },
    )

    assert status == 200
    assert answer["placements"]["tip"]["variant"] == "tip_mobile_app"
    assert answer["placements"]["tip"]["rule"] == "mobile_tip"


def test_the_welcome_experiment_assigns_a_stable_variant(deployment: Deployment):
    visitor = "visitor-0004-dddd"
    consent(deployment, visitor)

    answers = [
        deployment.decide("placement=welcome", **{"x-anonymous-id": visitor})[1]
        for _ in range(3)
    ]

    chosen = {answer["placements"]["welcome"]["variant"] for answer in answers}
    assert len(chosen) == 1
    assert answers[0]["placements"]["welcome"]["reason"] == "experiment"
    assert answers[0]["placements"]["welcome"]["experiment"] == "welcome_copy"


def test_an_unknown_placement_is_a_400_listing_the_known_ones(deployment: Deployment):
    status, answer, _ = deployment.decide("placement=welcome&placement=sidebar")

    assert status == 400
    assert "sidebar" in answer["error"]["message"]
    assert answer["error"]["known"] == ["next_step", "tip", "welcome"]


def test_more_than_twenty_placements_is_a_400(deployment: Deployment):
    query = "&".join(["placement=tip"] * 21)

    status, answer, _ = deployment.decide(query)

    assert status == 400
    assert "at most 20" in answer["error"]["message"]


def test_a_new_visitor_gets_an_anonymous_id_cookie(deployment: Deployment):
    status, answer, response = deployment.decide("placement=welcome")

    assert status == 200
    (cookie,) = response["cookies"]
    assert cookie.startswith(f"tailor_aid={answer['anonymous_id']};")
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert response["headers"]["cache-control"].startswith("private")


def test_content_urls_are_immutable_and_public(deployment: Deployment):
    _, answer, _ = deployment.decide("placement=tip")
    url = answer["placements"]["tip"]["content_url"]

    response = deployment.call("decide", "GET", url)

    assert response["statusCode"] == 200
    assert "immutable" in response["headers"]["cache-control"]
    assert "public" in response["headers"]["cache-control"]
