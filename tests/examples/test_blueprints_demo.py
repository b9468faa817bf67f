"""``examples/blueprints_demo``: nested blueprints with their own templates and static
files, a WebSocket feed, a blueprint task, middleware and a rate limit."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from blueprints_demo import app as demo
from blueprints_demo.notes import views as notes

from gobstopper.testing import TestClient

from .conftest import EXAMPLES


@pytest.fixture
def client() -> Iterator[TestClient]:
    notes.NOTES.clear()
    with TestClient(demo.app, client_addr=f"198.51.100.{next(_addresses)}:5000") as client:
        yield client


_addresses = iter(range(1, 255))


def test_pages_come_from_each_blueprints_own_templates(client: TestClient) -> None:
    home = client.get("/")
    assert "<h1>Blueprints demo</h1>" in home.text
    assert 'href="/notes/api/notes"' in home.text
    board = client.get("/notes/")
    assert '<link rel="stylesheet" href="/notes/static/notes.css">' in board.text
    assert "No notes yet" in board.text
    assert board.headers["x-blueprint"] == "notes.board"
    assert "Reports" in client.get("/reports/").text
    assert '<script src="/live/static/live.js" defer></script>' in client.get("/live/").text


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/static/site.css", "static/site.css"),
        ("/notes/static/notes.css", "notes/static/notes.css"),
        ("/live/static/live.js", "live/static/live.js"),
    ],
)
def test_each_blueprint_serves_its_own_static_files(
    client: TestClient, url: str, path: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == (EXAMPLES / "blueprints_demo" / path).read_bytes()
    assert client.get(url.replace(path.rsplit("/", 1)[1], "../app.py")).status_code == 404


def test_middleware_times_every_response(client: TestClient) -> None:
    for url in ("/", "/notes/api/notes", "/nowhere"):
        assert float(client.get(url).headers["x-response-time"]) >= 0


def test_nested_api_creates_lists_and_deletes_notes(client: TestClient) -> None:
    created = client.post("/notes/api/notes", json={"author": "ann", "text": "<b>hi</b>"})
    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "author": "ann", "text": "<b>hi</b>"}
    assert created.headers["x-blueprint"] == "notes.api.create_note"
    note_url = f"/notes/api/notes/{created.json()['id']}"
    assert client.get(note_url).json() == created.json()
    assert client.get("/notes/api/notes?author=ann").json() == [created.json()]
    assert client.get("/notes/api/notes?author=bob").json() == []
    assert "<strong>ann</strong> &lt;b&gt;hi&lt;/b&gt;" in client.get("/notes/").text
    assert client.delete(note_url).status_code == 204
    assert client.get(note_url).status_code == 404


@pytest.mark.parametrize(
    "body", [{"author": "", "text": "x"}, {"author": "a", "text": "x" * 281}, {"text": "x"}]
)
def test_bad_notes_get_422(client: TestClient, body: dict[str, str]) -> None:
    assert client.post("/notes/api/notes", json=body).status_code == 422


def test_note_writes_are_rate_limited(client: TestClient) -> None:
    answers = [
        client.post("/notes/api/notes", json={"author": "a", "text": str(n)}) for n in range(6)
    ]
    assert [a.status_code for a in answers] == [201] * 5 + [429]
    assert answers[5].headers["retry-after"] == "1"
    assert len(client.get("/notes/api/notes").json()) == 5


def test_new_notes_are_pushed_to_every_live_page(client: TestClient) -> None:
    with (
        client.websocket_connect("/live/ws") as first,
        client.websocket_connect("/live/ws") as second,
    ):
        assert first.receive_json() == {"connected": 1}
        assert second.receive_json() == {"connected": 2}
        note = client.post("/notes/api/notes", json={"author": "ann", "text": "live!"}).json()
        assert first.receive_json() == {"note": note}
        assert second.receive_json() == {"note": note}
        first.send_text("hello?")
        assert first.receive_json() == {"error": "this feed is read-only"}


def test_the_blueprint_task_counts_words_in_the_background(client: TestClient) -> None:
    for text in ("the quick fox", "the lazy dog", "The end"):
        client.post("/notes/api/notes", json={"author": "a", "text": text})
    started = client.post("/reports/")
    assert started.status_code == 202
    url = started.headers["location"]
    assert url == f"/reports/{started.json()['id']}"
    for _ in range(200):
        report = client.get(url).json()
        if report["status"] == "success":
            break
        time.sleep(0.02)
    assert report["result"]["notes"] == 3
    assert report["result"]["words"] == 8
    assert report["result"]["top"][0] == ["the", 3]
    assert client.get("/reports/unknown").status_code == 404
