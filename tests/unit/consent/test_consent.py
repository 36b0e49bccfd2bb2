from __future__ import annotations

import pytest

from tailor.consent import ConsentReader

CATEGORIES = {
    "Analytics": ["analytics"],
    "Personalization": ["personalization"],
    "Marketing": ["marketing"],
}


def read(context):
    return ConsentReader(CATEGORIES).read(context)


def test_segment_category_preferences_grant_the_mapped_purposes():
    consent = read(
        {"consent": {"categoryPreferences": {"Analytics": True, "Marketing": False}}}
    )

    assert consent.purposes == {"analytics"}
    assert consent.source == "segment"


@pytest.mark.parametrize("value", ["true", 1, "yes", None, {"granted": True}])
def test_only_the_boolean_true_grants_a_category(value):
    consent = read({"consent": {"categoryPreferences": {"Analytics": value}}})

    assert consent.purposes == frozenset()


@pytest.mark.parametrize(
    "context",
    [{}, {"consent": {}}, {"consent": None}, None, "granted", {"consent": "all"}],
)
def test_a_missing_consent_object_states_nothing(context):
    assert read(context) is None


def test_an_empty_preferences_object_grants_nothing():
    assert read({"consent": {"categoryPreferences": {}}}).purposes == frozenset()


def test_rudderstack_allowed_ids_grant_and_denied_ids_win():
    consent = read(
        {
            "consentManagement": {
                "provider": "custom",
                "allowedConsentIds": ["Analytics", "Personalization"],
                "deniedConsentIds": ["Personalization", "Marketing"],
            }
        }
    )

    assert consent.purposes == {"analytics"}
    assert consent.source == "rudderstack"


def test_unknown_categories_grant_nothing():
    consent = read({"consent": {"categoryPreferences": {"Advertising": True}}})

    assert consent.purposes == frozenset()


def test_withholding_a_purpose_keeps_the_others():
    consent = read(
        {"consent": {"categoryPreferences": {"Analytics": True, "Marketing": True}}}
    )

    assert consent.without("marketing").purposes == {"analytics"}
