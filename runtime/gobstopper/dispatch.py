"""Dispatch by the Rust core: the common request served without Gobstopper's Python
frames, everything else by :func:`~gobstopper.serving.serve`, with identical results.

With the Rust core active, an application's RSGI callable is a ``Dispatcher`` (made by
:func:`native_entry`). Until the application starts serving it hands every request to
:func:`~gobstopper.serving.serve`; then :func:`install` gives it the tables of the routes
it serves itself: every route, in an application without middleware. A handler that
takes only path parameters (and perhaps the request first) it calls itself, and one that
takes a JSON body besides (its call plan's ``direct_body``) once it has read and decoded
the usual body; any other through its call plan (query arguments, converted path
parameters, an unusual body), as :meth:`~gobstopper.Gobstopper.begin` does. It makes the
:class:`~gobstopper.Request` only when something uses it: the handler takes it, or code
reads :data:`gobstopper.request` (``session``, ``g``, a template), which finds the
request in waiting current when the application
:attr:`~gobstopper.Gobstopper.uses_request_context` (see :func:`request_in_context`). It
drives the handler's coroutine and sends the response it returns when that is held in
memory.
What it does not finish (an error, a result to convert in Python, ``after_this_request``
callbacks, a stream) it hands to :func:`finish`, :func:`fail` or :func:`finish_awaiting`,
which do what :func:`~gobstopper.serving.serve` would have done from there.
"""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial
from typing import TYPE_CHECKING, Any

from .accelerators import native
from .http.jsonbody import decode_json
from .http.request import Request, current_request, disconnected
from .http.response import Response
from .http.results import BODY_ONLY, as_is
from .serving import deliver, serve

if TYPE_CHECKING:
    from .app import Gobstopper
    from .endpoint import Endpoint
    from .routing.router import Router

__all__ = [
    "body_lost",
    "fail",
    "finish",
    "finish_awaiting",
    "install",
    "native_entry",
    "request_preset",
]


def native_entry(app: Gobstopper) -> Any | None:
    """The Rust core's RSGI callable for ``app`` (serving everything through
    :func:`~gobstopper.serving.serve` until :func:`install`), or ``None`` on the
    pure-Python path."""
    core = native()
    if core is None:
        return None
    return core.Dispatcher(partial(serve, app))


def install(entry: Any, app: Gobstopper, router: Router[Endpoint]) -> None:
    """Give ``entry`` the tables of ``app`` as built, once it starts serving: the routes
    it serves itself, or none when the application has middleware."""
    if not app.direct:
        entry.clear()
        return
    # As Gobstopper.begin does: a route with hooks through them, a handler its call plan
    # would call directly so, any other through its call plan. The last item names what
    # the handler takes by position, in its order: its path parameters
    # (DirectCall.positional), or a body it takes alone.
    routes = [
        (endpoint, endpoint.run_hooked, True, True, endpoint.name, None, None)
        if endpoint.hooked
        else (
            endpoint,
            endpoint.target,
            endpoint.passes_request,
            False,
            endpoint.name,
            None,
            endpoint.call.positional,  # type: ignore[attr-defined]
        )
        if endpoint.target is not None
        else _planned_route(endpoint)
        for _, _, endpoint in router
    ]
    converters = {
        cls: None if convert is as_is else convert for cls, convert in app.converters.items()
    }
    # Responses whose send() is Response.send, which the dispatcher does itself.
    sendable = [
        cls for cls, convert in app.converters.items() if convert is as_is and _sends_in_memory(cls)
    ]
    entry.install(
        static_routes=router.static_routes,
        match_dynamic=router.match_dynamic,
        routes=routes,
        converters=converters,
        direct=BODY_ONLY,
        sendable=sendable,
        request_class=Request,
        request_preset=request_preset(Request, app),
        app=app,
        finish=partial(finish, app),
        fail=partial(fail, app),
        finish_awaiting=partial(finish_awaiting, app),
        apply_cookies=app.cookie_policy.apply if app.secure_cookies else None,
        make_current=current_request.set if app.uses_request_context else None,
        json_limits=(app.settings.json_max_bytes, app.settings.json_max_depth),
        decode_json=decode_json,
        body_lost=body_lost,
    )


#: The slots of a request the dispatcher fills for each request (the rest are preset).
_PER_REQUEST = frozenset({"scope", "protocol", "path_params", "endpoint"})


def request_preset(cls: type[Request], app: Gobstopper) -> dict[str, Any] | None:
    """What every new ``cls`` instance of ``app`` holds besides its per-request slots,
    by slot, when that is only ``None`` and ``app`` (shared safely by every request), so
    the dispatcher can make requests without running ``__init__``; else ``None``."""
    made = cls(None, None, app)  # type: ignore[arg-type]
    slots = [slot for klass in cls.__mro__ for slot in getattr(klass, "__slots__", ())]
    preset = {slot: getattr(made, slot) for slot in slots if hasattr(made, slot)}
    preset.update(getattr(made, "__dict__", {}))
    for slot in _PER_REQUEST:
        preset.pop(slot, None)
    if all(value is None or value is app for value in preset.values()):
        return preset
    return None


def _planned_route(endpoint: Endpoint) -> tuple[Any, ...]:
    """The route of a handler called through its call plan, with the body it may have
    the dispatcher read (``direct_body``)."""
    direct_body = getattr(endpoint.call, "direct_body", None)
    positional = None
    if direct_body is not None and endpoint.body_alone:
        positional = (direct_body[1],)
    return (endpoint, endpoint.call, True, True, endpoint.name, direct_body, positional)


def _sends_in_memory(cls: type) -> bool:
    return issubclass(cls, Response) and cls.send is Response.send


def _make_current(app: Gobstopper, request: Request) -> None:
    """Make ``request`` current when the application makes requests current: its handler
    may not have started, or found only the request in waiting current."""
    if app.uses_request_context:
        current_request.set(request)


def body_lost(error: Exception) -> Exception:
    """The error for a body whose read raised ``error``, as
    :meth:`~gobstopper.Request.body` raises it."""
    lost = disconnected()
    lost.__cause__ = error
    return lost


async def finish(app: Gobstopper, request: Request, result: Any) -> None:
    """Answer with the handler's ``result``, as :func:`~gobstopper.serving.serve` does."""
    _make_current(app, request)
    try:
        response = app.respond(result)
    except Exception as error:
        response = await app.route_error(request, error)
    await deliver(app, request, request.protocol, response)


async def fail(app: Gobstopper, request: Request, error: Exception) -> None:
    """Answer with the error handlers' response to ``error``, which the handler raised
    (or its result's conversion)."""
    _make_current(app, request)
    await deliver(app, request, request.protocol, await app.route_error(request, error))


async def finish_awaiting(app: Gobstopper, request: Request, awaitable: Awaitable[Any]) -> None:
    """Await what a handler returned that is not a coroutine, then answer as
    :func:`finish` (or :func:`fail`)."""
    _make_current(app, request)
    try:
        result = await awaitable
    except Exception as error:
        await fail(app, request, error)
        return
    await finish(app, request, result)
