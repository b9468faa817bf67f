"""Cross-site request forgery protection for cookie-authenticated forms and requests.

>>> app.add_middleware(SessionMiddleware(store))
>>> app.add_middleware(CSRFMiddleware())

and in every form that posts::

    <form method="post">
      <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">

POST, PUT, PATCH and DELETE requests must carry the token of the client's own session, in
the ``csrf_token`` form field or the ``X-CSRF-Token`` header; otherwise they get a 403
saying what is wrong. The session keeps one secret; each token shown is that secret
masked with fresh random bytes, so tokens differ on every page (no BREACH-style leak
through compressed responses) and all of them stay valid for the session's life.

**JSON APIs.** Browsers send cookies with cross-site requests, so an API that relies on
the session cookie needs the token too: put ``{{ csrf_token() }}`` in a
``<meta name="csrf-token">`` tag and send it as ``X-CSRF-Token`` from your scripts. APIs
authenticated by a bearer token or API key rather than cookies are not exposed to CSRF:
exempt them with ``exempt_paths=["/api/"]`` or ``@csrf_exempt`` on the handler.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from ..http.errors import HTTPException
from ..sessions.middleware import SessionMiddleware
from . import b64

if TYPE_CHECKING:
    from ..app import Gobstopper
    from ..http.request import Request
    from ..http.response import Response
    from ..middleware.base import CallNext

__all__ = ["CSRFMiddleware", "csrf_exempt", "csrf_token"]

F = TypeVar("F")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SESSION_KEY = "_csrf_secret"
_SECRET_BYTES = 32
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def csrf_exempt(view: F) -> F:
    """Let this handler take unsafe methods without a CSRF token (APIs not authenticated
    by cookies, webhooks)."""
    view.__gobstopper_csrf_exempt__ = True  # type: ignore[attr-defined]
    return view


def _session_secret(request: Request, create: bool) -> bytes | None:
    session = request.session
    encoded = session.get(_SESSION_KEY)
    if encoded is None:
        if not create:
            return None
        encoded = session[_SESSION_KEY] = secrets.token_urlsafe(_SECRET_BYTES)
    return b64.decode(encoded)


def csrf_token(request: Request) -> str:
    """A token for forms and scripts of this session (a different string each call)."""
    secret = _session_secret(request, create=True)
    assert secret is not None
    mask = secrets.token_bytes(len(secret))
    masked = bytes(a ^ b for a, b in zip(mask, secret, strict=True))
    return b64.encode(mask + masked)


def _token_matches(token: str, secret: bytes) -> bool:
    try:
        raw = b64.decode(token)
    except ValueError:
        return False
    if len(raw) != 2 * len(secret):
        return False
    mask, masked = raw[: len(secret)], raw[len(secret) :]
    unmasked = bytes(a ^ b for a, b in zip(mask, masked, strict=True))
    return hmac.compare_digest(unmasked, secret)


class CSRFMiddleware:
    """Refuse unsafe requests without the session's CSRF token (403).

    Add it after :class:`~gobstopper.sessions.SessionMiddleware` (the session must exist
    when it runs).

    :param exempt_paths: path prefixes whose requests are not checked.
    """

    def __init__(
        self,
        *,
        field_name: str = "csrf_token",
        header_name: str = "X-CSRF-Token",
        exempt_paths: Iterable[str] = (),
    ) -> None:
        self.field_name = field_name
        self.header_name = header_name
        self.exempt_paths = tuple(exempt_paths)

    def check_app(self, app: Gobstopper) -> None:
        """Refuse, when the application starts, a chain where no session middleware
        runs before this one: the token lives in the session."""
        chain = list(app.middleware)
        if not any(isinstance(m, SessionMiddleware) for m in chain[: chain.index(self)]):
            raise RuntimeError(
                "CSRFMiddleware needs a session: add SessionMiddleware before CSRFMiddleware"
            )

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if request.method in _SAFE_METHODS or self._exempt(request):
            return await call_next(request)
        token = request.headers.get(self.header_name)
        if token is None and request.mimetype in _FORM_TYPES:
            token = (await request.get_form()).get(self.field_name)
        if not token:
            raise HTTPException(
                403,
                f"CSRF token missing: send it in the {self.field_name!r} form field or the "
                f"{self.header_name} header.",
            )
        secret = _session_secret(request, create=False)
        if secret is None or not _token_matches(token, secret):
            raise HTTPException(
                403, "CSRF token invalid: it does not belong to this session; reload the page."
            )
        return await call_next(request)

    def _exempt(self, request: Request) -> bool:
        if self.exempt_paths and request.path.startswith(self.exempt_paths):
            return True
        view = request.app.view_function_for(request.method, request.path)
        return getattr(view, "__gobstopper_csrf_exempt__", False)
