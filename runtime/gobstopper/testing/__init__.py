"""Test your application in-process, with no server and no sockets.

:class:`TestClient` is an ``httpx.Client`` whose transport speaks RSGI to the
application exactly as Granian does (the same scope, the same protocol calls), so what
passes here behaves the same behind a server. httpx does the client's part: cookies
(with their ``Path``, ``Domain``, ``Expires`` and ``Max-Age``), redirects, query strings,
JSON, forms and multipart uploads. A ``with`` block runs the application's startup hooks
on entry and its shutdown hooks on exit.

>>> from gobstopper.testing import TestClient
>>> with TestClient(app) as client:
...     response = client.post("/items", json={"name": "pen"})
...     assert response.status_code == 201
...     assert response.json()["name"] == "pen"

In ``async`` tests use :class:`AsyncTestClient` (``await client.get("/")``). Both open
WebSocket sessions with ``websocket_connect``.
"""

try:
    import httpx  # noqa: F401  (checked first, so the error names the extra to install)
except ImportError as missing:
    raise ImportError(
        'gobstopper.testing needs httpx: pip install "gobstopper[testing]"'
    ) from missing

from .client import AsyncTestClient, TestClient
from .rsgi import HTTPExchange, Scope
from .transport import RSGITransport, SyncRSGITransport, TestResponse
from .websocket import AsyncWebSocketSession, WebSocketRejected, WebSocketSession

__all__ = [
    "AsyncTestClient",
    "AsyncWebSocketSession",
    "RSGITransport",
    "SyncRSGITransport",
    "TestClient",
    "TestResponse",
    "WebSocketRejected",
    "WebSocketSession",
]

# The names benchmarks/overhead.py, benchmarks/instructions.py and one test of
# tests/unit/test_requests.py import; gobstopper.testing.rsgi has them as Scope and
# HTTPExchange.
_Scope = Scope
_HTTPProtocol = HTTPExchange
