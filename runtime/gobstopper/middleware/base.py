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

WebSocket connections pass through the middleware that define
``async websocket(websocket, call_next)``, in the same order; ``call_next(websocket)`` runs
the rest and, at the end, the WebSocket handler. The session middleware uses it to give
connections their session; a middleware that should not see WebSockets simply does not
define it.

>>> class Deny:
...     async def __call__(self, request, call_next):
...         return await call_next(request)
...     async def websocket(self, websocket, call_next):
...         if "token" not in websocket.args:
...             websocket.refuse(403)
...             return
...         await call_next(websocket)
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..http.request import Request
    from ..http.response import Response
    from ..websocket.connection import WebSocket

__all__ = ["CallNext", "Middleware", "WebSocketNext", "build_chain", "build_websocket_chain"]

CallNext = Callable[["Request"], Awaitable["Response"]]
WebSocketNext = Callable[["WebSocket"], Awaitable[None]]


class Middleware(Protocol):
    """What :meth:`Gobstopper.add_middleware` accepts."""

    def __call__(self, request: Request, call_next: CallNext) -> Awaitable[Response]: ...


def build_chain(middlewares: Sequence[Middleware], innermost: CallNext) -> CallNext:
    """Wrap ``innermost`` in ``middlewares`` so the first one is outermost."""
    handler = innermost
    for middleware in reversed(middlewares):
        handler = functools.partial(middleware, call_next=handler)
    return handler


def build_websocket_chain(
    middlewares: Sequence[Middleware], innermost: WebSocketNext
) -> WebSocketNext:
    """Wrap ``innermost`` in the ``websocket`` hooks of the middlewares that have one,
    the first added outermost."""
    handler = innermost
    for middleware in reversed(middlewares):
        hook = getattr(middleware, "websocket", None)
        if hook is not None:
            handler = functools.partial(hook, call_next=handler)
    return handler
