"""Cross-Origin Resource Sharing: which other sites' scripts may call this application.

>>> app.add_middleware(CORSMiddleware(
...     origins=["https://app.example.com"],
...     allow_credentials=True,
...     expose_headers=["X-Request-Id"],
... ))

Preflight requests (``OPTIONS`` with ``Access-Control-Request-Method``) are answered here:
204 with the permissions when the origin, method and headers are allowed, else 403 saying
which one is not, without any CORS header. Other requests from an allowed origin get the
``Access-Control-Allow-*`` headers on their response; from any other origin they get
none, so the browser keeps the response from the calling script. Responses carry
``Vary: Origin`` whenever they depend on it. ``"*"`` is never combined with credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..http.response import Response

if TYPE_CHECKING:
    from ..http.datastructures import MutableHeaders
    from ..http.request import Request
    from .base import CallNext

__all__ = ["CORSMiddleware"]

_DEFAULT_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# Headers a browser may always send (CORS-safelisted): never need to be listed.
_SAFELISTED = frozenset({"accept", "accept-language", "content-language", "content-type"})
_PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


class CORSMiddleware:
    """Answer preflights and add CORS headers for the allowed origins.

    :param origins: allowed origins (``"https://a.example"``), or ``["*"]`` for any.
    :param origin_regex: also allow origins that fully match this pattern.
    :param methods: methods cross-origin requests may use.
    :param headers: request headers they may send (``["*"]`` for any).
    :param allow_credentials: let them send cookies and read credentialed responses;
        refused with ``origins=["*"]`` (list the origins or use ``origin_regex``).
    :param expose_headers: response headers their scripts may read.
    :param max_age: seconds a browser may cache a preflight answer.
    """

    def __init__(
        self,
        origins: Iterable[str] = (),
        *,
        origin_regex: str | None = None,
        methods: Iterable[str] = _DEFAULT_METHODS,
        headers: Iterable[str] = (),
        allow_credentials: bool = False,
        expose_headers: Iterable[str] = (),
        max_age: int = 600,
    ) -> None:
        origins = [origin.rstrip("/") for origin in origins]
        self.any_origin = "*" in origins
        if self.any_origin and allow_credentials:
            raise ValueError(
                "allow_credentials=True cannot go with origins=['*']: browsers refuse it and "
                "it would let every site act as the user; list the origins or use origin_regex"
            )
        self.origins = frozenset(origins) - {"*"}
        self.origin_regex = re.compile(origin_regex) if origin_regex else None
        self.methods = tuple(dict.fromkeys(method.upper() for method in methods))
        header_names = [header.lower() for header in headers]
        self.any_header = "*" in header_names
        self.headers = frozenset(header_names) - {"*"}
        self.allow_credentials = allow_credentials
        self.expose_headers = ", ".join(expose_headers)
        self.max_age = str(max_age)

    def allows_origin(self, origin: str) -> bool:
        """Whether ``origin`` may make cross-origin requests."""
        if self.any_origin or origin in self.origins:
            return True
        return self.origin_regex is not None and self.origin_regex.fullmatch(origin) is not None

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        origin = request.headers.get("origin")
        if origin is None:
            response = await call_next(request)
            if not self.any_origin:
                response.headers.add_vary("Origin")
            return response
        requested_method = request.headers.get("access-control-request-method")
        if request.method == "OPTIONS" and requested_method is not None:
            return self._preflight(request, origin, requested_method)
        response = await call_next(request)
        headers = response.headers
        if self.allows_origin(origin):
            self._allow(headers, origin)
            if self.expose_headers:
                headers["Access-Control-Expose-Headers"] = self.expose_headers
        if not self.any_origin or self.allow_credentials:
            headers.add_vary("Origin")
        return response

    def _allow(self, headers: MutableHeaders, origin: str) -> None:
        allow_any = self.any_origin and not self.allow_credentials
        headers["Access-Control-Allow-Origin"] = "*" if allow_any else origin
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"

    def _preflight(self, request: Request, origin: str, method: str) -> Response:
        requested = request.headers.get("access-control-request-headers", "")
        wanted = [h.strip().lower() for h in requested.split(",") if h.strip()]
        refusal = None
        if not self.allows_origin(origin):
            refusal = f"origin {origin} is not allowed"
        elif method.upper() not in self.methods:
            refusal = f"method {method} is not allowed; allowed: {', '.join(self.methods)}"
        elif not self.any_header:
            extra = [h for h in wanted if h not in self.headers and h not in _SAFELISTED]
            if extra:
                refusal = f"header(s) {', '.join(extra)} not allowed"
        if refusal is not None:
            return Response(
                f"CORS preflight refused: {refusal}.",
                403,
                {"Vary": _PREFLIGHT_VARY},
                content_type="text/plain; charset=utf-8",
            )
        response = Response(b"", 204, {"Vary": _PREFLIGHT_VARY})
        headers = response.headers
        self._allow(headers, origin)
        headers["Access-Control-Allow-Methods"] = ", ".join(self.methods)
        if wanted:
            headers["Access-Control-Allow-Headers"] = ", ".join(wanted)
        headers["Access-Control-Max-Age"] = self.max_age
        return response
