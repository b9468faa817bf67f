"""Security headers on every response, with a per-request CSP nonce when asked for.

>>> app.add_middleware(SecurityMiddleware(
...     csp={"default-src": "'self'", "script-src": ["'self'", "{nonce}"]},
... ))

and in a template: ``<script nonce="{{ csp_nonce() }}">…</script>``.

Headers a handler sets itself are left alone. HSTS is sent only on HTTPS requests
(including behind a trusted proxy that says ``X-Forwarded-Proto: https``), unless
``hsts=True`` forces it or ``hsts=False`` turns it off.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..http.request import Request
    from ..http.response import Response
    from ..middleware.base import CallNext

__all__ = ["DEFAULT_CSP", "SecurityMiddleware", "csp_nonce"]

NONCE_PLACEHOLDER = "{nonce}"

#: Same-origin everything, no plugins, no framing, forms post to this site only.
DEFAULT_CSP: dict[str, str | Sequence[str]] = {
    "default-src": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

CSPSpec = str | Mapping[str, str | Sequence[str]]


def _render_csp(csp: CSPSpec) -> str:
    if isinstance(csp, str):
        return csp
    directives = []
    for name, sources in csp.items():
        values = sources if isinstance(sources, str) else " ".join(sources)
        directives.append(f"{name} {values}".strip())
    return "; ".join(directives)


def csp_nonce(request: Request) -> str:
    """This request's CSP nonce (made on first use; the same all through the request)."""
    state = request.state
    nonce = getattr(state, "csp_nonce", None)
    if nonce is None:
        nonce = state.csp_nonce = secrets.token_urlsafe(16)
    return nonce


class SecurityMiddleware:
    """Add security headers; each can be changed, or turned off with ``None``.

    :param csp: Content-Security-Policy as a string or ``{directive: sources}``;
        ``"{nonce}"`` among the sources becomes ``'nonce-…'`` with a fresh nonce per
        request (see :func:`csp_nonce`).
    :param csp_report_only: send it as ``Content-Security-Policy-Report-Only``.
    :param hsts: ``None`` on HTTPS requests only, ``True`` always, ``False`` never.
    """

    def __init__(
        self,
        *,
        csp: CSPSpec | None = DEFAULT_CSP,
        csp_report_only: bool = False,
        hsts: bool | None = None,
        hsts_max_age: int = 31536000,
        hsts_include_subdomains: bool = True,
        hsts_preload: bool = False,
        frame_options: str | None = "DENY",
        content_type_options: str | None = "nosniff",
        referrer_policy: str | None = "strict-origin-when-cross-origin",
        permissions_policy: str | None = "camera=(), microphone=(), geolocation=()",
        cross_origin_opener_policy: str | None = "same-origin",
    ) -> None:
        fixed = {
            "x-frame-options": frame_options,
            "x-content-type-options": content_type_options,
            "referrer-policy": referrer_policy,
            "permissions-policy": permissions_policy,
            "cross-origin-opener-policy": cross_origin_opener_policy,
        }
        self._fixed = [(name, value) for name, value in fixed.items() if value is not None]
        self._csp_header = (
            "content-security-policy-report-only" if csp_report_only else "content-security-policy"
        )
        policy = None if csp is None else _render_csp(csp)
        self._csp_parts = None if policy is None else policy.split(NONCE_PLACEHOLDER)
        self._hsts = hsts
        hsts_value = f"max-age={hsts_max_age}"
        if hsts_include_subdomains:
            hsts_value += "; includeSubDomains"
        if hsts_preload:
            hsts_value += "; preload"
        self._hsts_value = hsts_value

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        parts = self._csp_parts
        if parts is not None and len(parts) > 1:
            nonce = csp_nonce(request)  # before the handler, so templates can use it
            policy = f"'nonce-{nonce}'".join(parts)
        elif parts is not None:
            policy = parts[0]
        response = await call_next(request)
        headers = response.headers
        present = set(headers)
        for name, value in self._fixed:
            if name not in present:
                response.raw_headers.append((name, value))
        if parts is not None and self._csp_header not in present:
            response.raw_headers.append((self._csp_header, policy))
        wants_hsts = self._hsts or (self._hsts is None and request.is_secure)
        if wants_hsts and "strict-transport-security" not in present:
            response.raw_headers.append(("strict-transport-security", self._hsts_value))
        return response
