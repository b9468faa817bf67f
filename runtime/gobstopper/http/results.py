"""Turning whatever a handler returns into a :class:`~gobstopper.http.response.Response`.

The common return types are dispatched by exact type through one dict lookup; the rest
(subclasses, tuples, Structs, dataclasses) take the slower, general path.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from .awaiting import not_awaited
from .response import HTMLResponse, JSONResponse, Response, StreamResponse

__all__ = ["RESULT_CONVERTERS", "make_response", "to_response"]


def _from_bytes(body: bytes) -> Response:
    return Response(body, content_type="application/octet-stream")


def _identity(response: Response) -> Response:
    return response


def _no_content(_: None) -> Response:
    return Response(b"", 204)


#: Exact return type → converter. The application looks here first, inline.
RESULT_CONVERTERS: dict[type, Callable[[Any], Response]] = {
    str: HTMLResponse,
    dict: JSONResponse,
    list: JSONResponse,
    bytes: _from_bytes,
    type(None): _no_content,
    Response: _identity,
    HTMLResponse: _identity,
    JSONResponse: _identity,
    StreamResponse: _identity,
}


def to_response(value: Any) -> Response:
    """Convert a handler's return value into a response.

    ``dict``/``list``/Struct/dataclass → JSON; ``str`` → HTML; ``bytes`` → octet-stream;
    ``None`` → 204; ``(body, status)`` and ``(body, status, headers)`` tuples; responses
    pass through unchanged.
    """
    convert = RESULT_CONVERTERS.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, tuple):
        return _from_tuple(value)
    if isinstance(value, Response):
        # Response and Struct subclasses are classes of the program, a bounded set:
        # remember them so the next return of the same type takes the dict lookup.
        RESULT_CONVERTERS[type(value)] = _identity
        return value
    if isinstance(value, msgspec.Struct):
        RESULT_CONVERTERS[type(value)] = JSONResponse
        return JSONResponse(value)
    if isinstance(value, (Mapping, list)) or dataclasses.is_dataclass(value):
        return JSONResponse(value)
    if isinstance(value, str):
        return HTMLResponse(str(value))
    if inspect.iscoroutine(value):
        raise TypeError(not_awaited(value))
    raise TypeError(
        f"a handler returned {type(value).__name__!r}, which Gobstopper cannot turn into a "
        "response; return a str, bytes, dict, list, msgspec Struct, tuple or Response"
    )


def _from_tuple(value: tuple[Any, ...]) -> Response:
    if len(value) == 2:
        body, second = value
        headers = None
        if isinstance(second, int):
            status = second
        else:
            status, headers = None, second
    elif len(value) == 3:
        body, status, headers = value
    else:
        raise TypeError(
            f"a handler returned a tuple of {len(value)} items; use (body, status) or "
            "(body, status, headers)"
        )
    response = to_response(body)
    if status is not None:
        response.status = status
    if headers:
        response.headers.update(headers)
    return response


def make_response(*args: Any) -> Response:
    """Build a response the way a handler's return value would be converted.

    >>> response = make_response({"ok": True}, 201, {"X-Request-Id": "abc"})
    >>> response.set_cookie("seen", "1")
    """
    if not args:
        return HTMLResponse("")
    if len(args) == 1:
        return to_response(args[0])
    return to_response(tuple(args))
