"""Rotating the secret key: a new key signs, the old ones still verify, so a deploy with
a new key logs nobody out and leaves every form's CSRF token valid."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gobstopper import Gobstopper, Request
from gobstopper.middleware import CSRFMiddleware, SessionMiddleware
from gobstopper.sessions import MemorySessionStore
from gobstopper.settings import Settings
from gobstopper.testing import TestClient

OLD, NEW = "key-of-last-year", "key-of-this-year"
FORM = '<form method="post"><input name="csrf_token" value="{{ csrf_token() }}"></form>'
TOKEN = re.compile(r'value="([^"]+)"')


def make_app(store: MemorySessionStore, **keys: Any) -> Gobstopper:
    """An app whose sessions are signed as ``keys`` say, over a store that outlives it
    (as Redis outlives a deploy)."""
    app = Gobstopper(__name__, static_folder=None)
    app.init_templates()
    app.add_middleware(SessionMiddleware(store, **keys))
    app.add_middleware(CSRFMiddleware())

    @app.post("/login/<user>")
    async def login(request: Request, user: str):
        request.session["user"] = user
        return {"user": user}

    @app.get("/whoami")
    async def whoami(request: Request):
        return {"user": request.session.get("user")}

    @app.get("/form")
    async def form():
        return await app.render_template_string(FORM)

    @app.post("/comment")
    async def comment(request: Request):
        return {"saved": (await request.get_form()).get("text")}

    return app


def _opens_the_session(cookie: str, store: MemorySessionStore, **keys: Any) -> bool:
    """Whether ``cookie`` opens its session in an app whose keys are ``keys``."""
    with TestClient(make_app(store, **keys)) as probe:
        probe.cookies["session"] = cookie
        return probe.get("/whoami").json()["user"] is not None


@pytest.fixture
def store() -> MemorySessionStore:
    return MemorySessionStore()


def _log_in_under_the_old_key(store: MemorySessionStore) -> tuple[str, str]:
    """Log in and fetch a form under the old key: the session cookie and a CSRF token."""
    with TestClient(make_app(store, secret_key=OLD)) as before:
        login = before.post("/login/ada", headers={"X-CSRF-Token": _token(before)})
        assert login.status_code == 200, login.text
        return before.cookies["session"], _token(before)


def _token(client: TestClient) -> str:
    match = TOKEN.search(client.get("/form").text)
    assert match is not None
    return match.group(1)


def test_a_session_signed_with_a_fallback_key_stays_logged_in(store: MemorySessionStore) -> None:
    cookie, _ = _log_in_under_the_old_key(store)
    with TestClient(make_app(store, secret_key=NEW, secret_key_fallbacks=[OLD])) as after:
        after.cookies["session"] = cookie
        assert after.get("/whoami").json() == {"user": "ada"}


def test_without_the_fallback_the_old_session_is_gone(store: MemorySessionStore) -> None:
    cookie, _ = _log_in_under_the_old_key(store)
    with TestClient(make_app(store, secret_key=NEW)) as after:
        after.cookies["session"] = cookie
        assert after.get("/whoami").json() == {"user": None}


def test_the_old_cookie_is_signed_again_with_the_current_key(store: MemorySessionStore) -> None:
    cookie, _ = _log_in_under_the_old_key(store)
    with TestClient(make_app(store, secret_key=NEW, secret_key_fallbacks=[OLD])) as after:
        after.cookies["session"] = cookie
        response = after.get("/whoami")
        renewed = after.cookies["session"]
    assert any(h.startswith("session=") for h in response.headers.getlist("set-cookie"))
    assert renewed.rpartition(".")[0] == cookie.rpartition(".")[0]  # the same session
    assert renewed != cookie
    assert _opens_the_session(renewed, store, secret_key=NEW)  # the fallback can now go
    assert not _opens_the_session(renewed, store, secret_key=OLD)


def test_a_cookie_of_the_current_key_is_not_rewritten(store: MemorySessionStore) -> None:
    with TestClient(make_app(store, secret_key=NEW, secret_key_fallbacks=[OLD])) as client:
        client.post("/login/ada", headers={"X-CSRF-Token": _token(client)})
        response = client.get("/whoami")
    assert response.json() == {"user": "ada"}
    assert "set-cookie" not in response.headers


def test_a_csrf_token_from_before_the_rotation_is_still_accepted(
    store: MemorySessionStore,
) -> None:
    cookie, token = _log_in_under_the_old_key(store)
    with TestClient(make_app(store, secret_key=NEW, secret_key_fallbacks=[OLD])) as after:
        after.cookies["session"] = cookie
        accepted = after.post("/comment", data={"text": "hi", "csrf_token": token})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"saved": "hi"}


def test_fallback_keys_come_from_the_environment_comma_separated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOBSTOPPER_SECRET_KEY_FALLBACKS", f" {OLD}, older-key ,")
    assert Settings.resolve().secret_key_fallbacks == (OLD, "older-key")
    given = Settings.resolve(secret_key_fallbacks=["given"])
    assert given.secret_key_fallbacks == ("given",)  # an argument wins over the variable
    monkeypatch.delenv("GOBSTOPPER_SECRET_KEY_FALLBACKS")
    assert Settings.resolve().secret_key_fallbacks == ()


def test_one_string_given_as_the_fallbacks_is_refused() -> None:
    with pytest.raises(TypeError, match="list of keys"):
        Settings.resolve(secret_key_fallbacks=OLD)
