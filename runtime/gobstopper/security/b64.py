"""URL-safe base64 without padding, as cookies and tokens carry it.

Signatures, CSRF tokens and notification cookies travel in headers, forms and cookie
values, where ``=`` is noise. They are written without it and read back by restoring it
here, the one place that knows how.

>>> encode(b"\\xfb\\xff")
'-_8'
>>> decode("-_8")
b'\\xfb\\xff'
"""

from __future__ import annotations

import base64

__all__ = ["decode", "encode"]


def encode(data: bytes) -> str:
    """``data`` as URL-safe base64 text without ``=`` padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """The bytes of URL-safe base64 ``text``, with or without its padding.

    Raises :class:`ValueError` (:class:`binascii.Error` is one) when ``text`` is not
    base64: a length no encoding produces, or characters other than ASCII.
    """
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
