"""Return values, response classes, cookies, abort and error pages."""

from __future__ import annotations

import msgspec
import pytest
from markupsafe import Markup

from gobstopper import (
    FileResponse,
    Gobstopper,
    JSONResponse,
    Response,
    StreamResponse,
    abort,
    jsonify,
    make_response,
    redirect,
)
from gobstopper.testing import TestClient


class Point(msgspec.Struct):
    x: int
    y: int


@pytest.fixture
def app(tmp_path) -> Gobstopper:
    app = Gobstopper(__name__)
    (tmp_path / "report.csv").write_text("a,b\n1,2\n")

    @app.get("/text")
    async def text():
        return "<b>hi</b>"

    @app.get("/bytes")
    async def raw():
        return b"\x00\x01"

    @app.get("/list")
    async def listing():
        return [1, 2, 3]

    @app.get("/struct")
    async def struct():
        return Point(1, 2)

    @app.get("/tuple2")
    async def tuple2():
        return {"created": True}, 201

    @app.get("/tuple3")
    async def tuple3():
        return "teapot", 418, {"X-Brew": "earl grey"}

    @app.get("/none")
    async def nothing():
        return None

    @app.get("/jsonify")
    async def jsonified():
        return jsonify(a=1, b=[1, 2])

    @app.get("/made")
    async def made():
        response = make_response({"ok": True}, 202, {"X-Trace": "t1"})
        response.set_cookie("seen", "yes", max_age=60, httponly=True)
        return response

    @app.get("/forget")
    async def forget():
        response = Response("bye")
        response.delete_cookie("seen")
        return response

    @app.get("/go")
    async def go():
        return redirect("/text", 303)

    @app.get("/stream")
    async def stream():
        async def numbers():
            for number in range(3):
                yield f"{number}\n"
            yield b"done"

        return StreamResponse(numbers(), content_type="text/plain")

    @app.get("/file")
    async def file():
        return FileResponse(tmp_path / "report.csv", download_name="résumé 2026.csv")

    @app.get("/missing")
    async def missing():
        abort(404, "no such <thing>")

    @app.get("/crash")
    async def crash():
        raise RuntimeError("secret database password")

    @app.get("/unsupported")
    async def unsupported():
        return object()

    return app


