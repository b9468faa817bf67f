"""The RSGI adapter: how one HTTP request or WebSocket connection from Granian (or the
:class:`~gobstopper.testing.TestClient`) reaches an application and leaves it.

Everything RSGI-specific happens here: reading the scope, running the middleware chain,
``after_this_request`` callbacks, the cookie policy, and handing the response to the
protocol. :class:`~gobstopper.Gobstopper` uses :func:`serve` as its ``__rsgi__``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from .http.jsonbody import decode_json
from .http.request import Request, current_request, disconnected, made_request
from .http.response import (
    NO_BODY_STATUSES,
    JSONResponse,
    Response,
    encode_json,
    json_response,
)
from .http.results import as_is, to_response
from .middleware.base import build_websocket_chain
from .websocket.connection import CloseCode, WebSocket, WebSocketDisconnect
from .websocket.rooms import leave_all

if TYPE_CHECKING:
    from .app import Gobstopper

__all__ = ["deliver", "serve"]

logger = logging.getLogger("gobstopper")
_JSON_HEADER = ("content-type", str(JSONResponse.media_type))
#: How a response held in memory sends itself (it needs no request).
_IN_MEMORY_SEND = Response.send


async def serve(app: Gobstopper, scope: Any, protocol: Any) -> None:
    """Serve one RSGI call: an HTTP request, or a whole WebSocket connection.

    As the Rust core's dispatcher does, a handler that does not take the request is
    called before any request is made (``Endpoint.requestless``), and one that takes a
    JSON body and path parameters alone gets the usual body read and decoded here
    (``Endpoint.body_reader``): the request waits (see
    :func:`~gobstopper.http.request.made_request`) until something asks for it, and a
    response held in memory is sent without it.
    """
    if not app.serving:
        app.start_serving()
    if scope.proto != "http":
        await serve_websocket(app, scope, protocol)
        return
    request = waiting = None
    try:
        if app.direct:
            # Gobstopper.begin's routing, inlined.
            endpoints = app.static_routes.get(scope.path)
            if endpoints is not None:
                params = {}
            else:
                found = app.match_dynamic(scope.path)
                endpoints, params = (None, {}) if found is None else found
            endpoint = None if endpoints is None else endpoints.get(scope.method)
            if endpoint is not None and (handler := endpoint.requestless) is not None:
                # A request in waiting (see made_request): a list, the cheapest to make.
                waiting = [None, app, scope, protocol, params, endpoint.name, None]
                if app.uses_request_context:
                    current_request.set(waiting)
                if not params:
                    result = await handler()
                elif (value := endpoint.path_value) is not None:
                    result = await handler(value(params))
                elif (values := endpoint.path_values) is not None:
                    result = await handler(*values(params))
                else:
                    result = await handler(**params)
                request = waiting[0]
            elif (
                endpoint is not None
                and (reader := endpoint.body_reader) is not None
                and scope.headers.get("content-type") == "application/json"
                and (length := scope.headers.get("content-length")) is not None
                and length.isascii()
                and length.isdigit()
                and int(length) <= app.settings.json_max_bytes
            ):
                # The call plan's body reading, as the Rust dispatcher does it: a body
                # declared exactly ``application/json``, with a Content-Length of ASCII
                # digits within the limit, is read and decoded before any request is made;
                # any other body goes through the plan, which answers it.
                waiting = [None, app, scope, protocol, params, endpoint.name, None]
                if app.uses_request_context:
                    current_request.set(waiting)
                try:
                    waiting[6] = await protocol()
                except Exception as lost:
                    raise disconnected() from lost
                handler, name, decoder = reader
                body = decode_json(waiting[6], decoder, app.settings.json_max_depth)
                if endpoint.body_alone:
                    result = await handler(body)
                else:
                    result = await handler(**params, **{name: body})
                request = waiting[0]
            else:
                request = Request(scope, protocol, app)
                if app.uses_request_context:
                    current_request.set(request)
                result = await app.begin_routed(request, endpoints, endpoint, params)
            # Gobstopper._dispatch and respond(), inlined when there is no middleware: a
            # coroutine and a call less.
            callbacks = None if request is None else request.after_callbacks
            convert = app.converters.get(type(result))
            if convert is as_is:
                response = result
            elif convert is json_response and callbacks is None:
                # json_response(result).send(...), without the response (cookie-free).
                protocol.response_bytes(200, [_JSON_HEADER], encode_json(result))
                return
            elif (
                type(result) is tuple
                and callbacks is None
                and _sent_pair(protocol, result, app.body_only)
            ):
                return
            elif convert is not None:
                response = convert(result)
            else:
                response = to_response(result)
        else:
            request = Request(scope, protocol, app)
            if app.uses_request_context:
                current_request.set(request)
            response = await app.entry(request)
    except Exception as error:
        if waiting is not None:
            # The handler that did not take the request failed, or its result did.
            request = made_request(waiting)
        elif request is None:  # routing failed: a converter raised
            request = Request(scope, protocol, app)
            if app.uses_request_context:
                current_request.set(request)
        if app.direct:  # the handler failed, or its result could not be sent
            response = await app.route_error(request, error)
        else:  # a middleware failed, or refused with an HTTPException
            response = await app.handle_exception(request, error)
    if request is None:
        # The handler did not take the request, and nothing asked for it: a response held
        # in memory is sent without it, any other (a file, a stream) with it.
        if type(response).send is _IN_MEMORY_SEND:
            if app.secure_cookies:
                app.cookie_policy.apply(response.raw_headers)
            response.send(protocol)
            return
        request = made_request(cast(list[Any], waiting))
    # deliver(), inlined: a coroutine less per request.
    if request.after_callbacks is not None:
        response = await _after_this_request(app, request, request.after_callbacks, response)
    if app.secure_cookies:
        app.cookie_policy.apply(response.raw_headers)
    pending = response.send(protocol, request)
    if pending is not None:
        await pending


def _sent_pair(
    protocol: Any,
    result: tuple[Any, ...],
    body_only: Mapping[type, tuple[Callable[[Any], bytes] | None, tuple[str, str]]],
) -> bool:
    """Send ``(body, status)`` without its response when the body's type is sent as a
    body and one header (``app.body_only``) and the status is an ``int``, as the Rust
    dispatcher does; whether it was sent."""
    if len(result) != 2:
        return False
    body, status = result
    how = body_only.get(type(body))
    if how is None or type(status) is not int:
        return False
    encode, header = how
    payload = body if encode is None else encode(body)  # None: the body is a str
    if not payload or status in NO_BODY_STATUSES:
        protocol.response_empty(status, [header])
    elif encode is None:
        protocol.response_str(status, [header], payload)
    else:
        protocol.response_bytes(status, [header], payload)
    return True


async def deliver(app: Gobstopper, request: Request, protocol: Any, response: Response) -> None:
    """Send ``response`` to ``request``, as :func:`serve` does once it has one: after the
    request's ``after_this_request`` callbacks and the application's cookie policy."""
    if request.after_callbacks is not None:
        response = await _after_this_request(app, request, request.after_callbacks, response)
    if app.secure_cookies:
        app.cookie_policy.apply(response.raw_headers)
    pending = response.send(protocol, request)
    if pending is not None:
        await pending


async def _after_this_request(
    app: Gobstopper,
    request: Request,
    callbacks: list[Callable[[Response], Any]],
    response: Response,
) -> Response:
    for callback in callbacks:
        try:
            response = to_response(callback(response) or response)
        except Exception as error:
            response = await app.handle_exception(request, error)
    return response


async def serve_websocket(app: Gobstopper, scope: Any, protocol: Any) -> None:
    """Serve one WebSocket connection: route it, check its origin, pass it through the
    middleware that see WebSockets (sessions), run its handler, and close it with the code
    that says how the handler ended."""
    found = app.websocket_router.match(scope.path)
    if found is None:
        protocol.close(404)
        return
    specs, params = found
    spec = specs["WS"]
    websocket = WebSocket(scope, protocol, app, params)
    if app.uses_request_context:
        current_request.set(websocket.request)
    if spec.origins is not None and scope.headers.get("origin") not in spec.origins:
        websocket.refuse(403)
        return

    async def handler(websocket: WebSocket) -> None:
        await spec.handler(websocket, **params)

    try:
        await build_websocket_chain(app.middleware, handler)(websocket)
    except WebSocketDisconnect:
        pass
    except Exception:
        logger.exception("WebSocket handler %s failed on %s", spec.endpoint, scope.path)
        if websocket.accepted:
            websocket.close_nowait(CloseCode.INTERNAL_ERROR)
        else:
            websocket.refuse(500)
    finally:
        leave_all(websocket)
        if websocket.connected:
            websocket.close_nowait(CloseCode.NORMAL)
        elif not websocket.accepted and not websocket.rejected:
            logger.warning(
                "WebSocket handler %s returned without accepting, sending or receiving: the "
                "upgrade to %s is refused with 403 (call websocket.close() to refuse on purpose)",
                spec.endpoint,
                scope.path,
            )
            websocket.refuse(403)
