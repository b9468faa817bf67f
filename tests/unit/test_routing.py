"""Routing: converters, precedence, 404/405/OPTIONS/HEAD, trailing slashes, url_for."""

from __future__ import annotations

import uuid

import pytest

from gobstopper import Gobstopper
from gobstopper.routing import BuildError, Router, Rule
from gobstopper.testing import TestClient


@pytest.fixture
def app() -> Gobstopper:
    app = Gobstopper(__name__)

    @app.get("/")
    async def index():
        return "home"

    @app.get("/items/<int:item_id>")
    async def item_by_id(item_id: int):
        return {"kind": "int", "value": item_id}

    @app.get("/items/<slug>")
    async def item_by_slug(slug):
        return {"kind": "slug", "value": slug}

    @app.get("/items/new")
    async def new_item():
        return {"kind": "static"}

    @app.get("/prices/<float:amount>")
    async def price(amount: float):
        return {"amount": amount}

    @app.get("/orders/<uuid:order_id>")
    async def order(order_id: uuid.UUID):
        return {"id": str(order_id), "type": type(order_id).__name__}

    @app.get("/files/<path:name>")
    async def files(name):
        return {"name": name}

    @app.get("/files/<path:name>/meta")
    async def file_meta(name):
        return {"meta": name}

    @app.get("/reports/<int:year>-<int:month>.csv")
    async def report(year: int, month: int):
        return {"year": year, "month": month}

    @app.get("/folder/")
    async def folder():
        return "folder"

    @app.route("/things", methods=["GET", "POST"])
    async def things(request):
        return request.method

    return app


@pytest.fixture
def client(app: Gobstopper) -> TestClient:
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/items/42", {"kind": "int", "value": 42}),
        ("/items/pen", {"kind": "slug", "value": "pen"}),
        ("/items/new", {"kind": "static"}),
        ("/items/-3", {"kind": "slug", "value": "-3"}),
        ("/prices/2.50", {"amount": 2.5}),
        ("/files/a/b/c.txt", {"name": "a/b/c.txt"}),
        ("/files/a/b/meta", {"meta": "a/b"}),
        ("/reports/2026-11.csv", {"year": 2026, "month": 11}),
        ("/items/caf%C3%A9", {"kind": "slug", "value": "café"}),
    ],
)
def test_path_converters_match_and_convert(client: TestClient, path: str, expected: dict) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == expected


def test_uuid_converter_gives_uuid_objects(client: TestClient) -> None:
    value = uuid.uuid4()
    response = client.get(f"/orders/{value}")
    assert response.json() == {"id": str(value), "type": "UUID"}


@pytest.mark.parametrize(
    "path",
    [
        "/orders/not-a-uuid",
        "/prices/abc",
        "/prices/1",
        "/nowhere",
        "/items//",
        "/files/",
        "/reports/20x6-11.csv",
    ],
)
def test_unmatched_paths_get_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404


def test_wrong_method_gets_405_with_allow(client: TestClient) -> None:
    response = client.delete("/things")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_automatic_options_lists_methods(client: TestClient) -> None:
    response = client.options("/things")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.content == b""


