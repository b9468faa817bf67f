"""Cookie parsing (``Cookie`` request header) and serialisation (``Set-Cookie``)."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = [
    "CookiePolicy",
    "SameSite",
    "SetCookie",
    "build_set_cookie",
    "parse_cookie_header",
    "set_cookie_value",
]

logger = logging.getLogger("gobstopper")

SameSite = Literal["lax", "strict", "none", "Lax", "Strict", "None"]

# RFC 6265 cookie-name is an HTTP token; values may not hold CTLs, whitespace, '"', ',', ';', '\'.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_COOKIE_VALUE = re.compile(r"^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$")


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header into a dict; malformed pairs are skipped, never fatal.

    The first occurrence of a name wins (browsers send the most specific path first).
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep:
            continue
        name = name.strip()
        value = value.strip()
        if not name or name in cookies:
            continue
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies[name] = value
    return cookies


def build_set_cookie(
    key: str,
    value: str = "",
    *,
    max_age: int | None = None,
    expires: datetime | int | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: SameSite | None = "lax",
    partitioned: bool = False,
) -> str:
    """Return the value of a ``Set-Cookie`` header.

    Raises :class:`ValueError` for a name or value that would break the header
    (CR/LF, ``;``, spaces): header injection through cookies is impossible by construction.
    """
    if not _TOKEN.match(key):
        raise ValueError(f"invalid cookie name {key!r}")
    if not _COOKIE_VALUE.match(value):
        raise ValueError(
            f"invalid cookie value for {key!r}: control characters, spaces, quotes, "
            "commas, semicolons and backslashes are not allowed (encode the value first)"
        )
    parts = [f"{key}={value}"]
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    if expires is not None:
        if isinstance(expires, (int, float)):
            expires = datetime.fromtimestamp(expires, tz=timezone.utc)
        elif expires.tzinfo is None:
            expires = expires.replace(tzinfo=timezone.utc)
        parts.append(f"Expires={format_datetime(expires.astimezone(timezone.utc), usegmt=True)}")
    for label, attribute in (("Path", path), ("Domain", domain)):
        if attribute is not None:
            if any(c in attribute for c in ";\r\n"):
                raise ValueError(f"invalid cookie {label.lower()} {attribute!r}")
            parts.append(f"{label}={attribute}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        normalised = samesite.capitalize()
        if normalised not in ("Lax", "Strict", "None"):
            raise ValueError(f"samesite must be 'lax', 'strict' or 'none', got {samesite!r}")
        parts.append(f"SameSite={normalised}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)


class SetCookie(str):
    """A ``Set-Cookie`` value written by ``Response.set_cookie``, which remembers what its
    caller asked for, so the application's :class:`CookiePolicy` can complete it when the
    response is sent."""

    key: str
    secure: bool | None
    httponly: bool | None
    samesite: SameSite | None
    options: dict[str, Any]


def set_cookie_value(
    key: str,
    value: str,
    *,
    secure: bool | None,
    httponly: bool | None,
    samesite: SameSite | None,
    **options: Any,
) -> SetCookie:
    """Build the ``Set-Cookie`` value ``Response.set_cookie`` sends unless a policy
    changes it: ``HttpOnly`` unless ``httponly=False``, ``Secure`` only when asked."""
    header = SetCookie(
        build_set_cookie(
            key,
            value,
            secure=bool(secure),
            httponly=httponly is not False,
            samesite=samesite,
            **options,
        )
    )
    header.key = key
    header.secure = secure
    header.httponly = httponly
    header.samesite = samesite
    header.options = {"value": value, **options}
    return header


class CookiePolicy:
    """The cookie rules of one application, applied to every response it sends.

    Everywhere, cookies are ``HttpOnly`` and ``SameSite=Lax`` unless told otherwise. In
    production (``ENV=production``) they are also ``Secure``, and turning any of the three
    off is logged once per cookie name; ``GOBSTOPPER_ALLOW_INSECURE_COOKIES=true`` opts
    out of the production rules.
    """

    def __init__(self, settings: Settings) -> None:
        #: Whether the production rules apply.
        self.enforce = settings.production and not settings.allow_insecure_cookies
        self._warned: set[tuple[str, str]] = set()

    def apply(self, headers: list[tuple[str, str]]) -> None:
        """Complete the ``Set-Cookie`` values of ``headers`` in place (production only)."""
        if not self.enforce:
            return
        for index, (name, value) in enumerate(headers):
            if isinstance(value, SetCookie):
                headers[index] = (name, self._enforced(value))

    def _enforced(self, cookie: SetCookie) -> str:
        for attribute, weakened in (
            ("Secure", cookie.secure is False),
            ("HttpOnly", cookie.httponly is False),
            ("SameSite", cookie.samesite is None or cookie.samesite.lower() == "none"),
        ):
            if weakened and (cookie.key, attribute) not in self._warned:
                self._warned.add((cookie.key, attribute))
                logger.warning(
                    "cookie %r is set without the production default %s "
                    "(GOBSTOPPER_ALLOW_INSECURE_COOKIES=true silences this)",
                    cookie.key,
                    attribute,
                )
        options = dict(cookie.options)
        value = options.pop("value")
        return build_set_cookie(
            cookie.key,
            value,
            secure=cookie.secure is not False,
            httponly=cookie.httponly is not False,
            samesite=cookie.samesite,
            **options,
        )
