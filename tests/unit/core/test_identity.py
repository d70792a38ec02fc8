"""Signed customer tokens."""

from __future__ import annotations

import time

import jwt

from bot.identity import issue_customer_token, token_from_metadata, verify_customer_token

SECRET = "test-secret-that-is-long-enough-for-hs256"


def test_a_token_round_trips() -> None:
    token = issue_customer_token(42, SECRET, ttl_minutes=5)
    assert verify_customer_token(token, SECRET) == 42


def test_forged_tampered_expired_and_junk_tokens_are_rejected() -> None:
    token = issue_customer_token(42, SECRET)
    assert verify_customer_token(token, "another-secret-that-is-long-enough-for-hs256") is None
    header, payload, signature = token.split(".")
    assert verify_customer_token(f"{header}.{payload}.{signature[:-2]}xx", SECRET) is None
    expired = jwt.encode({"sub": "42", "exp": int(time.time()) - 10}, SECRET, algorithm="HS256")
    assert verify_customer_token(expired, SECRET) is None
    unsigned = jwt.encode({"sub": "42", "exp": int(time.time()) + 60}, None, algorithm="none")
    assert verify_customer_token(unsigned, SECRET) is None
    no_expiry = jwt.encode({"sub": "42"}, SECRET, algorithm="HS256")
    assert verify_customer_token(no_expiry, SECRET) is None
    for junk in [None, "", 42, "a.b.c", "x" * 10000, {"sub": 1}]:
        assert verify_customer_token(junk, SECRET) is None


def test_token_is_read_from_metadata_only_when_it_is_a_string() -> None:
    assert token_from_metadata({"customer_token": "abc"}) == "abc"
    assert token_from_metadata({"customer_token": 5}) is None
    assert token_from_metadata("customer_token") is None
    assert token_from_metadata(None) is None