@pytest.fixture
def client(app: Gobstopper) -> TestClient:
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "status", "content_type", "body"),
    [
        ("/text", 200, "text/html; charset=utf-8", b"<b>hi</b>"),
        ("/bytes", 200, "application/octet-stream", b"\x00\x01"),
        ("/list", 200, "application/json", b"[1,2,3]"),
        ("/struct", 200, "application/json", b'{"x":1,"y":2}'),
        ("/tuple2", 201, "application/json", b'{"created":true}'),
        ("/tuple3", 418, "text/html; charset=utf-8", b"teapot"),
        ("/jsonify", 200, "application/json", b'{"a":1,"b":[1,2]}'),
        ("/stream", 200, "text/plain", b"0\n1\n2\ndone"),
        ("/file", 200, "text/csv; charset=utf-8", b"a,b\n1,2\n"),
    ],
)
def test_return_values_become_responses(
    client: TestClient, path: str, status: int, content_type: str, body: bytes
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.content == body


def test_none_becomes_204_without_content_type(client: TestClient) -> None:
    response = client.get("/none")
    assert response.status_code == 204
    assert "content-type" not in response.headers


def test_tuple_headers_are_added(client: TestClient) -> None:
    assert client.get("/tuple3").headers["x-brew"] == "earl grey"


def test_make_response_sets_status_headers_and_cookies(client: TestClient) -> None:
    response = client.get("/made")
    assert response.status_code == 202
    assert response.headers["x-trace"] == "t1"
    assert response.headers["set-cookie"] == "seen=yes; Max-Age=60; Path=/; HttpOnly; SameSite=Lax"
    assert client.cookies == {"seen": "yes"}


def test_delete_cookie_expires_it(client: TestClient) -> None:
    client.get("/made")
    response = client.get("/forget")
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert client.cookies == {}


def test_redirect_sets_location(client: TestClient) -> None:
    response = client.get("/go")
    assert response.status_code == 303
    assert response.headers["location"] == "/text"


def test_file_download_name_follows_rfc_6266(client: TestClient) -> None:
    disposition = client.get("/file").headers["content-disposition"]
    assert disposition == (
        "attachment; filename=\"rsum 2026.csv\"; filename*=UTF-8''r%C3%A9sum%C3%A9%202026.csv"
    )


def test_abort_gives_json_to_json_clients(client: TestClient) -> None:
    response = client.get("/missing", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "status": 404, "message": "no such <thing>"}


def test_abort_gives_escaped_html_to_browsers(client: TestClient) -> None:
    response = client.get("/missing", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 404
    assert "no such &lt;thing&gt;" in response.text
    assert "<thing>" not in response.text


def test_unhandled_errors_hide_internals_in_production(client: TestClient, caplog) -> None:
    response = client.get("/crash", headers={"accept": "application/json"})
    assert response.status_code == 500
    assert "secret" not in response.text
    assert "traceback" not in response.json()
    assert "secret database password" in caplog.text


def test_debug_mode_shows_the_traceback() -> None:
    app = Gobstopper(__name__, debug=True)

    @app.get("/crash")
    async def crash():
        raise RuntimeError("secret database password")

    response = TestClient(app).get("/crash", headers={"accept": "application/json"})
    assert response.status_code == 500
    assert "RuntimeError: secret database password" in response.json()["traceback"]


def test_unsupported_return_type_is_a_500_with_a_logged_reason(client: TestClient, caplog) -> None:
    assert client.get("/unsupported").status_code == 500
    assert "cannot turn into a response" in caplog.text


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a;b", "a b"])
def test_cookie_values_that_would_inject_headers_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="invalid cookie value"):
        Response().set_cookie("session", value)


def test_header_values_with_newlines_are_refused() -> None:
    response = JSONResponse({})
    with pytest.raises(ValueError, match="invalid character"):
        response.headers["X-Evil"] = "a\r\nSet-Cookie: x=1"
    with pytest.raises(ValueError, match="CR or LF"):
        redirect("/a\r\nX: y")


def test_stream_stops_quietly_when_the_client_goes_away() -> None:
    closed = []

    async def chunks():
        try:
            for number in range(100):
                yield str(number)
        finally:
            closed.append(True)

    class GoneTransport:
        sent = 0

        async def send_str(self, data: str) -> None:
            self.sent += 1
            if self.sent > 2:
                raise RuntimeError("connection closed")

    class Protocol:
        def response_stream(self, status, headers):
            return GoneTransport()

    import asyncio

    asyncio.run(StreamResponse(chunks()).send(Protocol()))
    assert closed == [True]


def test_stream_error_after_start_is_logged_not_swallowed(caplog) -> None:
    async def chunks():
        yield "first"
        raise RuntimeError("generator broke")

    sent = []

    class Transport:
        async def send_str(self, data: str) -> None:
            sent.append(data)

    class Protocol:
        def response_stream(self, status, headers):
            return Transport()

    import asyncio

    asyncio.run(StreamResponse(chunks()).send(Protocol()))
    assert sent == ["first"]
    assert "generator broke" in caplog.text


def test_a_str_subclass_body_is_sent_as_text() -> None:
    app = Gobstopper(__name__)

    @app.get("/markup")
    async def markup():
        return Response(Markup("<b>x</b>"))

    response = TestClient(app).get("/markup")
    assert response.status_code == 200
    assert response.text == "<b>x</b>"


PAIRS = [
    ({"created": True}, 201),
    ([1, 2], 202),
    (Point(1, 2), 200),
    ("<b>made</b>", 201),
    ("", 201),
    ({}, 201),
    ({"a": 1}, 204),
    ("not modified", 304),
    ({"a": 1}, 103),
    (b"raw", 201),
    ({"a": 1}, True),
    ({"a": 1}, {"X-Kind": "headers"}),
    ("missing", 404),
    (Markup("<i>safe</i>"), 201),
    ({"a": 1}, 201, {"X-Kind": "three"}),
]


@pytest.mark.parametrize("pair", PAIRS, ids=[repr(pair)[:40] for pair in PAIRS])
def test_a_body_and_status_pair_is_sent_as_its_response_would_be(pair: tuple) -> None:
    """``(body, status)`` pairs are sent without making their response where they can be
    (serve's shortcut): the answer must be the converted response's, byte for byte."""
    import asyncio

    from gobstopper.serving import serve
    from gobstopper.testing.rsgi import HTTPExchange, Scope

    app = Gobstopper(__name__, static_folder=None)

    @app.get("/pair")
    async def handler():
        return pair

    served, expected = HTTPExchange(b""), HTTPExchange(b"")
    scope = Scope("http", "GET", "/pair", "", [("host", "testserver")], "http", "1.2.3.4:5")
    asyncio.run(serve(app, scope, served))
    make_response(pair).send(expected)
    assert (served.status, served.headers, served.chunks) == (
        expected.status,
        expected.headers,
        expected.chunks,
    )


def test_only_bodies_made_with_one_header_are_sent_without_their_response() -> None:
    """The types serve sends as a body and one header: ``str`` as it is, the JSON types
    encoded; bytes, responses and ``str`` subclasses take their response."""
    from gobstopper.http.response import encode_json
    from gobstopper.http.results import body_only_types, result_converters

    table = body_only_types(result_converters([]))
    assert table[str] == (None, ("content-type", "text/html; charset=utf-8"))
    for cls in (dict, list, Point):
        assert table[cls] == (encode_json, ("content-type", "application/json"))
    for cls in (bytes, Response, JSONResponse, Markup, type(None), tuple):
        assert cls not in table
