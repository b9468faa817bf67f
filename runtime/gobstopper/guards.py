"""Guards: checks that run before a handler's arguments are read.

A guard sees the request before its body is decoded, so an unauthenticated client gets
the guard's 401, not a 415 or 422 about a body nobody should have looked at.

>>> def require_admin(request):
...     if request.headers.get("x-role") != "admin":
...         abort(403, "admins only")
>>> @app.post("/settings")
... @guard(require_admin)
... async def update_settings(settings: Settings):
...     ...
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from .callplan import HandlerCall, add_call_wrapper
from .http.request import Request
from .openapi.markers import declare_refusal, unauthorized

__all__ = ["guard"]

F = TypeVar("F", bound=Callable[..., Any])
Check = Callable[[Request], "Awaitable[None] | None"]


def guard(
    check: Check, *, security: Mapping[str, Mapping[str, Any]] | None = None
) -> Callable[[F], F]:
    """Run ``check(request)`` (sync or async) before the decorated handler is called or
    its body read; the check refuses a request by raising, e.g. with :func:`abort`.

    ``security`` names the OpenAPI security schemes the check admits (any one of them);
    the OpenAPI document then lists a 401 for the route and requires one of them:

    >>> token_required = guard(
    ...     require_token, security={"bearerAuth": {"type": "http", "scheme": "bearer"}}
    ... )
    """
    is_async = inspect.iscoroutinefunction(check)
    refusal = None if security is None else unauthorized(security)

    def wrap(call: HandlerCall) -> HandlerCall:
        async def guarded(request: Request, params: dict[str, Any]) -> Any:
            if is_async:
                await check(request)  # type: ignore[misc]
            else:
                check(request)
            return await call(request, params)

        return guarded

    def decorator(view: F) -> F:
        add_call_wrapper(view, wrap)
        if refusal is not None:
            declare_refusal(view, refusal)
        return view

    return decorator
