"""The test clients: ``httpx`` clients whose transport is the application itself.

:class:`TestClient` is an ``httpx.Client`` and :class:`AsyncTestClient` an
``httpx.AsyncClient``, so requests, cookies, redirects, ``params=``, ``json=``,
``data=`` and ``files=`` behave exactly as httpx documents them. Four things differ,
for testing an application rather than browsing it:

- the path goes to the application as written: ``/static/../app.py`` is not resolved
  to ``/app.py`` first, so tests of path traversal reach the code they test;
- a cookie set by hand (``client.cookies["session"] = value``) is the test server's own
  cookie, so the next ``Set-Cookie`` for that name replaces it instead of living beside it;
- no ``Accept-Encoding`` is sent unless a test sends one, so responses are compressed
  only for the tests that ask;
- ``websocket_connect`` opens a WebSocket session (httpx has none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from .rsgi import RSGIApp
from .transport import DEFAULT_CLIENT_ADDR, RSGITransport, SyncRSGITransport
from .websocket import AsyncWebSocketSession, WebSocketSession

__all__ = ["AsyncTestClient", "TestClient"]

_BASE_URL = "http://testserver"

_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


def _path_as_written(url: httpx.URL | str) -> httpx.URL | str:
    """``url`` with its ``.`` and ``..`` path segments percent-encoded.

    httpx resolves dot segments as a browser does (RFC 3986, section 5.2.4). Servers get
    them from clients that do not (``curl --path-as-is``, an attacker) and pass them on
    decoded, as the test client does once they survive httpx.
    """
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if not any(segment in _DOT_SEGMENTS for segment in segments):
        return url
    path = "/".join(_DOT_SEGMENTS.get(segment, segment) for segment in segments)
    return urlunsplit(parts._replace(path=path))


def _adopt_hand_set(cookies: httpx.Cookies, host: str) -> None:
    """Make the cookies set without a domain host-only cookies of ``host``, as if ``host``
    had set them, replacing any it set under the same name and path.

    ``http.cookiejar`` files a host-only cookie under the host name, with ``.local``
    added to a name without a dot (RFC 2965's effective host name).
    """
    domain = host.lower() if "." in host else f"{host.lower()}.local"
    for cookie in [cookie for cookie in cookies.jar if not cookie.domain]:
        cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
        cookie.domain = domain
        cookies.jar.set_cookie(cookie)


def _as_written(
    client: httpx.Client | httpx.AsyncClient, url: httpx.URL | str, options: dict[str, Any]
) -> dict[str, Any]:
    """The ``build_request`` options for a test request (see the module's docs)."""
    host = client.base_url.join(url).host
    _adopt_hand_set(client.cookies, host)
    if options.get("cookies") is not None:
        merged = httpx.Cookies(client.cookies)
        merged.update(options["cookies"])
        _adopt_hand_set(merged, host)
        options["cookies"] = merged
    return options


def _websocket_request(
    client: httpx.Client | httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None,
    cookies: Mapping[str, str] | None,
    subprotocols: Sequence[str] | None,
) -> httpx.Request:
    """The upgrade request of a WebSocket connection, with the client's headers and cookies."""
    jar = None if cookies is None else dict(cookies)
    request = client.build_request("GET", url, headers=headers, cookies=jar)
    request.headers["connection"] = "upgrade"
    request.headers["upgrade"] = "websocket"
    if subprotocols:
        request.headers["sec-websocket-protocol"] = ", ".join(subprotocols)
    return request


def _without_accept_encoding(client: httpx.Client | httpx.AsyncClient, given: Any) -> None:
    """Drop httpx's default ``Accept-Encoding`` unless the client was given one."""
    if given is None or "accept-encoding" not in httpx.Headers(given):
        del client.headers["accept-encoding"]


class TestClient(httpx.Client):
    """Synchronous in-process client: an ``httpx.Client`` that speaks RSGI to ``app``.

    >>> with TestClient(app) as client:        # startup hooks now, shutdown hooks at the end
    ...     response = client.post("/items", json={"name": "pen"})
    ...     assert response.status_code == 201

    It owns an event loop, on which the application runs while a request is served, so
    use it from plain (non-``async``) tests. ``client_addr`` is the peer address the
    application sees (``request.client_ip``); other keyword arguments go to
    ``httpx.Client``. Redirects are not followed unless asked (``follow_redirects=True``).
    """

    __test__ = False

    def __init__(
        self,
        app: RSGIApp,
        *,
        base_url: str = _BASE_URL,
        client_addr: str = DEFAULT_CLIENT_ADDR,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        self.app = app
        self.rsgi = SyncRSGITransport(app, client_addr=client_addr)
        super().__init__(transport=self.rsgi, base_url=base_url, headers=headers, **options)
        _without_accept_encoding(self, headers)

    def build_request(self, method: str, url: httpx.URL | str, **options: Any) -> httpx.Request:
        """httpx's request, with the path as written and hand-set cookies as the server's."""
        options = _as_written(self, url, options)
        return super().build_request(method, _path_as_written(url), **options)

    def websocket_connect(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        cookies: Mapping[str, str] | None = None,
        subprotocols: Sequence[str] | None = None,
    ) -> WebSocketSession:
        """Open a WebSocket to ``url``; use it with ``with`` (see :class:`WebSocketSession`).

        Refused upgrades raise :class:`~gobstopper.testing.WebSocketRejected` with the
        HTTP status. ``subprotocols`` are offered in ``Sec-WebSocket-Protocol``.
        """
        request = _websocket_request(self, url, headers, cookies, subprotocols)
        rsgi = self.rsgi.async_transport
        self.rsgi.run(rsgi.startup())
        return WebSocketSession(rsgi.websocket(request), self.rsgi.run)


class AsyncTestClient(httpx.AsyncClient):
    """The ``async`` flavour of :class:`TestClient`: an ``httpx.AsyncClient`` for use
    inside a running event loop.

    >>> async with AsyncTestClient(app) as client:
    ...     response = await client.get("/users/7")
    """

    __test__ = False

    def __init__(
        self,
        app: RSGIApp,
        *,
        base_url: str = _BASE_URL,
        client_addr: str = DEFAULT_CLIENT_ADDR,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        self.app = app
        self.rsgi = RSGITransport(app, client_addr=client_addr)
        super().__init__(transport=self.rsgi, base_url=base_url, headers=headers, **options)
        _without_accept_encoding(self, headers)

    def build_request(self, method: str, url: httpx.URL | str, **options: Any) -> httpx.Request:
        """httpx's request, with the path as written and hand-set cookies as the server's."""
        options = _as_written(self, url, options)
        return super().build_request(method, _path_as_written(url), **options)

    def websocket_connect(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        cookies: Mapping[str, str] | None = None,
        subprotocols: Sequence[str] | None = None,
    ) -> AsyncWebSocketSession:
        """Open a WebSocket to ``url``; use it with ``async with``.

        Refused upgrades raise :class:`~gobstopper.testing.WebSocketRejected` with the
        HTTP status. ``subprotocols`` are offered in ``Sec-WebSocket-Protocol``.
        """
        return self.rsgi.websocket(_websocket_request(self, url, headers, cookies, subprotocols))
