"""Signed values for cookies: HMAC-SHA256 under a key derived per purpose.

A value signed for one purpose (a session id, say) does not verify for another (a
notification cookie), although both come from the application's one secret key.

>>> signer = Signer(app.secret_key, "session")
>>> signer.unsign(signer.sign("abc"))
'abc'
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["Signer"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Signer:
    """Sign strings and verify them in constant time.

    :param secret: the application's secret key.
    :param purpose: what the signatures are for; different purposes never cross-verify.
    :param max_length: longer signed values are refused unread.
    """

    __slots__ = ("_key", "max_length")

    def __init__(self, secret: str | bytes, purpose: str, *, max_length: int = 4096) -> None:
        secret_bytes = secret.encode() if isinstance(secret, str) else secret
        self._key = hmac.new(secret_bytes, b"gobstopper:" + purpose.encode(), "sha256").digest()
        self.max_length = max_length

    def signature(self, value: str) -> str:
        """The signature of ``value`` (43 URL-safe characters)."""
        return _b64(hmac.new(self._key, value.encode(), hashlib.sha256).digest())

    def sign(self, value: str) -> str:
        """``value`` with its signature appended after a dot."""
        return f"{value}.{self.signature(value)}"

    def unsign(self, signed: str) -> str | None:
        """The value if ``signed`` carries a valid signature, else ``None`` (tampered,
        truncated, unsigned or oversized input)."""
        if len(signed) > self.max_length:
            return None
        value, dot, signature = signed.rpartition(".")
        if not dot:
            return None
        if hmac.compare_digest(signature.encode(), self.signature(value).encode()):
            return value
        return None
