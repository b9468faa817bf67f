"""Bearer-token protection: decorate a handler with ``@token_required`` (below its route
decorator), so the token is checked before the request body is read.

The token is ``APP_API_TOKEN``; while it is unset every protected endpoint answers 401,
so a forgotten setting never opens them.
"""

from __future__ import annotations

import hmac

from gobstopper import Request, abort, guard

from config import SERVICE_NAME, Config

__all__ = ["BEARER_SCHEME", "require_token", "token_required"]

_TOKEN = Config.from_env().api_token.encode()
_CHALLENGE = {"WWW-Authenticate": f'Bearer realm="{SERVICE_NAME}"'}
#: How the OpenAPI document describes the token: an HTTP bearer credential.
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "The API token (APP_API_TOKEN): Authorization: Bearer <token>.",
}


def require_token(request: Request) -> None:
    """Answer 401 unless the request carries ``Authorization: Bearer <APP_API_TOKEN>``."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if not _TOKEN or scheme.lower() != "bearer":
        abort(401, "a bearer token is required", headers=_CHALLENGE)
    if not hmac.compare_digest(token.strip().encode(), _TOKEN):
        abort(401, "the bearer token is not valid", headers=_CHALLENGE)


#: ``@token_required`` under ``@app.get(...)``: 401 before the handler or its body. The
#: OpenAPI document lists that 401 and the ``bearerAuth`` scheme on every guarded operation.
token_required = guard(require_token, security={"bearerAuth": BEARER_SCHEME})