def test_head_is_answered_for_get_routes_without_body(client: TestClient) -> None:
    response = client.head("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.content == b""


def test_missing_trailing_slash_redirects_with_308(client: TestClient) -> None:
    response = client.get("/folder?x=1")
    assert response.status_code == 308
    assert response.headers["location"] == "/folder/?x=1"


def test_extra_trailing_slash_is_not_found(client: TestClient) -> None:
    assert client.get("/things/").status_code == 404


def test_double_slash_paths_never_redirect_off_site() -> None:
    app = Gobstopper(__name__)

    @app.get("/<path:anything>/")
    async def anything(anything):
        return anything

    response = TestClient(app).get("//evil.example")
    assert response.status_code == 404


def test_url_for_builds_paths_and_query_strings(app: Gobstopper) -> None:
    assert app.url_for("item_by_id", item_id=7) == "/items/7"
    assert app.url_for("item_by_slug", slug="a b/c") == "/items/a%20b%2Fc"
    assert app.url_for("files", name="docs/a b.txt") == "/files/docs/a%20b.txt"
    assert app.url_for("report", year=2026, month=1) == "/reports/2026-1.csv"
    assert app.url_for("index", page=2, tag=["a", "b"]) == "/?page=2&tag=a&tag=b"


def test_url_for_names_what_is_missing(app: Gobstopper) -> None:
    with pytest.raises(BuildError, match="item_id"):
        app.url_for("item_by_id")
    with pytest.raises(BuildError, match="nope"):
        app.url_for("nope")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("no-slash", "must start with '/'"),
        ("/a/<bogus:x>", "unknown converter"),
        ("/a/<x>/<x>", "repeats parameter"),
        ("/a/<x", "malformed placeholder"),
        ("/a/pre<path:x>", "must fill whole segments"),
    ],
)
def test_bad_patterns_fail_at_registration(pattern: str, message: str) -> None:
    app = Gobstopper(__name__)
    with pytest.raises(ValueError, match=message):
        app.get(pattern)(lambda: None)


def test_duplicate_method_on_same_path_is_an_error() -> None:
    app = Gobstopper(__name__)

    @app.get("/x")
    async def first():
        return "1"

    @app.get("/x", endpoint="second")
    async def second():
        return "2"

    with pytest.raises(ValueError, match="GET /x is already registered"):
        TestClient(app).get("/x")


def test_handler_missing_a_path_parameter_fails_loudly() -> None:
    app = Gobstopper(__name__)

    with pytest.raises(TypeError, match=r"show does not accept path parameter\(s\) \['user_id'\]"):

        @app.get("/users/<user_id>")
        async def show():
            return "?"


def test_explicit_head_handler_wins_over_implicit_head() -> None:
    app = Gobstopper(__name__)

    @app.get("/r")
    async def read():
        return "body"

    @app.route("/r", methods=["HEAD"])
    async def head():
        return "", 200, {"X-Head": "explicit"}

    response = TestClient(app).head("/r")
    assert response.headers["x-head"] == "explicit"


def test_router_with_a_thousand_dynamic_routes_matches_each() -> None:
    router: Router[str] = Router()
    for index in range(1000):
        router.add(Rule(f"/r{index}/<int:id>/detail/<name>"), ["GET"], f"route{index}")
    for index in (0, 499, 999):
        endpoints, params = router.match(f"/r{index}/5/detail/x")
        assert endpoints["GET"] == f"route{index}"
        assert params == {"id": 5, "name": "x"}
    assert router.match("/r1000/5/detail/x") is None


@pytest.mark.parametrize("accelerated", [False, None])
def test_rules_added_after_a_match_are_matched_too(accelerated: bool | None) -> None:
    router: Router[str] = Router(accelerated=accelerated)
    router.add(Rule("/a/<int:x>"), ["GET"], "a")
    assert router.match("/a/1") == ({"GET": "a"}, {"x": 1})
    assert router.match("/b/q") is None
    router.add(Rule("/b/<y>"), ["GET"], "b")
    router.add(Rule("/a/<int:x>/more"), ["POST"], "more")
    assert router.match("/b/q") == ({"GET": "b"}, {"y": "q"})
    assert router.match("/a/2/more") == ({"POST": "more"}, {"x": 2})
    assert router.match("/a/1") == ({"GET": "a"}, {"x": 1})


def test_iter_rules_lists_patterns_methods_and_endpoints(app: Gobstopper) -> None:
    rules = {(pattern, endpoint): methods for pattern, methods, endpoint in app.iter_rules()}
    assert rules[("/things", "things")] == frozenset({"GET", "HEAD", "POST"})
    assert rules[("/items/<int:item_id>", "item_by_id")] == frozenset({"GET", "HEAD"})
    assert ("/", "index") in rules
