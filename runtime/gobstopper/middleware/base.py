"""The middleware interface and how the chain is assembled (once, at startup).

A middleware is any async callable ``(request, call_next) -> Response``; ``call_next``
runs the rest of the chain and, at its end, the router. The first middleware added is the
outermost: it sees the request first and the response last.

>>> class Timing:
...     async def __call__(self, request, call_next):
...         started = time.perf_counter()
...         response = await call_next(request)
...         elapsed = (time.perf_counter() - started) * 1000
...         response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
...         return response
>>> app.add_middleware(Timing())

A middleware may also define ``check_app(app)``: the application calls it once when it
builds its chain, so a middleware can refuse a setup it cannot serve (the CSRF middleware
refuses a chain without a session middleware before it) at startup rather than on every
request.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..http.request import Request
    from ..http.response import Response

__all__ = ["CallNext", "Middleware", "build_chain"]

CallNext = Callable[["Request"], Awaitable["Response"]]


class Middleware(Protocol):
    """What :meth:`Gobstopper.add_middleware` accepts."""

    def __call__(self, request: Request, call_next: CallNext) -> Awaitable[Response]: ...


def build_chain(middlewares: Sequence[Middleware], innermost: CallNext) -> CallNext:
    """Wrap ``innermost`` in ``middlewares`` so the first one is outermost."""
    handler = innermost
    for middleware in reversed(middlewares):
        handler = functools.partial(middleware, call_next=handler)
    return handler
