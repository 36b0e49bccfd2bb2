from __future__ import annotations

import pytest

from tailor.identity import SubjectHasher, usable_id

KEY = b"k" * 32


def test_a_subject_is_stable_compact_and_reveals_nothing_of_the_id():
    hasher = SubjectHasher(KEY)

    subject = hasher.user("user-42@example.com")

    assert subject == SubjectHasher(KEY).user("user-42@example.com")
    assert subject.startswith("u_")
    assert len(subject) == 24
    assert "user" not in subject[2:]
    assert "42" not in subject


def test_a_user_id_and_an_equal_anonymous_id_are_different_subjects():
    hasher = SubjectHasher(KEY)

    assert hasher.user("abc-123") != hasher.anonymous("abc-123")


def test_another_key_gives_other_subjects():
    assert SubjectHasher(KEY).user("a") != SubjectHasher(b"x" * 32).user("a")


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="at least 16 bytes"):
        SubjectHasher(b"short")


@pytest.mark.parametrize(
    "placeholder",
    [
        "undefined",
        "null",
        "None",
        "NaN",
        "[object Object]",
        "0",
        "",
        "   ",
        "'undefined'",
        '"null"',
        "`None`",
        None,
        True,
        0,
        {},
        [],
    ],
)
def test_placeholder_ids_are_never_an_identity(placeholder):
    assert usable_id(placeholder) is None


@pytest.mark.parametrize("value", ["u-123", "4f1c2a", 42, "Zoë"])
def test_real_ids_are_kept(value):
    assert usable_id(value) == str(value)
