from __future__ import annotations

import pytest

from tailor.identity import IdentityTokens, TokenInvalid

SECRET = b"s" * 32
NOW = 1_800_000_000


def test_a_token_names_the_user_it_was_issued_for_until_it_expires():
    tokens = IdentityTokens(SECRET)

    token = tokens.issue("user-7", expires_at=NOW + 60)

    assert tokens.verify(token, now=NOW) == "user-7"


def test_an_expired_token_is_refused():
    tokens = IdentityTokens(SECRET)
    token = tokens.issue("user-7", expires_at=NOW - 1)

    with pytest.raises(TokenInvalid) as raised:
        tokens.verify(token, now=NOW)
    assert raised.value.reason == "expired"


def test_a_token_signed_with_another_secret_is_forged():
    token = IdentityTokens(b"x" * 32).issue("user-7", expires_at=NOW + 60)

    with pytest.raises(TokenInvalid) as raised:
        IdentityTokens(SECRET).verify(token, now=NOW)
    assert raised.value.reason == "forged"


def test_changing_the_user_in_a_token_breaks_its_signature():
    tokens = IdentityTokens(SECRET)
    victim = tokens.issue("victim", expires_at=NOW + 60)
    attacker = tokens.issue("attacker", expires_at=NOW + 60)

    spliced = victim.split(".")[0] + "." + attacker.split(".")[1]

    with pytest.raises(TokenInvalid) as raised:
        tokens.verify(spliced, now=NOW)
    assert raised.value.reason == "forged"


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "." * 2000, "é.é"])
def test_malformed_tokens_are_refused_without_crashing(token):
    with pytest.raises(TokenInvalid):
        IdentityTokens(SECRET).verify(token, now=NOW)
