"""The :class:`Request`: a lazy view of one RSGI HTTP request.

Nothing is parsed until asked for: headers, query arguments, cookies and the body are each
decoded on first access and cached, so a handler that reads nothing pays for nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncGenerator, Callable
from contextvars import ContextVar
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import msgspec

from .cookies import parse_cookie_header
from .datastructures import Headers, MultiDict
from .errors import HTTPException
from .jsonbody import decode_json, decoder_for, is_json_content_type
from .negotiation import prefers_json
from .rsgi import HTTPProtocol, RSGIScope
from .uploads import parse_multipart

if TYPE_CHECKING:
    from ..app import Gobstopper
    from ..globals import RequestGlobals
    from ..sessions.session import Session
    from .response import Response

__all__ = [
    "Request",
    "current_request",
    "disconnected",
    "made_request",
    "request_in_context",
]

_FORM_TYPE = "application/x-www-form-urlencoded"
_MULTIPART_TYPE = "multipart/form-data"


class Request:
    """One HTTP request, as handlers, hooks and middleware see it.

    >>> @app.post("/echo")
    ... async def echo(request: Request):
    ...     data = await request.get_json()
    ...     return {"you_sent": data, "page": request.args.get("page", 1, type=int)}
    """

    __slots__ = (
        "_args",
        "_cookies",
        "_files",
        "_form",
        "_g",
        "_headers",
        "_json",
        "_max_body_bytes",
        "_max_json_depth",
        "_max_upload_bytes",
        "_session",
        "_state",
        "after_callbacks",
        "app",
        "cached_body",
        "endpoint",
        "path_params",
        "protocol",
        "scope",
    )

    # Filled on first use: None until then.
    _args: MultiDict | None
    _cookies: dict[str, str] | None
    _g: RequestGlobals | None
    _headers: Headers | None
    _state: SimpleNamespace | None
    # Filled on first use, rarely (each property catches AttributeError until then).
    _files: MultiDict
    _form: MultiDict
    _json: Any
    _max_upload_bytes: int | None
    _session: Session
    #: The matched endpoint's name (``"api.show_user"``), set before the handler runs.
    endpoint: str
    #: The converted path parameters of the matched route.
    path_params: dict[str, Any]
    #: The RSGI scope Granian gave (method, path, headers, client...), read as is.
    scope: RSGIScope
    #: The RSGI protocol the body is read from; ``None`` for a WebSocket upgrade request.
    protocol: HTTPProtocol | None
    #: The whole body once it has been read, else ``None``.
    cached_body: bytes | None
    #: Callbacks :meth:`after_this_request` registered, run on the response once built.
    after_callbacks: list[Callable[[Response], Response | None]] | None

    def __init__(self, scope: RSGIScope, protocol: HTTPProtocol | None, app: Gobstopper) -> None:
        self.scope = scope
        self.protocol = protocol
        self.app = app
        # Read on every body access: plain attributes are far cheaper than catching
        # AttributeError on unset slots.
        self.cached_body = None
        self.after_callbacks = None
        self._max_body_bytes: int | None = None
        self._max_json_depth: int | None = None
        # Read by most handlers: a None test costs a fraction of a caught AttributeError.
        self._headers = self._args = self._cookies = self._g = self._state = None

    # -- request line ---------------------------------------------------------------------

    @property
    def method(self) -> str:
        """The HTTP method, upper-case (``"GET"``)."""
        return self.scope.method

    @property
    def path(self) -> str:
        """The percent-decoded path (``"/users/7"``)."""
        return self.scope.path

    @property
    def query_string(self) -> str:
        """The raw query string, without the ``?``."""
        return self.scope.query_string

    @property
    def scheme(self) -> str:
        """``"http"`` or ``"https"``."""
        return self.scope.scheme

    @property
    def http_version(self) -> str:
        """``"1.1"``, ``"2"``..."""
        return self.scope.http_version

    @property
    def host(self) -> str:
        """The ``Host`` header (or HTTP/2 authority), else the server address."""
        return self.scope.headers.get("host") or self.scope.authority or self.scope.server

    @property
    def url(self) -> str:
        """The full URL: scheme, host, path and query."""
        query = self.scope.query_string
        base = f"{self.scheme}://{self.host}{self.path}"
        return f"{base}?{query}" if query else base

    @property
    def base_url(self) -> str:
        """Scheme and host, with a trailing slash (``"https://example.com/"``)."""
        return f"{self.scheme}://{self.host}/"

    # -- headers, query, cookies ----------------------------------------------------------

    @property
    def headers(self) -> Headers:
        """Case-insensitive request headers."""
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers(self.scope.headers)
        return headers

    @property
    def args(self) -> MultiDict:
        """Query-string arguments; repeated keys keep every value (``getlist``)."""
        args = self._args
        if args is None:
            query = parse_qsl(self.scope.query_string, keep_blank_values=True)
            args = self._args = MultiDict(query)
        return args

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies sent by the client; malformed pairs are ignored."""
        cookies = self._cookies
        if cookies is None:
            header = self.scope.headers.get("cookie")
            cookies = self._cookies = parse_cookie_header(header) if header else {}
        return cookies

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, or ``None``."""
        return self.scope.headers.get("content-type")

    @property
    def mimetype(self) -> str:
        """The media type of the body without parameters, lower-cased (``""`` if none)."""
        value = self.scope.headers.get("content-type") or ""
        return value.partition(";")[0].strip().lower()

    @property
    def is_secure(self) -> bool:
        """Whether the client connected over HTTPS (as told by a trusted proxy's
        ``X-Forwarded-Proto`` when the server sits behind one)."""
        if self.scope.scheme == "https":
            return True
        trusted = self.app.settings.trusted_proxies
        if trusted and _is_trusted(_host_of(self.scope.client), trusted):
            return self.scope.headers.get("x-forwarded-proto", "").lower() == "https"
        return False

    @property
    def content_length(self) -> int | None:
        """The declared ``Content-Length``, or ``None`` when absent or invalid."""
        value = self.scope.headers.get("content-length")
        if value is None or not value.isdigit():
            return None
        return int(value)

    @property
    def is_json(self) -> bool:
        """Whether the body is declared as JSON (``application/json`` or ``+json``)."""
        return is_json_content_type(self.content_type)

    @property
    def accepts_json(self) -> bool:
        """Whether the client prefers JSON to HTML, as the default error pages decide it:
        ``Accept`` with its q-values (see :func:`~gobstopper.http.negotiation.prefers_json`),
        else whether the request itself carries JSON.
        """
        return prefers_json(self.scope.headers.get("accept"), self.is_json)

    @property
    def client_ip(self) -> str:
        """The client's IP address.

        ``X-Forwarded-For`` is honoured only when the direct peer is one of the trusted
        proxies (``Gobstopper(trusted_proxies=[...])`` or ``GOBSTOPPER_TRUSTED_PROXIES``);
        the address returned is then the nearest hop that is not itself trusted.
        """
        peer = _host_of(self.scope.client)
        trusted = self.app.settings.trusted_proxies
        if not trusted or not _is_trusted(peer, trusted):
            return peer
        forwarded = self.scope.headers.get("x-forwarded-for")
        if not forwarded:
            return peer
        hops = [hop.strip() for hop in forwarded.split(",")]
        for hop in reversed(hops):
            if not _is_trusted(hop, trusted):
                return hop if _is_ip(hop) else peer
        return hops[0]

    def after_this_request(
        self, func: Callable[[Response], Response | None]
    ) -> Callable[[Response], Response | None]:
        """Run ``func(response)`` on this request's response before it is sent (after
        every middleware); it may return a replacement response. Usable as a decorator."""
        if self.after_callbacks is None:
            self.after_callbacks = []
        self.after_callbacks.append(func)
        return func

    @property
    def session(self) -> Session:
        """The session (needs :class:`~gobstopper.sessions.SessionMiddleware`)."""
        try:
            return self._session
        except AttributeError:
            raise RuntimeError(
                "request.session needs a session middleware: "
                "app.add_middleware(SessionMiddleware(store))"
            ) from None

    @property
    def g(self) -> RequestGlobals:
        """A namespace for this request only (Flask's ``g``): hooks leave values there
        for the handler. Also reachable as :data:`gobstopper.g`."""
        g = self._g
        if g is None:
            from ..globals import RequestGlobals

            g = self._g = RequestGlobals()
        return g

    def bind_session(self, session: Session) -> None:
        """Give this request its session (what a session middleware does)."""
        self._session = session

    @property
    def has_session(self) -> bool:
        """Whether a session middleware gave this request a session."""
        return hasattr(self, "_session")

    @property
    def state(self) -> SimpleNamespace:
        """A namespace for data shared by hooks, middleware and the handler of one request."""
        state = self._state
        if state is None:
            state = self._state = SimpleNamespace()
        return state

    # -- limits ---------------------------------------------------------------------------

    @property
    def max_body_bytes(self) -> int:
        """Largest body this request may carry (``GOBSTOPPER_JSON_MAX_BYTES`` by default).

        Set it in a ``before_request`` hook or middleware to allow a larger body for one
        request; a larger body gets 413 and is never read into memory whole.
        """
        override = self._max_body_bytes
        return self.app.settings.json_max_bytes if override is None else override

    @max_body_bytes.setter
    def max_body_bytes(self, value: int) -> None:
        self._max_body_bytes = value

    @property
    def max_upload_bytes(self) -> int:
        """Largest ``multipart/form-data`` body (``GOBSTOPPER_MAX_UPLOAD_BYTES`` by default);
        settable per request like :attr:`max_body_bytes`."""
        override = getattr(self, "_max_upload_bytes", None)
        return self.app.settings.max_upload_bytes if override is None else override

    @max_upload_bytes.setter
    def max_upload_bytes(self, value: int) -> None:
        self._max_upload_bytes = value

    @property
    def max_json_depth(self) -> int:
        """Deepest JSON nesting accepted (``GOBSTOPPER_JSON_MAX_DEPTH`` by default)."""
        override = self._max_json_depth
        return self.app.settings.json_max_depth if override is None else override

    @max_json_depth.setter
    def max_json_depth(self, value: int) -> None:
        self._max_json_depth = value

    # -- body -----------------------------------------------------------------------------

    async def body(self) -> bytes:
        """Read the whole body (once; later calls return the cached bytes).

        Raises 413 as soon as the body is known to exceed :attr:`max_body_bytes` — from
        ``Content-Length`` before reading, or while reading a chunked body.
        """
        if self.cached_body is not None:
            return self.cached_body
        if self.protocol is None:  # a WebSocket upgrade request has no body
            return b""
        if self.declared_length() is not None:
            try:
                body = await self.protocol()
            except Exception as error:
                raise disconnected() from error
        else:
            body = b"".join([chunk async for chunk in self.stream()])
        self.cached_body = body
        return body

    def declared_length(self, limit: int | None = None) -> int | None:
        """The ``Content-Length``, checked against ``limit`` (:attr:`max_body_bytes` by
        default; 400/413), or ``None`` for a body streamed without one."""
        declared = self.scope.headers.get("content-length")
        if declared is None:
            return None
        if not declared.isdigit():
            raise HTTPException(400, "Invalid Content-Length header.")
        length = int(declared)
        if limit is None:  # max_body_bytes, inlined: this runs on every body read
            limit = self._max_body_bytes
            if limit is None:
                limit = self.app.settings.json_max_bytes
        if length > limit:
            raise _too_large(limit)
        return length

    def stream(self, limit: int | None = None) -> AsyncGenerator[bytes, None]:
        """Yield the body in chunks as they arrive, answering 413 past ``limit`` bytes
        (:attr:`max_body_bytes` unless given; uploads pass their own limit)."""
        return self._chunks(self.max_body_bytes if limit is None else limit)

    async def _chunks(self, limit: int) -> AsyncGenerator[bytes, None]:
        """Yield the body's chunks, answering 413 once more than ``limit`` bytes arrive
        (before reading anything when ``Content-Length`` already says so)."""
        self.declared_length(limit)
        if self.protocol is None:
            return
        received = 0
        iterator = aiter(self.protocol)
        while True:
            try:
                chunk = await anext(iterator)
            except StopAsyncIteration:
                return
            except Exception as error:
                raise disconnected() from error
            received += len(chunk)
            if received > limit:
                raise _too_large(limit)
            yield chunk

    async def get_data(self, as_text: bool = False) -> bytes | str:
        """Return the body as bytes, or as text with ``as_text=True`` (invalid UTF-8 → 400)."""
        body = await self.body()
        if not as_text:
            return body
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise HTTPException(400, "Request body is not valid UTF-8.") from None

    async def get_json(self, force: bool = False) -> Any:
        """Decode the body as JSON (cached).

        Without ``force`` the content type must be JSON (else 415). Malformed JSON or
        nesting deeper than :attr:`max_json_depth` → 400; too large → 413.
        """
        try:
            return self._json
        except AttributeError:
            pass
        if not force and not self.is_json:
            raise _unsupported_media_type(self.content_type)
        self._json = decode_json(await self.body(), decoder_for(Any), self.max_json_depth)
        return self._json

    async def decode_body(self, target: Any) -> Any:
        """Decode the JSON body into ``target`` (a msgspec Struct, dataclass, ``list[int]``...).

        415 for a non-JSON content type, 400 for malformed JSON, 422 naming the field for
        values of the wrong shape.
        """
        self.require_json()
        return self.decode_json_body(await self.body(), decoder_for(target))

    def require_json(self) -> None:
        """Answer 415 unless the body is declared JSON (what typed-body handlers need)."""
        content_type = self.scope.headers.get("content-type")
        # The usual header, checked inline; any other goes through the full rule.
        if content_type != "application/json" and not is_json_content_type(content_type):
            raise _unsupported_media_type(content_type)

    def decode_json_body(self, body: bytes, decoder: msgspec.json.Decoder[Any]) -> Any:
        """Decode ``body`` with ``decoder`` under this request's depth limit (400 for bad
        JSON, 422 naming the field for the wrong shape)."""
        return decode_json(body, decoder, self.max_json_depth)

    async def get_form(self) -> MultiDict:
        """The form's text fields, from an ``application/x-www-form-urlencoded`` or a
        ``multipart/form-data`` body (cached); any other content type → 415."""
        try:
            return self._form
        except AttributeError:
            await self._load_form()
            return self._form

    async def get_files(self) -> MultiDict:
        """Uploaded files by field name, as :class:`~gobstopper.FileStorage` objects.

        Several files under one name are all kept (``files.getlist("photos")``). A
        urlencoded form has no files (empty mapping); other content types → 415.
        """
        try:
            return self._files
        except AttributeError:
            await self._load_form()
            return self._files

    async def _load_form(self) -> None:
        media = (self.content_type or "").partition(";")[0].strip().lower()
        if media == _MULTIPART_TYPE:
            self._form, self._files = await parse_multipart(self)
        elif media == _FORM_TYPE:
            self._form = await self._read_urlencoded()
            self._files = MultiDict()
        else:
            raise HTTPException(
                415,
                f"Expected a form ({_FORM_TYPE} or {_MULTIPART_TYPE}), "
                f"got {self.content_type or 'no content type'}.",
            )

    async def _read_urlencoded(self) -> MultiDict:
        body = await self.body()
        try:
            fields = parse_qsl(body.decode(), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise HTTPException(400, "Form body is not valid UTF-8.") from None
        return MultiDict(fields)

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path}>"


#: The request being handled by the current task, or a request in waiting that makes it
#: on first use (a list, see :func:`made_request`, or the Rust core dispatcher's): read
#: it through :func:`request_in_context`.
current_request: ContextVar[Any] = ContextVar("gobstopper_request")


def request_in_context() -> Request | None:
    """The request the current task serves, or ``None`` outside a request."""
    current = current_request.get(None)
    if current is None or type(current) is Request:
        return current
    if type(current) is list:
        return current[0] or made_request(current)
    # The dispatcher's request in waiting, unless a subclass of Request was made current.
    return current if isinstance(current, Request) else current.request


def made_request(waiting: list[Any]) -> Request:
    """The request a request in waiting stands for, made on the first call.

    A handler that does not take the request is called before any request is made;
    ``serve`` makes ``waiting``, ``[None, app, scope, protocol, path_params, endpoint,
    body]`` (the body ``serve`` read for the handler, else ``None``), current instead (a
    plain list, the cheapest object to make per request). The request is made when
    something asks for it (the error handling, code reading ``gobstopper.request``) and
    kept in its first item; every copy of the task's context shares the list, so one
    request is made at most.
    """
    request: Request | None = waiting[0]
    if request is None:
        _, app, scope, protocol, params, name, body = waiting
        request = waiting[0] = Request(scope, protocol, app)
        request.path_params = params
        request.endpoint = name
        request.cached_body = body
    return request


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"Request body exceeds the limit of {limit} bytes.")


def disconnected() -> HTTPException:
    """The error for a client that went away before sending its whole body."""
    return HTTPException(400, "The client disconnected before sending the whole body.")


def _unsupported_media_type(content_type: str | None) -> HTTPException:
    return HTTPException(
        415, f"Expected a JSON body (application/json), got {content_type or 'no content type'}."
    )


def _host_of(address: str) -> str:
    host, _, _ = address.rpartition(":")
    return host.strip("[]") if host else address


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_trusted(
    address: str, trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
