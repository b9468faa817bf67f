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
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .callplan import HandlerCall, add_call_wrapper
from .http.request import Request

__all__ = ["guard"]

F = TypeVar("F", bound=Callable[..., Any])
Check = Callable[[Request], "Awaitable[None] | None"]


def guard(check: Check) -> Callable[[F], F]:
    """Run ``check(request)`` (sync or async) before the decorated handler is called or
    its body read; the check refuses a request by raising, e.g. with :func:`abort`."""
    is_async = inspect.iscoroutinefunction(check)

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
        return view

    return decorator
