"""The Request: query, headers, cookies, client address, body limits, JSON and forms."""

from __future__ import annotations

import msgspec
import pytest

from gobstopper import Gobstopper, Request
from gobstopper.testing import AsyncTestClient, TestClient


def make_app(**options) -> Gobstopper:
    app = Gobstopper(__name__, **options)

    @app.get("/inspect")
    async def inspect(request: Request):
        return {
            "method": request.method,
            "path": request.path,
            "url": request.url,
            "host": request.host,
            "scheme": request.scheme,
            "tags": request.args.getlist("tag"),
            "page": request.args.get("page", 1, type=int),
            "agent": request.headers.get("USER-AGENT"),
            "cookies": request.cookies,
            "client_ip": request.client_ip,
        }

    @app.post("/json")
    async def json_body(request: Request):
        return {"received": await request.get_json()}

    @app.post("/raw")
    async def raw(request: Request):
        return {"size": len(await request.body())}

    @app.post("/big")
    async def big(request: Request):
        request.max_body_bytes = 4 * 1024 * 1024
        return {"size": len(await request.body())}

    @app.post("/form")
    async def form(request: Request):
        fields = await request.get_form()
        return fields.to_dict(flat=False)

    return app


@pytest.fixture
def client() -> TestClient:
    with TestClient(make_app()) as client:
        yield client


def test_request_exposes_url_parts_query_headers_and_cookies(client: TestClient) -> None:
    response = client.get(
        "/inspect?tag=a&tag=b&page=3",
        headers={"User-Agent": "pytest", "Cookie": 'theme=dark; flavour="mint"; broken'},
    )
    data = response.json()
    assert data["method"] == "GET"
    assert data["url"] == "http://testserver/inspect?tag=a&tag=b&page=3"
    assert data["host"] == "testserver"
    assert data["tags"] == ["a", "b"]
    assert data["page"] == 3
    assert data["agent"] == "pytest"
    assert data["cookies"] == {"theme": "dark", "flavour": "mint"}


def test_bad_query_values_fall_back_to_defaults(client: TestClient) -> None:
    assert client.get("/inspect?page=abc").json()["page"] == 1


def test_invalid_utf8_in_query_does_not_fail(client: TestClient) -> None:
    response = client.get("/inspect?tag=%FF%FE")
    assert response.status_code == 200
    assert response.json()["tags"] == ["\ufffd\ufffd"]


def test_forwarded_for_is_ignored_from_untrusted_peers(client: TestClient) -> None:
    response = client.get("/inspect", headers={"X-Forwarded-For": "6.6.6.6"})
    assert response.json()["client_ip"] == "127.0.0.1"


