"""Sessions through the TestClient: signed cookies, hostile cookies, fixation, expiry,
regeneration, the production cookie policy and WebSocket access."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from gobstopper import Gobstopper, Request, Response
from gobstopper.sessions import MemorySessionStore, SessionMiddleware
from gobstopper.testing import TestClient
from gobstopper.websocket import WebSocket

SECRET = "unit-test-secret"


class CountingStore(MemorySessionStore):
    """A memory store that counts how often it is read."""

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    async def load(self, session_id: str) -> dict[str, Any] | None:
        self.loads += 1
        return await super().load(session_id)


def make_app(store: MemorySessionStore, **options: Any) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, secret_key=SECRET)
    app.add_middleware(SessionMiddleware(store, **options))

    @app.get("/visits")
    async def visits(request: Request):
        request.session["n"] = request.session.get("n", 0) + 1
        return {"n": request.session["n"]}

    @app.get("/peek")
    async def peek(request: Request):
        return {"data": dict(request.session), "new": request.session.new}

    @app.post("/login/<user>")
    async def login(request: Request, user: str):
        request.session.regenerate()
        request.session["user"] = user
        return {"user": user}

    @app.post("/logout")
    async def logout(request: Request):
        request.session.invalidate()
        return {"ok": True}

    @app.post("/bad")
    async def bad(request: Request):
        request.session["value"] = object()
        return {}

    @app.websocket("/ws/whoami")
    async def whoami(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_json({"user": websocket.session.get("user")})

    return app


@pytest.fixture
def store() -> CountingStore:
    return CountingStore()


@pytest.fixture
def client(store: CountingStore) -> Iterator[TestClient]:
    with TestClient(make_app(store)) as client:
        yield client


def session_cookie(response: Any) -> str:
    (header,) = [h for h in response.headers.getlist("set-cookie") if h.startswith("session=")]
    return header


def test_session_persists_across_requests_with_a_signed_httponly_cookie(
    client: TestClient, store: CountingStore
) -> None:
    first = client.get("/visits")
    assert first.json() == {"n": 1}
    header = session_cookie(first)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert f"Max-Age={14 * 24 * 3600}" in header
    session_id, _, signature = client.cookies["session"].rpartition(".")
    assert len(session_id) >= 43  # 256 random bits, URL-safe base64
    assert len(signature) == 43
    assert client.get("/visits").json() == {"n": 2}
    assert len(store) == 1


def test_requests_without_a_cookie_never_touch_the_store(
    client: TestClient, store: CountingStore
) -> None:
    response = client.get("/peek")
    assert response.json() == {"data": {}, "new": True}
    assert "set-cookie" not in response.headers  # nothing changed, nothing written
    assert store.loads == 0
    assert len(store) == 0


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # tampered signature
        lambda c: c[:20],  # truncated
        lambda c: c.rpartition(".")[0],  # unsigned id
        lambda c: "x" * 5000,  # oversized
        lambda c: "",  # empty
        lambda c: "....",  # garbage
        lambda c: "\u00e9" * 10 + "." + "\u00e9",  # not ASCII
    ],
)
def test_a_hostile_cookie_yields_a_fresh_empty_session(
    client: TestClient, store: CountingStore, mangle: Any
) -> None:
    client.get("/visits")
    cookie = client.cookies["session"]
    # Sent as raw bytes: httpx encodes a cookie it manages as ASCII, and one mangling is not.
    response = client.get("/peek", headers={"cookie": f"session={mangle(cookie)}".encode()})
    assert response.status_code == 200
    assert response.json() == {"data": {}, "new": True}


def test_a_cookie_signed_with_another_key_is_not_accepted(store: CountingStore) -> None:
    with TestClient(make_app(store)) as victim:
        victim.get("/visits")
        cookie = victim.cookies["session"]
    other = Gobstopper(__name__, static_folder=None, secret_key="another-key")
    other.add_middleware(SessionMiddleware(store))

    @other.get("/peek")
    async def peek(request: Request):
        return dict(request.session)

    with TestClient(other) as client:
        assert client.get("/peek", cookies={"session": cookie}).json() == {}


def test_session_fixation_a_planted_session_id_changes_on_login(
    store: CountingStore,
) -> None:
    # The attacker gets a genuine session and plants its cookie in the victim's browser.
    with TestClient(make_app(store)) as attacker:
        attacker.get("/visits")
        planted = attacker.cookies["session"]
        with TestClient(make_app(store)) as victim:
            victim.cookies["session"] = planted
            victim.post("/login/alice")
            assert victim.cookies["session"] != planted
            assert victim.get("/peek").json()["data"]["user"] == "alice"
        # The planted id no longer names any session: the attacker is not logged in.
        assert attacker.get("/peek").json() == {"data": {}, "new": True}


def test_an_unknown_but_validly_signed_id_is_never_adopted(
    client: TestClient, store: CountingStore
) -> None:
    client.get("/visits")
    stale = client.cookies["session"]
    client.post("/logout")
    client.cookies["session"] = stale  # replay the cookie after logging out
    assert client.get("/peek").json() == {"data": {}, "new": True}
    client.get("/visits")
    assert client.cookies["session"] != stale


def test_logout_deletes_the_session_and_the_cookie(
    client: TestClient, store: CountingStore
) -> None:
    client.post("/login/bob")
    response = client.post("/logout")
    assert "Max-Age=0" in session_cookie(response)
    assert "session" not in client.cookies
    assert len(store) == 0


def test_sessions_expire(store: CountingStore) -> None:
    with TestClient(make_app(store, max_age=1)) as client:
        client.get("/visits")
        time.sleep(1.1)
        assert client.get("/visits").json() == {"n": 1}


def test_rolling_sessions_refresh_the_cookie_on_every_request(store: CountingStore) -> None:
    with TestClient(make_app(store, rolling=True)) as client:
        client.get("/visits")
        assert "session=" in session_cookie(client.get("/peek"))


def test_values_json_cannot_hold_are_a_clear_server_error(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        assert client.post("/bad").status_code == 500
    assert "session values must be JSON-serialisable" in caplog.text


def test_request_session_without_the_middleware_says_what_to_add(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Gobstopper(__name__, static_folder=None)

    @app.get("/")
    async def index(request: Request):
        return {"n": request.session.get("n")}

    with TestClient(app) as client, caplog.at_level(logging.ERROR):
        assert client.get("/").status_code == 500
    assert "add_middleware(SessionMiddleware(store))" in caplog.text


def test_websocket_handlers_see_the_session(client: TestClient) -> None:
    client.post("/login/carol")
    with client.websocket_connect("/ws/whoami") as ws:
        assert ws.receive_json() == {"user": "carol"}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENV", "production")


def cookie_app() -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None)

    @app.get("/default")
    async def default():
        response = Response("ok")
        response.set_cookie("theme", "dark")
        return response

    @app.get("/weakened")
    async def weakened():
        response = Response("ok")
        response.set_cookie("tracking", "1", secure=False, httponly=False, samesite=None)
        return response

    return app


def test_cookies_are_httponly_and_lax_by_default_but_not_secure_in_development() -> None:
    with TestClient(cookie_app()) as client:
        header = client.get("/default").headers["set-cookie"]
    assert header == "theme=dark; Path=/; HttpOnly; SameSite=Lax"


def test_production_cookies_are_secure_and_weakening_them_is_logged(
    production: None, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(cookie_app()) as client:
        assert client.get("/default").headers["set-cookie"] == (
            "theme=dark; Path=/; Secure; HttpOnly; SameSite=Lax"
        )
        with caplog.at_level(logging.WARNING, logger="gobstopper"):
            header = client.get("/weakened").headers["set-cookie"]
    assert header == "tracking=1; Path=/"
    for attribute in ("Secure", "HttpOnly", "SameSite"):
        assert f"production default {attribute}" in caplog.text


def test_insecure_cookies_can_be_allowed_in_production(
    production: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GOBSTOPPER_ALLOW_INSECURE_COOKIES", "true")
    with TestClient(cookie_app()) as client, caplog.at_level(logging.WARNING):
        assert "Secure" not in client.get("/default").headers["set-cookie"]
        client.get("/weakened")
    assert "production default" not in caplog.text


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a;b", "a b", 'a"b'])
def test_cookie_values_that_would_inject_headers_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="invalid cookie value"):
        Response("ok").set_cookie("name", value)
