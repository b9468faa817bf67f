"""Flash notifications with and without a session store, in handlers and templates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gobstopper import Gobstopper, Request, get_notifications, notification, redirect
from gobstopper.sessions import MemorySessionStore, SessionMiddleware
from gobstopper.testing import TestClient

from ..notifyapp import make_awaiting_app

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

    @app.get("/page-passing-request")
    async def page_passing_request():
        # Written the way a handler calls it: the request passed first.
        return await app.render_template_string(
            "{% for message in get_notifications(request) %}{{ message }};{% endfor %}"
            "{% for c, m in get_notifications(request, with_categories=true) %}{{ c }};{% endfor %}"
        )

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

    @app.get("/twice")
    async def twice(request):
        first = get_notifications(request, with_categories=True)
        return {"first": first, "second": get_notifications(request, with_categories=True)}

    @app.get("/errors-then-all")
    async def errors_then_all(request):
        errors = get_notifications(request, category_filter=("error",))
        return {
            "errors": errors,
            "all": get_notifications(request, with_categories=True),
            "errors again": get_notifications(request, category_filter=("error",)),
        }

    @app.post("/take-queue-take")
    async def take_queue_take(request):
        before = get_notifications(request)
        notification(request, "Queued later")
        return {"before": before, "after": get_notifications(request)}

    @app.post("/take-then-queue")
    async def take_then_queue(request):
        taken = get_notifications(request)
        notification(request, "For the next page")
        return {"taken": taken}

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


def test_a_template_may_pass_the_request_as_a_handler_does(client: TestClient) -> None:
    client.post("/save")
    page = client.get("/page-passing-request")
    assert page.text == "Saved &lt;b&gt;draft&lt;/b&gt;;Check your email;success;info;"


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


def test_taking_twice_in_one_request_gives_the_same_messages(client: TestClient) -> None:
    client.post("/save")
    taken = [["success", "Saved <b>draft</b>"], ["info", "Check your email"]]
    assert client.get("/twice").json() == {"first": taken, "second": taken}
    assert client.get("/twice").json() == {"first": [], "second": []}


def test_a_filtered_take_then_an_unfiltered_one_sees_both(client: TestClient) -> None:
    client.post("/mixed")
    assert client.get("/errors-then-all").json() == {
        "errors": ["bad"],
        "all": [["error", "bad"], ["info", "fine"]],
        "errors again": ["bad"],
    }
    assert client.get("/messages").json() == {"messages": []}


def test_a_notification_queued_after_a_take_shows_on_the_next_take(client: TestClient) -> None:
    client.post("/mixed")
    assert client.post("/take-queue-take").json() == {
        "before": ["bad", "fine"],
        "after": ["bad", "fine", "Queued later"],
    }
    assert client.get("/messages").json() == {"messages": []}


def test_a_notification_queued_after_the_last_take_shows_on_the_next_page(
    client: TestClient,
) -> None:
    client.post("/mixed")
    assert client.post("/take-then-queue").json() == {"taken": ["bad", "fine"]}
    assert client.get("/messages").json() == {"messages": ["For the next page"]}


@pytest.mark.parametrize("with_sessions", [False, True], ids=["cookie", "session"])
def test_the_first_render_of_an_awaiting_page_shows_the_notifications(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_sessions: bool
) -> None:
    monkeypatch.setattr("gobstopper.templating.native", lambda: None)  # pure Python
    with TestClient(make_awaiting_app(tmp_path, with_sessions)) as client:
        client.post("/save")
        assert client.get("/page").text == "<p>Saved</p><span>7</span>"
        assert client.get("/page").text == "<span>7</span>"