def test_forwarded_for_is_honoured_from_trusted_proxies() -> None:
    app = make_app(trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
    client = TestClient(app)
    response = client.get("/inspect", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.1.2.3"})
    assert response.json()["client_ip"] == "203.0.113.9"
    spoofed = client.get("/inspect", headers={"X-Forwarded-For": "not-an-ip"})
    assert spoofed.json()["client_ip"] == "127.0.0.1"


def test_json_body_is_decoded(client: TestClient) -> None:
    response = client.post("/json", json={"a": [1, 2, {"b": None}]})
    assert response.status_code == 200
    assert response.json() == {"received": {"a": [1, 2, {"b": None}]}}


def test_malformed_json_gets_400_with_message(client: TestClient) -> None:
    response = client.post("/json", content=b'{"a": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["message"]


def test_empty_json_body_gets_400(client: TestClient) -> None:
    response = client.post("/json", content=b"  ", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "empty" in response.json()["message"]


def test_json_with_wrong_content_type_gets_415(client: TestClient) -> None:
    response = client.post("/json", content=b"{}", headers={"content-type": "text/plain"})
    assert response.status_code == 415


def test_json_nested_ten_thousand_deep_gets_400(client: TestClient) -> None:
    deep = b"[" * 10_000 + b"]" * 10_000
    response = client.post("/json", content=deep, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "deeper than the limit of 64" in response.text


def test_json_depth_limit_holds_at_its_edge(client: TestClient) -> None:
    """64 levels pass and 65 do not, in the shortest documents that nest so deep; a
    shorter body that opens 65 brackets without closing them is malformed."""
    json = {"content-type": "application/json"}
    at_limit = client.post("/json", content=b"[" * 64 + b"]" * 64, headers=json)
    assert at_limit.status_code == 200
    past_limit = client.post("/json", content=b"[" * 65 + b"]" * 65, headers=json)
    assert past_limit.status_code == 400
    assert "deeper than the limit of 64" in past_limit.json()["message"]
    unclosed = client.post("/json", content=b"[" * 65, headers=json)
    assert unclosed.status_code == 400
    assert "Malformed JSON" in unclosed.json()["message"]


def test_brackets_inside_strings_do_not_count_as_depth(client: TestClient) -> None:
    payload = {"text": "[" * 500 + '\\"{' * 100}
    response = client.post("/json", json=payload)
    assert response.status_code == 200
    assert response.json() == {"received": payload}


def test_depth_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOBSTOPPER_JSON_MAX_DEPTH", "3")
    client = TestClient(make_app())
    assert client.post("/json", json=[[[1]]]).status_code == 200
    assert client.post("/json", json=[[[[1]]]]).status_code == 400


def test_body_over_the_limit_gets_413_before_reading(client: TestClient) -> None:
    response = client.post("/raw", content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert "1048576" in response.text


def test_declared_length_over_the_limit_gets_413() -> None:
    """The declared length alone is enough: the body is never awaited."""
    app = make_app()

    class NeverRead:
        async def __call__(self):
            raise AssertionError("the body must not be read")

    async def scenario() -> int:
        from gobstopper.testing import _HTTPProtocol, _Scope

        scope = _Scope(
            "http",
            "POST",
            "/raw",
            "",
            [("content-length", str(100 * 1024 * 1024))],
            "http",
            "127.0.0.1:1",
        )
        protocol = _HTTPProtocol(b"")
        protocol.__call__ = NeverRead()  # type: ignore[method-assign]
        await app.__rsgi__(scope, protocol)
        return protocol.status

    import asyncio

    assert asyncio.run(scenario()) == 413


def test_chunked_body_over_the_limit_gets_413(client: TestClient) -> None:
    chunked = {"transfer-encoding": "chunked"}
    response = client.post("/raw", content=b"x" * (2 * 1024 * 1024), headers=chunked)
    assert response.status_code == 413
    small = client.post("/raw", content=b"x" * 1000, headers=chunked)
    assert small.json() == {"size": 1000}


def test_invalid_content_length_gets_400(client: TestClient) -> None:
    response = client.post("/raw", content=b"xx", headers={"content-length": "2x"})
    assert response.status_code == 400


def test_limit_can_be_raised_per_request(client: TestClient) -> None:
    response = client.post("/big", content=b"x" * (3 * 1024 * 1024))
    assert response.status_code == 200
    assert response.json() == {"size": 3 * 1024 * 1024}


def test_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOBSTOPPER_JSON_MAX_BYTES", "10")
    client = TestClient(make_app())
    assert client.post("/raw", content=b"x" * 10).status_code == 200
    assert client.post("/raw", content=b"x" * 11).status_code == 413


def test_bad_limit_in_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOBSTOPPER_JSON_MAX_BYTES", "lots")
    with pytest.raises(ValueError, match="GOBSTOPPER_JSON_MAX_BYTES must be an integer"):
        make_app()


def test_urlencoded_form_keeps_repeated_fields(client: TestClient) -> None:
    response = client.post("/form", data={"name": "Ann", "tag": ["x", "y"]})
    assert response.json() == {"name": ["Ann"], "tag": ["x", "y"]}


def test_form_with_invalid_utf8_gets_400(client: TestClient) -> None:
    response = client.post(
        "/form", content=b"name=%FF", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400


def test_form_with_wrong_content_type_gets_415(client: TestClient) -> None:
    assert client.post("/form", json={"a": 1}).status_code == 415


async def test_async_client_works_inside_a_running_loop() -> None:
    async with AsyncTestClient(make_app()) as client:
        response = await client.get("/inspect?page=9")
    assert response.json()["page"] == 9


class Tree(msgspec.Struct):
    children: list[list[list[int]]]
    note: str = ""


def test_a_typed_body_obeys_the_limits_a_hook_sets_for_its_request() -> None:
    """The Struct-body call plan reads the request's own limits, not only the settings."""
    app = Gobstopper(__name__)

    @app.before_request
    async def limits(request: Request):
        if request.args.get("strict"):
            request.max_json_depth = 2
            request.max_body_bytes = 40

    @app.post("/tree")
    async def tree(body: Tree):
        return {"leaves": sum(len(inner) for outer in body.children for inner in outer)}

    client = TestClient(app)
    nested = {"children": [[[1, 2], [3]]]}
    assert client.post("/tree", json=nested).json() == {"leaves": 3}
    deep = client.post("/tree?strict=1", json=nested)
    assert deep.status_code == 400
    assert "deeper than the limit of 2" in deep.text
    large = client.post("/tree?strict=1", json={"children": [], "note": "x" * 40})
    assert large.status_code == 413
    assert client.post("/tree", json={"children": [], "note": "x" * 40}).status_code == 200
    assert (
        client.post("/tree", content=b"{}", headers={"content-type": "text/plain"}).status_code
        == 415
    )
    typed = client.post("/tree", json=nested, headers={"content-type": "application/vnd.tree+json"})
    assert typed.json() == {"leaves": 3}
