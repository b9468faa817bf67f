"""Key rotation through the application: ``Gobstopper(secret_key_fallbacks=...)`` and
``GOBSTOPPER_SECRET_KEY_FALLBACKS`` keep sessions and notifications signed under an old key."""

from __future__ import annotations

import pytest

from gobstopper import Gobstopper, Request, get_notifications, notification
from gobstopper.sessions import MemorySessionStore, SessionMiddleware
from gobstopper.testing import TestClient

OLD, NEW = "key-of-last-year", "key-of-this-year"


def make_app(store: MemorySessionStore | None, **keys: object) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, **keys)  # type: ignore[arg-type]
    if store is not None:
        app.add_middleware(SessionMiddleware(store))

    @app.post("/login/<user>")
    async def login(request: Request, user: str):
        request.session["user"] = user
        return {"user": user}

    @app.get("/whoami")
    async def whoami(request: Request):
        return {"user": request.session.get("user")}

    @app.post("/note")
    async def note(request: Request):
        notification(request, "saved")
        return {}

    @app.get("/notes")
    async def notes(request: Request):
        return {"notes": get_notifications(request)}

    return app


def test_the_app_keeps_sessions_of_a_fallback_key() -> None:
    store = MemorySessionStore()
    with TestClient(make_app(store, secret_key=OLD)) as before:
        before.post("/login/ada")
        cookie = before.cookies["session"]
    with TestClient(make_app(store, secret_key=NEW, secret_key_fallbacks=[OLD])) as after:
        after.cookies["session"] = cookie
        assert after.get("/whoami").json() == {"user": "ada"}
        assert after.cookies["session"] != cookie  # signed again with the new key
    with TestClient(make_app(store, secret_key=NEW)) as without:
        without.cookies["session"] = cookie
        assert without.get("/whoami").json() == {"user": None}


def test_notification_cookies_of_a_fallback_key_still_show(monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(make_app(None, secret_key=OLD)) as before:
        before.post("/note")
        cookie = before.cookies["notifications"]
    monkeypatch.setenv("GOBSTOPPER_SECRET_KEY", NEW)
    monkeypatch.setenv("GOBSTOPPER_SECRET_KEY_FALLBACKS", OLD)
    with TestClient(make_app(None)) as after:
        after.cookies["notifications"] = cookie
        assert after.get("/notes").json() == {"notes": ["saved"]}
