"""docs/sessions.rst: a Redis-backed login session, and notifications shown once."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gobstopper.testing import TestClient

from .ledger import docs_page
from .services import require_local

LEDGER = docs_page("sessions")
LOGIN = LEDGER.run("from gobstopper import Gobstopper, Request, redirect, url_for")
NOTIFY = LEDGER.run("from gobstopper import notification")
TEMPLATE = LEDGER.run("{% for category, message in get_notifications(with_categories=true) %}")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


async def check_password(form: Any) -> SimpleNamespace:
    """What the login sample awaits but does not define: here, everyone is user 7."""
    assert form["password"] == "sesame"
    return SimpleNamespace(id=7)


@pytest.fixture
def client(workdir: Path) -> TestClient:
    """The page's samples in one module, as a reader would paste them, plus the ``home``
    and ``items`` pages they redirect to."""
    require_local(6379, "Redis server")
    namespace = LOGIN.exec(check_password=check_password)
    NOTIFY.exec(namespace)
    app = namespace["app"]

    @app.get("/")
    async def home(request):
        return {"user_id": request.session.get("user_id")}

    @app.get("/items")
    async def items(request):
        return await app.render_template_string(TEMPLATE.text)

    with TestClient(app) as test_client:
        yield test_client


def test_login_stores_the_user_in_the_session_and_logout_forgets_it(client: TestClient) -> None:
    assert client.get("/").json() == {"user_id": None}
    logged_in = client.post("/login", data={"password": "sesame"})
    assert (logged_in.status_code, logged_in.headers["location"]) == (302, "/")
    assert client.get("/").json() == {"user_id": 7}
    logged_out = client.post("/logout")
    assert logged_out.headers["location"] == "/"
    assert client.get("/").json() == {"user_id": None}


def test_login_regenerates_the_session_id(client: TestClient) -> None:
    client.get("/")
    client.post("/login", data={"password": "sesame"})
    first = client.cookies.get("session")
    client.post("/login", data={"password": "sesame"})
    assert client.cookies.get("session") not in (None, first)


def test_notification_is_shown_once(client: TestClient) -> None:
    created = client.post("/items")
    assert created.headers["location"] == "/items"
    page = client.get("/items").text
    assert '<div class="alert success">Item created</div>' in page
    assert "alert" not in client.get("/items").text
