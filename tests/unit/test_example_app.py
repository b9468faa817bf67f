"""The example app that ``make demo`` serves keeps working."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from gobstopper.testing import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

import example_app


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    example_app.TODOS.clear()
    example_app.GUESTBOOK.clear()
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


@pytest.fixture
def quick_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(example_app, "STEP_SECONDS", 0.01)


PAGES = ["/", "/routing", "/tasks", "/chat", "/security", "/middleware", "/session"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_links_every_other_and_marks_itself(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    for other in PAGES:
        assert f'href="{other}"' in page.text
    assert f'<a href="{path}" aria-current="page">' in page.text
    assert '<script src="/static/js/demo.js" defer></script>' in page.text


def test_scripts_are_served_and_no_page_has_inline_script(client: TestClient) -> None:
    script = client.get("/static/js/demo.js")
    assert script.status_code == 200
    assert "text/javascript" in script.headers["content-type"]
    for path in PAGES:
        assert "<script>" not in client.get(path).text  # the CSP allows 'self' only


def wait_for_job(client: TestClient, url: str) -> dict[str, object]:
    for _ in range(200):
        job = client.get(url).json()
        if job["status"] in ("success", "failed"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job still {job['status']}")


def test_a_job_runs_in_the_background_and_reports_progress(
    client: TestClient, quick_steps: None
) -> None:
    started = client.post("/api/jobs", json={"steps": 4})
    assert started.status_code == 202
    assert started.json()["status"] == "pending"
    assert started.json()["done"] == 0
    url = started.headers["location"]
    assert url == f"/api/jobs/{started.json()['id']}"
    job = wait_for_job(client, url)
    assert job == {
        "id": started.json()["id"],
        "status": "success",
        "done": 4,
        "steps": 4,
        "result": {"steps": 4, "sum": 30},
        "error": None,
    }


def test_progress_is_visible_while_a_job_runs(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(example_app, "STEP_SECONDS", 0.15)
    url = client.post("/api/jobs", json={"steps": 5}).headers["location"]
    seen = set()
    for _ in range(100):
        job = client.get(url).json()
        seen.add((job["status"], job["done"]))
        if job["status"] == "success":
            break
        time.sleep(0.05)
    assert any(status == "started" and 0 < done < 5 for status, done in seen), seen


@pytest.mark.parametrize("body", [{"steps": 0}, {"steps": 51}, {"steps": "ten"}, [1]])
def test_job_bodies_out_of_bounds_get_422(client: TestClient, body: object) -> None:
    answer = client.post("/api/jobs", json=body, headers={"Accept": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["status"] == 422


def test_unknown_job_is_404(client: TestClient) -> None:
    assert client.get("/api/jobs/nope").status_code == 404


def test_chat_reaches_everyone_in_the_room_and_nobody_else(client: TestClient) -> None:
    with (
        client.websocket_connect("/ws/chat/lobby") as alice,
        client.websocket_connect("/ws/chat/lobby") as bob,
        client.websocket_connect("/ws/chat/kitchen") as carol,
    ):
        assert alice.receive_json() == {"room": "lobby", "members": 1}
        assert alice.receive_json() == {"room": "lobby", "members": 2}
        assert bob.receive_json() == {"room": "lobby", "members": 2}
        assert carol.receive_json() == {"room": "kitchen", "members": 1}
        alice.send_json({"name": "alice", "text": "<b>hi</b>"})
        said = {"room": "lobby", "name": "alice", "text": "<b>hi</b>"}
        assert bob.receive_json() == said
        assert alice.receive_json() == said
        carol.send_json({"name": "carol", "text": "anyone?"})
        assert carol.receive_json()["name"] == "carol"
        bob.close()
        assert alice.receive_json() == {"room": "lobby", "members": 1}


@pytest.mark.parametrize(
    "sent", ["not json", '{"name": "x"}', '{"name": "", "text": "hi"}', '{"name": "x", "text": 5}']
)
def test_chat_answers_bad_messages_with_an_error_and_stays_open(
    client: TestClient, sent: str
) -> None:
    with client.websocket_connect("/ws/chat/lobby") as socket:
        socket.receive_json()
        socket.send_text(sent)
        assert "error" in socket.receive_json()
        socket.send_json({"name": "x", "text": "still here"})
        assert socket.receive_json()["text"] == "still here"


def test_ping_allows_three_then_answers_429_with_retry_after() -> None:
    with TestClient(example_app.app, client_addr="203.0.113.9:4000") as client:
        answers = [client.post("/api/ping") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[3].headers["retry-after"] == "5"
    assert "retry-after" not in answers[2].headers


def test_guestbook_needs_the_csrf_token(client: TestClient) -> None:
    forged = client.post("/security/guestbook", data={"line": "forged"})
    assert forged.status_code == 403
    assert "CSRF token missing" in forged.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/security").text)
    assert token is not None
    signed = client.post(
        "/security/guestbook", data={"csrf_token": token.group(1), "line": "<i>was here</i>"}
    )
    assert signed.status_code == 303
    page = client.get("/security").text
    assert "<li>&lt;i&gt;was here&lt;/i&gt;</li>" in page
    assert "Signed: the form carried this session&#39;s CSRF token." in page
    assert "<li>forged</li>" not in page


def test_timing_middleware_measures_every_request(client: TestClient) -> None:
    slow = client.get("/api/slow?ms=60")
    assert slow.json() == {"slept_ms": 60}
    duration = float(slow.headers["server-timing"].removeprefix("app;dur="))
    assert duration >= 60
    page = client.get("/middleware").text
    row = re.search(r"<tr><td>GET</td><td>/api/slow</td><td>200</td><td>([\d.]+)</td></tr>", page)
    assert row is not None
    assert float(row.group(1)) == pytest.approx(duration, abs=0.01)
    assert client.get("/api/slow?ms=-1").status_code == 422


def test_session_counts_visits_and_remembers_a_name(client: TestClient) -> None:
    assert "seen this page 1 time in" in client.get("/session").text
    page = client.get("/session").text
    assert "seen this page 2 times" in page
    assert "does not know your name" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    saved = client.post("/session/name", data={"csrf_token": token.group(1), "name": "Wonka"})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/session"
    page = client.get("/session").text
    assert "The session knows you as Wonka." in page
    assert "Hello, Wonka! The session remembers you now." in page
    assert "Hello, Wonka!" not in client.get("/session").text  # a notification shows once
    client.post("/session/forget", data={"csrf_token": token.group(1)})
    page = client.get("/session").text
    assert "Session cleared." in page
    assert "seen this page 1 time in" in page


def test_runtime_data_lives_outside_the_examples_folder(client: TestClient) -> None:
    examples = Path(example_app.__file__).parent
    assert examples not in example_app.DATA_DIR.parents
    client.post("/api/jobs", json={"steps": 1})
    assert not list(examples.glob("*.duckdb"))
