"""Signed values and the unpadded base64 they travel in: signing, verifying, refusing,
and verifying under earlier keys after a key rotation."""

from __future__ import annotations

import pytest

from gobstopper.security import Signer, b64
from gobstopper.security.signing import Unsigned


@pytest.mark.parametrize("data", [b"", b"\x00", b"\xfb\xff", b"ab", b"abc", bytes(range(256))])
def test_base64_round_trips_without_padding(data: bytes) -> None:
    text = b64.encode(data)
    assert "=" not in text
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert b64.decode(text) == data
    assert b64.decode(text + "=" * (-len(text) % 4)) == data


@pytest.mark.parametrize(
    ("text", "problem"),
    [("a", "number of data characters"), ("abcde", "number of data characters"), ("été", "ASCII")],
)
def test_base64_that_no_encoding_produces_is_a_value_error(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        b64.decode(text)


def test_a_signed_value_verifies_under_its_key_and_purpose_only() -> None:
    signed = Signer("key", "session").sign("abc")
    value, _, signature = signed.rpartition(".")
    assert value == "abc"
    assert len(signature) == 43
    assert Signer("key", "session").unsign(signed) == "abc"
    assert Signer("key", "notifications").unsign(signed) is None
    assert Signer("other", "session").unsign(signed) is None


@pytest.mark.parametrize("signed", ["abc", "abc.", "abc.xyz", ".", "", "a" * 5000])
def test_unsigned_or_forged_values_are_refused(signed: str) -> None:
    assert Signer("key", "session", fallbacks=["old"]).verify(signed) is None


def test_the_current_key_signs_and_fallback_keys_still_verify() -> None:
    old_cookie = Signer("old", "session").sign("abc")
    older_cookie = Signer("older", "session").sign("abc")
    rotated = Signer("new", "session", fallbacks=["old", "older"])
    assert rotated.sign("abc") == Signer("new", "session").sign("abc")
    assert rotated.verify(rotated.sign("abc")) == Unsigned("abc", stale=False)
    assert rotated.verify(old_cookie) == Unsigned("abc", stale=True)
    assert rotated.verify(older_cookie) == Unsigned("abc", stale=True)
    assert rotated.unsign(old_cookie) == "abc"
    assert Signer("new", "session", fallbacks=["older"]).unsign(old_cookie) is None


def test_fallbacks_for_another_purpose_do_not_verify() -> None:
    old_notifications = Signer("old", "notifications").sign("abc")
    assert Signer("new", "session", fallbacks=["old"]).unsign(old_notifications) is None


def test_one_string_of_fallbacks_is_refused() -> None:
    with pytest.raises(TypeError, match="list of keys"):
        Signer("new", "session", fallbacks="old")
