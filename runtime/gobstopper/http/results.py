"""Turning whatever a handler returns into a :class:`~gobstopper.http.response.Response`.

The common return types are dispatched by exact type through one dict lookup; the rest
(subclasses, tuples, Structs, dataclasses) take the slower, general path.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any

import msgspec

from .awaiting import not_awaited
from .response import (
    HTMLResponse,
    JSONResponse,
    Response,
    StreamResponse,
    encode_json,
    json_response,
)

__all__ = [
    "BODY_ONLY",
    "RESULT_CONVERTERS",
    "as_is",
    "body_only_types",
    "make_response",
    "result_converters",
    "to_response",
]


def _from_bytes(body: bytes) -> Response:
    return Response(body, content_type="application/octet-stream")


def as_is(response: Response) -> Response:
    """The converter of results that are responses already; the application compares a
    converter with it and skips the call."""
    return response


def _no_content(_: None) -> Response:
    return Response(b"", 204)


#: Exact return type → converter, for the types every application returns. Each
#: application starts from a copy (:func:`result_converters`) and looks there first, inline.
RESULT_CONVERTERS: Mapping[type, Callable[[Any], Response]] = {
    str: HTMLResponse,
    dict: json_response,
    list: json_response,
    bytes: _from_bytes,
    type(None): _no_content,
    Response: as_is,
    HTMLResponse: as_is,
    JSONResponse: as_is,
    StreamResponse: as_is,
}


#: Converters whose response is a body and one header, status 200: how to make the body
#: from the result (``None``: the ``str`` result itself) and the header. The Rust
#: dispatcher sends such results (and ``(result, status)`` pairs) without the response.
BODY_ONLY: Mapping[
    Callable[[Any], Response], tuple[Callable[[Any], bytes] | None, tuple[str, str]]
] = {
    json_response: (encode_json, ("content-type", str(JSONResponse.media_type))),
    HTMLResponse: (None, ("content-type", str(HTMLResponse.media_type))),
}


def body_only_types(
    converters: Mapping[type, Callable[[Any], Response]],
) -> dict[type, tuple[Callable[[Any], bytes] | None, tuple[str, str]]]:
    """The result types of ``converters`` whose response is a body and one header
    (:data:`BODY_ONLY`), each with how to make that body and the header: what a
    ``(result, status)`` pair is sent with when it needs no response. Built with the
    converter table, so a pair costs one lookup."""
    table = {}
    for cls, convert in converters.items():
        how = BODY_ONLY.get(convert)
        if how is not None and (how[0] is not None or cls is str):
            table[cls] = how
    return table


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
        return value
    if isinstance(value, msgspec.Struct):
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


def result_converters(
    handlers: Iterable[Callable[..., Any]],
) -> dict[type, Callable[[Any], Response]]:
    """The converter table of an application: :data:`RESULT_CONVERTERS`, every Response
    class defined by then, and the Struct classes its handlers' return annotations name,
    so those take the dict lookup too. Built once, when the application starts; never
    changed while it serves."""
    table = dict(RESULT_CONVERTERS)
    for subclass in _subclasses(Response):
        table.setdefault(subclass, as_is)
    for subclass in _subclasses(msgspec.Struct):
        table.setdefault(subclass, json_response)
    for handler in handlers:
        returned = _return_annotation(handler)
        if not isinstance(returned, type) or returned in table:
            continue
        if issubclass(returned, Response):
            table[returned] = as_is
        elif issubclass(returned, msgspec.Struct):
            table[returned] = json_response
    # ``(body, status)`` tuples convert their body through this table too.
    table[tuple] = partial(_from_tuple, table=table)
    return table


def _subclasses(cls: type) -> Iterator[type]:
    """Every subclass of ``cls`` defined so far, at any depth."""
    pending: list[type] = [cls]
    while pending:
        subclasses: list[type] = pending.pop().__subclasses__()
        for subclass in subclasses:
            yield subclass
            pending.append(subclass)


def _return_annotation(handler: Callable[..., Any]) -> Any:
    try:
        return typing.get_type_hints(handler).get("return")
    except Exception:  # an annotation naming something undefined: no entry, no harm
        return None


def _from_tuple(
    value: tuple[Any, ...], table: Mapping[type, Callable[[Any], Response]] = RESULT_CONVERTERS
) -> Response:
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
    convert = table.get(type(body))
    response = convert(body) if convert is not None else to_response(body)
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
