"""Signed values for cookies: HMAC-SHA256 under a key derived per purpose.

A value signed for one purpose (a session id, say) does not verify for another (a
notification cookie), although both come from the application's one secret key.

>>> signer = Signer(app.secret_key, "session")
>>> signer.unsign(signer.sign("abc"))
'abc'

**Rotating the key.** Give the new key as the secret and the old ones as ``fallbacks``:
values are signed with the new key only, and those the old keys signed still verify, so
sessions survive the change. Drop a fallback once nothing it signed is still in use
(sessions re-sign their cookie with the new key the next time the client comes back).

>>> Signer(new_key, "session", fallbacks=[old_key]).unsign(old_cookie)
'abc'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import NamedTuple

from . import b64

__all__ = ["Signer", "Unsigned"]


class Unsigned(NamedTuple):
    """A value whose signature verified, and whether an old key had signed it."""

    value: str
    #: ``True`` when a fallback key, not the current one, made the signature: sign the
    #: value again to move it to the current key.
    stale: bool


def _derive(secret: str | bytes, purpose: str) -> bytes:
    secret_bytes = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret_bytes, b"gobstopper:" + purpose.encode(), "sha256").digest()


def _signature(key: bytes, value: str) -> bytes:
    return b64.encode(hmac.new(key, value.encode(), hashlib.sha256).digest()).encode("ascii")


class Signer:
    """Sign strings with the current key; verify them, in constant time, under it or one
    of the fallback keys.

    :param secret: the application's secret key.
    :param purpose: what the signatures are for; different purposes never cross-verify.
    :param fallbacks: earlier secret keys, newest first, whose signatures still verify.
    :param max_length: longer signed values are refused unread.
    """

    __slots__ = ("_fallbacks", "_key", "max_length")

    def __init__(
        self,
        secret: str | bytes,
        purpose: str,
        *,
        fallbacks: Iterable[str | bytes] = (),
        max_length: int = 4096,
    ) -> None:
        if isinstance(fallbacks, (str, bytes)):
            raise TypeError("fallbacks takes a list of keys, not one key")
        self._key = _derive(secret, purpose)
        self._fallbacks = tuple(_derive(old, purpose) for old in fallbacks)
        self.max_length = max_length

    def signature(self, value: str) -> str:
        """The signature of ``value`` under the current key (43 URL-safe characters)."""
        return _signature(self._key, value).decode("ascii")

    def sign(self, value: str) -> str:
        """``value`` with its signature appended after a dot."""
        return f"{value}.{self.signature(value)}"

    def verify(self, signed: str) -> Unsigned | None:
        """The value of ``signed`` and whether a fallback key signed it, or ``None`` when
        no key did (tampered, truncated, unsigned or oversized input)."""
        if len(signed) > self.max_length:
            return None
        value, dot, signature = signed.rpartition(".")
        if not dot:
            return None
        given = signature.encode()
        if hmac.compare_digest(given, _signature(self._key, value)):
            return Unsigned(value, stale=False)
        for key in self._fallbacks:
            if hmac.compare_digest(given, _signature(key, value)):
                return Unsigned(value, stale=True)
        return None

    def unsign(self, signed: str) -> str | None:
        """The value if ``signed`` carries a valid signature under any of the keys, else
        ``None``."""
        verified = self.verify(signed)
        return None if verified is None else verified.value
