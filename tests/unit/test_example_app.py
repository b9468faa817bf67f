"""The example app that ``make demo`` serves keeps working."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from gobstopper.testing import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

import example_app


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    example_app.TODOS.clear()
    monkeypatch.setattr(example_app, "UPLOADS", tmp_path / "uploads")
    with TestClient(example_app.app) as client:
        yield client


def test_todo_lifecycle(client: TestClient) -> None:
    created = client.post("/api/todos", json={"title": "  buy gobstoppers "})
    assert created.status_code == 201
    todo = created.json()
    assert todo["title"] == "buy gobstoppers"
    assert created.headers["location"] == f"/api/todos/{todo['id']}"
    assert client.get(created.headers["location"]).json() == todo
    assert client.get("/api/todos?done=false").json() == [todo]
    assert client.get("/api/todos?done=true").json() == []
    assert "buy gobstoppers" in client.get("/").text
    assert client.delete(created.headers["location"]).status_code == 204
    assert client.get(created.headers["location"]).status_code == 404


def test_blank_titles_and_bad_bodies_are_refused(client: TestClient) -> None:
    assert client.post("/api/todos", json={"title": "   "}).status_code == 422
    assert client.post("/api/todos", json={"title": 5}).status_code == 422
    assert client.post("/api/todos", data={"title": "x"}).status_code == 415


def test_titles_are_escaped_in_the_page(client: TestClient) -> None:
    client.post("/api/todos", json={"title": "<script>alert(1)</script>"})
    page = client.get("/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "todos": 0}


def csrf_token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert match is not None
    return match.group(1)


def test_attachments_upload_and_download(client: TestClient, tmp_path: Path) -> None:
    sent = client.post(
        "/attachments",
        data={"csrf_token": csrf_token(client)},
        files={"attachment": ("../notes.txt", b"hi", "text/plain")},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/"
    assert (tmp_path / "uploads" / "notes.txt").read_bytes() == b"hi"
    page = client.get("/").text
    assert 'href="/attachments/notes.txt"' in page
    assert '<p class="notification success" role="status">Uploaded notes.txt (2 bytes)</p>' in page
    assert "Uploaded notes.txt" not in client.get("/").text  # shown once
    download = client.get("/attachments/notes.txt")
    assert download.content == b"hi"
    assert download.headers["content-disposition"] == 'attachment; filename="notes.txt"'
    assert client.get("/attachments/../example_app.py").status_code == 404


def test_attachment_without_a_usable_name_is_refused(client: TestClient) -> None:
    response = client.post(
        "/attachments", data={"csrf_token": csrf_token(client)}, files={"attachment": ("..", b"x")}
    )
    assert response.status_code == 400


def test_an_upload_without_the_csrf_token_is_refused(client: TestClient, tmp_path: Path) -> None:
    response = client.post("/attachments", files={"attachment": ("a.txt", b"x")})
    assert response.status_code == 403
    assert "CSRF token missing" in response.text
    assert not (tmp_path / "uploads").exists()


def test_pages_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in headers["content-security-policy"]


def test_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert '<link rel="stylesheet" href="/static/site.css">' in client.get("/").text
