"""The TestClient: an httpx client whose transport speaks RSGI to the application.

What httpx gives (cookie attributes, redirects, query, forms, multipart), what the
transport adds (the scope Granian would build, the app's startup and shutdown, served
files and streams) and the WebSocket session.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from gobstopper import Gobstopper, Request, Response, StreamResponse, redirect, send_file
from gobstopper.testing import (
    AsyncTestClient,
    RSGITransport,
    TestClient,
    TestResponse,
    WebSocketRejected,
)
from gobstopper.websocket import WebSocket, WebSocketDisconnect


def make_app(tmp_path: Path, events: list[str]) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None)
    served = tmp_path / "digits.txt"
    served.write_bytes(b"0123456789")

    @app.on_startup
    async def started() -> None:
        events.append("startup")

    @app.on_shutdown
    async def stopped() -> None:
        events.append("shutdown")

    @app.route("/echo/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo(request: Request, rest: str):
        return {
            "method": request.method,
            "path": request.path,
            "query": request.query_string,
            "args": request.args.to_dict(flat=False),
            "headers": dict(request.headers.items()),
            "cookies": request.cookies,
            "client_ip": request.client_ip,
            "scheme": request.scheme,
            "body": (await request.body()).decode(),
        }

    @app.post("/form")
    async def form(request: Request):
        fields = await request.get_form()
        files = await request.get_files()
        uploads = {
            name: [
                (upload.filename, (await upload.read()).decode()) for upload in files.getlist(name)
            ]
            for name in files
        }
        return {"fields": fields.to_dict(flat=False), "files": uploads}

    @app.post("/json")
    async def json_body(request: Request):
        return {"got": await request.get_json()}

    @app.get("/set/<name>")
    async def set_cookie(request: Request, name: str):
        response = Response("set")
        options: dict[str, Any] = {}
        if "path" in request.args:
            options["path"] = request.args["path"]
        if "domain" in request.args:
            options["domain"] = request.args["domain"]
        if "secure" in request.args:
            options["secure"] = True
        if "expired" in request.args:
            options["expires"] = datetime(2000, 1, 1, tzinfo=timezone.utc)
        response.set_cookie(name, request.args.get("value", "server"), **options)
        return response

    @app.get("/scoped/cookies")
    async def scoped_cookies(request: Request):
        return request.cookies

    @app.get("/old")
    async def old():
        return redirect("/echo/new")

    @app.get("/stream")
    async def stream():
        async def chunks() -> AsyncIterator[str | bytes]:
            yield "one "
            yield b"two "
            yield "three"

        return StreamResponse(chunks(), content_type="text/plain")

    @app.get("/file")
    async def file():
        return send_file(str(served), mimetype="text/plain")

    @app.websocket("/ws/echo")
    async def ws_echo(websocket: WebSocket):
        await websocket.accept()
        async for message in websocket:
            if isinstance(message.data, bytes):
                await websocket.send_bytes(message.data[::-1])
            else:
                await websocket.send_text(f"echo: {message.data}")

    @app.websocket("/ws/whoami")
    async def whoami(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_json(
            {
                "cookie": websocket.cookies.get("sid"),
                "protocols": websocket.headers.get("sec-websocket-protocol"),
                "token": websocket.args.get("token"),
            }
        )
        await websocket.close(4001)

    return app


@pytest.fixture
def events() -> list[str]:
    return []


@pytest.fixture
def app(tmp_path: Path, events: list[str]) -> Gobstopper:
    return make_app(tmp_path, events)


@pytest.fixture
def client(app: Gobstopper) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


# -- the scope the application sees -----------------------------------------------------


def test_the_client_is_an_httpx_client_with_typed_methods(client: TestClient) -> None:
    assert isinstance(client, httpx.Client)
    for send in (client.put, client.patch, client.delete):
        response = send("/echo/item")
        assert response.status_code == 200
        assert response.json()["method"] == send.__name__.upper()


def test_the_path_reaches_the_app_as_written(client: TestClient) -> None:
    seen = client.get("/echo/files/../secret.txt").json()
    assert seen["path"] == "/echo/files/../secret.txt"
    assert client.get("/echo/./here").json()["path"] == "/echo/./here"
    assert client.get("/echo/caf%C3%A9%2Fmenu").json()["path"] == "/echo/café/menu"


def test_params_are_encoded_into_the_query_string(client: TestClient) -> None:
    seen = client.get("/echo/q", params={"name": "Ann Lee", "tag": ["a", "b"]}).json()
    assert seen["query"] == "name=Ann+Lee&tag=a&tag=b"
    assert seen["args"] == {"name": ["Ann Lee"], "tag": ["a", "b"]}


def test_headers_are_lower_case_and_no_encoding_is_offered_unless_asked(
    client: TestClient,
) -> None:
    headers = client.get("/echo/h", headers={"X-Trace": "t1"}).json()["headers"]
    assert headers["x-trace"] == "t1"
    assert headers["host"] == "testserver"
    assert "accept-encoding" not in headers
    asked = client.get("/echo/h", headers={"Accept-Encoding": "gzip"}).json()["headers"]
    assert asked["accept-encoding"] == "gzip"


def test_client_address_and_scheme_come_from_the_client(app: Gobstopper) -> None:
    with TestClient(app, client_addr="203.0.113.7:4000", base_url="https://shop.test") as client:
        seen = client.get("/echo/who").json()
    assert seen["client_ip"] == "203.0.113.7"
    assert seen["scheme"] == "https"
    assert seen["headers"]["host"] == "shop.test"


def test_a_chunked_request_body_arrives_without_a_content_length(client: TestClient) -> None:
    streamed = client.post("/echo/upload", content=iter([b"part one, ", b"part two"])).json()
    assert streamed["body"] == "part one, part two"
    assert streamed["headers"]["transfer-encoding"] == "chunked"
    assert "content-length" not in streamed["headers"]
    chunked = {"Transfer-Encoding": "chunked"}  # httpx adds a Content-Length beside it
    declared = client.post("/echo/upload", content=b"whole", headers=chunked).json()
    assert declared["body"] == "whole"
    assert "content-length" not in declared["headers"]


# -- bodies httpx encodes ----------------------------------------------------------------


def test_json_body(client: TestClient) -> None:
    response = client.post("/json", json={"name": "pen", "tags": ["a"]})
    assert response.json() == {"got": {"name": "pen", "tags": ["a"]}}


def test_form_and_multipart_bodies(client: TestClient) -> None:
    form = client.post("/form", data={"name": "Ann", "tag": ["x", "y"]}).json()
    assert form == {"fields": {"name": ["Ann"], "tag": ["x", "y"]}, "files": {}}
    multipart = client.post(
        "/form",
        data={"title": "notes"},
        files=[("doc", ("a.txt", b"first", "text/plain")), ("doc", ("b.txt", b"second"))],
    ).json()
    assert multipart["fields"] == {"title": ["notes"]}
    assert multipart["files"] == {"doc": [["a.txt", "first"], ["b.txt", "second"]]}


# -- responses ---------------------------------------------------------------------------


def test_responses_keep_gobstopper_spellings(client: TestClient) -> None:
    response = client.get("/set/a", params={"path": "/a"})
    assert isinstance(response, TestResponse)
    assert response.status == response.status_code == 200
    assert response.headers.getlist("set-cookie") == response.headers.get_list("set-cookie")
    assert response.headers.getlist("set-cookie")[0].startswith("a=server; Path=/a")


def test_a_streamed_response_arrives_whole(client: TestClient) -> None:
    response = client.get("/stream")
    assert response.status_code == 200
    assert response.text == "one two three"


def test_files_the_server_sends_from_disk_arrive_whole_or_by_range(client: TestClient) -> None:
    assert client.get("/file").content == b"0123456789"
    partial = client.get("/file", headers={"Range": "bytes=2-4"})
    assert partial.status_code == 206
    assert partial.content == b"234"


def test_a_head_response_has_headers_and_no_body(client: TestClient) -> None:
    response = client.head("/file")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.content == b""


def test_redirects_are_followed_only_when_asked(client: TestClient) -> None:
    response = client.get("/old")
    assert response.status_code == 302
    assert response.headers["location"] == "/echo/new"
    followed = client.get("/old", follow_redirects=True)
    assert followed.status_code == 200
    assert followed.json()["path"] == "/echo/new"
    assert [r.status_code for r in followed.history] == [302]


# -- cookies -----------------------------------------------------------------------------


def test_a_cookie_is_sent_back_only_under_its_path(client: TestClient) -> None:
    client.get("/set/scoped", params={"path": "/scoped"})
    assert client.get("/scoped/cookies").json() == {"scoped": "server"}
    assert client.get("/echo/elsewhere").json()["cookies"] == {}


def test_a_cookie_for_another_domain_is_refused(client: TestClient) -> None:
    client.get("/set/foreign", params={"domain": "elsewhere.test"})
    assert "foreign" not in client.cookies
    assert client.get("/echo/x").json()["cookies"] == {}


def test_an_expired_cookie_is_removed(client: TestClient) -> None:
    client.get("/set/sid")
    assert client.cookies["sid"] == "server"
    client.get("/set/sid", params={"expired": "1"})
    assert "sid" not in client.cookies
    assert client.get("/echo/x").json()["cookies"] == {}


def test_a_secure_cookie_goes_back_over_https_only(app: Gobstopper) -> None:
    with TestClient(app) as plain:
        plain.get("/set/token", params={"secure": "1"})
        assert plain.get("/echo/x").json()["cookies"] == {}
    with TestClient(app, base_url="https://testserver") as secure:
        secure.get("/set/token", params={"secure": "1"})
        assert secure.get("/echo/x").json()["cookies"] == {"token": "server"}


def test_a_cookie_set_by_hand_is_replaced_by_the_servers(client: TestClient) -> None:
    client.cookies["sid"] = "mine"
    assert client.get("/echo/x").json()["cookies"] == {"sid": "mine"}
    client.get("/set/sid")
    assert client.cookies["sid"] == "server"
    assert client.get("/echo/x").json()["cookies"] == {"sid": "server"}


@pytest.mark.filterwarnings("ignore:Setting per-request cookies:DeprecationWarning")
def test_per_request_cookies_win_over_the_jar_for_that_request(client: TestClient) -> None:
    client.get("/set/sid")
    seen = client.get("/echo/x", cookies={"sid": "once"}).json()
    assert seen["cookies"] == {"sid": "once"}
    assert client.cookies["sid"] == "server"


# -- the application's lifecycle ---------------------------------------------------------


def test_with_runs_startup_on_entry_and_shutdown_on_exit(
    app: Gobstopper, events: list[str]
) -> None:
    with TestClient(app) as client:
        assert events == ["startup"]
        client.get("/echo/x")
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


def test_startup_runs_before_the_first_request_without_with(
    app: Gobstopper, events: list[str]
) -> None:
    client = TestClient(app)
    assert events == []
    client.get("/echo/x")
    assert events == ["startup"]
    client.close()
    assert events == ["startup", "shutdown"]


async def test_the_async_client_runs_startup_and_shutdown(
    app: Gobstopper, events: list[str]
) -> None:
    async with AsyncTestClient(app) as client:
        assert isinstance(client, httpx.AsyncClient)
        response = await client.post("/json", json=[1, 2])
        assert response.json() == {"got": [1, 2]}
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


async def test_the_transport_serves_any_httpx_client(app: Gobstopper) -> None:
    transport = RSGITransport(app, client_addr="198.51.100.2:1234")
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        seen = (await client.get("/echo/plain")).json()
    assert (seen["client_ip"], seen["headers"]["host"]) == ("198.51.100.2", "api.test")


def test_an_app_that_sends_no_response_is_an_error() -> None:
    class Silent:
        async def __rsgi__(self, scope: Any, protocol: Any) -> None:
            return None

        async def startup(self) -> None:
            return None

        async def shutdown(self) -> None:
            return None

    with TestClient(Silent()) as client, pytest.raises(RuntimeError, match="no response"):
        client.get("/anything")


def test_without_httpx_the_import_error_names_the_extra() -> None:
    code = "import sys; sys.modules['httpx'] = None; import gobstopper.testing"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert 'pip install "gobstopper[testing]"' in done.stderr


# -- WebSockets --------------------------------------------------------------------------


def test_a_websocket_session_sends_and_receives(client: TestClient) -> None:
    with client.websocket_connect("/ws/echo") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "echo: hi"
        ws.send_bytes(b"abc")
        assert ws.receive_bytes() == b"cba"
        ws.send_json({"n": 1})
        assert ws.receive_text() == 'echo: {"n":1}'


def test_a_websocket_gets_the_jar_cookies_query_and_subprotocols(client: TestClient) -> None:
    client.get("/set/sid")
    with client.websocket_connect("/ws/whoami?token=t", subprotocols=["chat", "v2"]) as ws:
        assert ws.receive_json() == {"cookie": "server", "protocols": "chat, v2", "token": "t"}
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
    assert ws.close_code == 4001


def test_a_refused_upgrade_raises_with_the_status(client: TestClient) -> None:
    with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/ws/missing"):
        pass
    assert refused.value.status == 404


async def test_the_async_websocket_session(app: Gobstopper) -> None:
    async with AsyncTestClient(app) as client, client.websocket_connect("/ws/echo") as ws:
        await ws.send_text("hello")
        assert await ws.receive_text() == "echo: hello"
