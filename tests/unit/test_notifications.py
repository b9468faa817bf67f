"""Flash notifications with and without a session store, in handlers and templates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gobstopper import Gobstopper, Request, get_notifications, notification, redirect
from gobstopper.sessions import MemorySessionStore, SessionMiddleware
from gobstopper.testing import TestClient

PAGE = (
    "{% for category, message in get_notifications(with_categories=true) %}"
    "[{{ category }}] {{ message }};{% endfor %}"
)


def make_app(with_sessions: bool) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, secret_key="notify-secret")
    app.init_templates()
    if with_sessions:
        app.add_middleware(SessionMiddleware(MemorySessionStore()))

    @app.post("/save")
    async def save(request: Request):
        notification(request, "Saved <b>draft</b>", "success")
        notification(request, "Check your email")
        return redirect("/page")

    @app.get("/page")
    async def page():
        return await app.render_template_string(PAGE)

    @app.get("/messages")
    async def messages(request: Request):
        return {"messages": get_notifications(request)}

    @app.get("/errors-only")
    async def errors_only(request: Request):
        return {"errors": get_notifications(request, category_filter=("error",))}

    @app.post("/mixed")
    async def mixed(request: Request):
        notification(request, "bad", "error")
        notification(request, "fine", "info")
        return {}

    return app


@pytest.fixture(params=[False, True], ids=["cookie", "session"])
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    with TestClient(make_app(request.param)) as client:
        yield client


def test_notifications_show_once_on_the_next_page(client: TestClient) -> None:
    assert client.post("/save").status_code == 302
    page = client.get("/page")
    assert page.text == "[success] Saved &lt;b&gt;draft&lt;/b&gt;;[info] Check your email;"
    assert client.get("/page").text == ""


def test_messages_without_categories(client: TestClient) -> None:
    client.post("/save")
    assert client.get("/messages").json() == {
        "messages": ["Saved <b>draft</b>", "Check your email"]
    }
    assert client.get("/messages").json() == {"messages": []}


def test_a_category_filter_leaves_the_others_queued(client: TestClient) -> None:
    client.post("/mixed")
    assert client.get("/errors-only").json() == {"errors": ["bad"]}
    assert client.get("/messages").json() == {"messages": ["fine"]}


@pytest.mark.parametrize("value", ["garbage", "e30.AAAA", "x" * 5000, ""])
def test_a_tampered_notification_cookie_shows_nothing_and_never_fails(value: str) -> None:
    with TestClient(make_app(False)) as client:
        response = client.get("/messages", cookies={"notifications": value})
    assert response.status_code == 200
    assert response.json() == {"messages": []}


def test_too_many_notifications_for_a_cookie_drop_the_oldest() -> None:
    app = make_app(False)

    @app.post("/flood")
    async def flood(request: Request):
        for number in range(200):
            notification(request, f"message {number:03d} " + "x" * 40)
        return {}

    with TestClient(app) as client:
        client.post("/flood")
        assert len(client.cookies["notifications"]) <= 3800
        messages = client.get("/messages").json()["messages"]
    assert messages[-1].startswith("message 199")
    assert 0 < len(messages) < 200
