"""Response classes and the helpers that build them.

Every response knows how to hand itself to an RSGI HTTP protocol (:meth:`Response.send`):
that call is the only place where responses touch Granian, so the
:class:`~gobstopper.testing.TestClient` exercises exactly what a server does.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from .awaiting import explain_unencodable
from .cookies import SameSite, set_cookie_value
from .datastructures import MutableHeaders
from .rsgi import HTTPProtocol

if TYPE_CHECKING:
    from .request import Request

__all__ = [
    "NO_BODY_STATUSES",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamResponse",
    "encode_json",
    "json_response",
    "jsonify",
    "redirect",
]

HeadersLike = Mapping[str, str] | Iterable[tuple[str, str]]

logger = logging.getLogger("gobstopper")
#: JSON bytes of what a handler returns; an unencodable value raises a TypeError that
#: names it.
encode_json = msgspec.json.Encoder(enc_hook=explain_unencodable).encode
#: The statuses whose responses carry no body (nor a content type).
NO_BODY_STATUSES = frozenset({204, 304}) | frozenset(range(100, 200))


def _header_list(headers: HeadersLike | None, content_type: str | None) -> list[tuple[str, str]]:
    raw: list[tuple[str, str]] = []
    if content_type is not None:
        raw.append(("content-type", content_type))
    if headers:
        editor = MutableHeaders(raw)
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for key, value in pairs:
            if key.lower() == "content-type":
                editor[key] = value
            else:
                editor.add(key, value)
    return raw


class Response:
    """An HTTP response with a body held in memory.

    ``body`` may be ``str`` (sent as UTF-8) or ``bytes``. Without ``content_type`` the class
    default applies (``text/html; charset=utf-8`` here).

    >>> Response("created", status=201, headers={"Location": "/items/7"})
    """

    __slots__ = ("body", "raw_headers", "status")

    media_type: str | None = "text/html; charset=utf-8"

    def __init__(
        self,
        body: str | bytes = b"",
        status: int = 200,
        headers: HeadersLike | None = None,
        content_type: str | None = None,
    ) -> None:
        self.body = body
        self.status = status
        # 204, 304 and 1xx carry no body, so no content type either.
        content_type = None if status in NO_BODY_STATUSES else content_type or self.media_type
        if headers is None:
            self.raw_headers = [("content-type", content_type)] if content_type else []
        else:
            self.raw_headers = _header_list(headers, content_type)

    @property
    def headers(self) -> MutableHeaders:
        """The response headers, editable in place."""
        return MutableHeaders(self.raw_headers)

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, or ``None``."""
        return self.headers.get("content-type")

    def get_data(self) -> bytes:
        """Return the body as bytes."""
        body = self.body
        return body.encode() if isinstance(body, str) else bytes(body)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | None = None,
        expires: datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool | None = None,
        httponly: bool | None = None,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header.

        Defaults are safe: ``HttpOnly`` and ``SameSite=Lax``, plus ``Secure`` when the
        application sending it runs in production (its
        :class:`~gobstopper.http.cookies.CookiePolicy`). Names and values
        holding CR/LF, ``;`` or spaces raise :class:`ValueError`.
        """
        self.raw_headers.append(
            (
                "set-cookie",
                set_cookie_value(
                    key,
                    value,
                    max_age=max_age,
                    expires=expires,
                    path=path,
                    domain=domain,
                    secure=secure,
                    httponly=httponly,
                    samesite=samesite,
                    partitioned=partitioned,
                ),
            )
        )

    def delete_cookie(self, key: str, *, path: str | None = "/", domain: str | None = None) -> None:
        """Tell the client to drop cookie ``key`` (same path and domain as when set)."""
        self.set_cookie(key, "", max_age=0, expires=0, path=path, domain=domain)

    def send(
        self, protocol: HTTPProtocol, request: Request | None = None
    ) -> Awaitable[None] | None:
        """Hand this response to an RSGI ``protocol``, once.

        A response held in memory is sent at once and ``None`` returned, saving a
        coroutine per request; one that must wait while it sends (a stream) returns the
        awaitable that sends it. ``request`` lets a response answer conditional and range
        requests (file responses).
        """
        body = self.body
        if not body or self.status in NO_BODY_STATUSES:
            protocol.response_empty(self.status, self.raw_headers)
        elif type(body) is bytes:
            protocol.response_bytes(self.status, self.raw_headers, body)
        elif type(body) is str:
            protocol.response_str(self.status, self.raw_headers, body)
        elif isinstance(body, str):
            # A str subclass such as markupsafe.Markup: sent as the plain text it holds.
            protocol.response_str(self.status, self.raw_headers, str(body))
        else:
            protocol.response_bytes(self.status, self.raw_headers, bytes(body))
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status}>"


class HTMLResponse(Response):
    """A ``text/html`` response."""

    __slots__ = ()


class PlainTextResponse(Response):
    """A ``text/plain`` response."""

    __slots__ = ()
    media_type = "text/plain; charset=utf-8"


class JSONResponse(Response):
    """A response whose body is ``content`` encoded as JSON by msgspec.

    ``content`` may be anything msgspec encodes: dicts, lists, Structs, dataclasses,
    datetimes, UUIDs.
    """

    __slots__ = ()
    media_type = "application/json"

    def __init__(
        self,
        content: Any = None,
        status: int = 200,
        headers: HeadersLike | None = None,
        content_type: str | None = None,
    ) -> None:
        Response.__init__(self, encode_json(content), status, headers, content_type)


def json_response(content: Any) -> JSONResponse:
    """``JSONResponse(content)``, built without its two ``__init__`` calls: what a handler
    returning a dict, list or Struct gets, the most common result of all."""
    response = _new(JSONResponse)
    response.body = encode_json(content)
    response.status = 200
    response.raw_headers = [("content-type", "application/json")]
    return response


_new = object.__new__


class RedirectResponse(Response):
    """Redirect the client to ``location`` (302 unless told otherwise)."""

    __slots__ = ()
    media_type = None

    def __init__(
        self, location: str, status: int = 302, headers: HeadersLike | None = None
    ) -> None:
        if "\r" in location or "\n" in location:
            raise ValueError("redirect location must not contain CR or LF")
        super().__init__(b"", status, headers)
        self.raw_headers.append(("location", quote(location, safe="/:?#[]@!$&'()*+,;=%~")))


class StreamResponse(Response):
    """A response whose body is produced chunk by chunk by an async iterable.

    >>> async def numbers():
    ...     for n in range(3):
    ...         yield f"{n}\\n"
    >>> StreamResponse(numbers(), content_type="text/plain")

    A client that disconnects ends the stream: the iterator is closed, nothing is raised.
    """

    __slots__ = ("chunks",)

    def __init__(
        self,
        chunks: AsyncIterable[str | bytes],
        status: int = 200,
        headers: HeadersLike | None = None,
        content_type: str | None = None,
    ) -> None:
        super().__init__(b"", status, headers, content_type)
        self.chunks = chunks

    def send(
        self, protocol: HTTPProtocol, request: Request | None = None
    ) -> Awaitable[None] | None:
        """Start the response and return the awaitable that streams its body."""
        return self._stream(protocol)

    async def _stream(self, protocol: HTTPProtocol) -> None:
        transport = protocol.response_stream(self.status, self.raw_headers)
        iterator: AsyncIterator[str | bytes] = aiter(self.chunks)
        try:
            async for chunk in iterator:
                try:
                    if isinstance(chunk, str):
                        await transport.send_str(chunk)
                    else:
                        await transport.send_bytes(bytes(chunk))
                except RuntimeError:
                    # Granian raises RSGIProtocolClosed (a RuntimeError) once the client is gone.
                    return
        except Exception:
            # The status line is already sent: all that is left is to end the body and log.
            logger.exception("stream of %r failed after the response started", self.chunks)
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()


def jsonify(*args: Any, **kwargs: Any) -> JSONResponse:
    """Return a :class:`JSONResponse`, as Flask's ``jsonify`` does.

    ``jsonify(a=1)`` and ``jsonify({"a": 1})`` give ``{"a": 1}``; several positional
    arguments give a list.
    """
    if args and kwargs:
        raise TypeError("jsonify() takes positional or keyword arguments, not both")
    if kwargs:
        return JSONResponse(kwargs)
    if len(args) == 1:
        return JSONResponse(args[0])
    return JSONResponse(list(args))


def redirect(location: str, code: int = 302) -> RedirectResponse:
    """Return a redirect to ``location`` with status ``code``."""
    return RedirectResponse(location, code)
