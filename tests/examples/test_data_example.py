"""``examples/data_example.py`` on both of its stores: DuckDB (the default) and
PostgreSQL (``DATABASE_URL``): CRUD, filters, cursor pagination, a monitored background
job, analytics pushed over a WebSocket, and 4xx (never 500) for hostile input."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import data_example
import pytest

from gobstopper.testing import TestClient


def _empty_postgres_table(dsn: str) -> None:
    async def empty() -> None:
        connection = await asyncpg.connect(dsn, ssl=False)
        try:
            await connection.execute("DROP TABLE IF EXISTS data_example_records")
        finally:
            await connection.close()

    asyncio.run(empty())


@pytest.fixture(params=["duckdb", "postgres"])
def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The app on a fresh, empty store of each kind."""
    if request.param == "postgres":
        dsn = request.getfixturevalue("postgres_dsn")
        _empty_postgres_table(dsn)
        monkeypatch.setenv("DATABASE_URL", dsn)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.setattr(data_example, "DATA_DIR", tmp_path)
    with TestClient(data_example.app, client_addr="127.0.0.1:6000") as client:
        yield client


def add(client: TestClient, category: str, name: str, amount: float) -> dict[str, Any]:
    created = client.post(
        "/api/records", json={"category": category, "name": name, "amount": amount}
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_record_lifecycle(client: TestClient) -> None:
    created = client.post(
        "/api/records", json={"category": "books", "name": "Dune", "amount": 12.5}
    )
    assert created.status_code == 201
    record = created.json()
    assert record["name"] == "Dune"
    assert record["created_at"].endswith("Z")
    url = created.headers["location"]
    assert url == f"/api/records/{record['id']}"
    assert client.get(url).json() == record
    changed = client.patch(url, json={"amount": 9.99})
    assert changed.json() == {**record, "amount": 9.99}
    assert client.patch(url, json={}).json() == {**record, "amount": 9.99}
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404
    assert client.patch(url, json={"name": "x"}).status_code == 404


def test_filters_and_cursor_pagination_walk_every_match_once(client: TestClient) -> None:
    for number in range(10):
        add(client, "books" if number % 3 else "games", f"item {number}", number * 10)
    seen: list[str] = []
    url = "/api/records?category=books&min_amount=15&max_amount=85&limit=2"
    pages = 0
    while url:
        page = client.get(url).json()
        seen += [item["name"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        url = (
            f"/api/records?category=books&min_amount=15&max_amount=85&limit=2&cursor={cursor}"
            if cursor
            else ""
        )
    assert seen == ["item 2", "item 4", "item 5", "item 7", "item 8"]
    assert pages == 3
    everything = client.get("/api/records?limit=100").json()
    assert [item["name"] for item in everything["items"]] == [f"item {n}" for n in range(10)]
    assert everything["next_cursor"] is None


def test_analytics_are_pushed_to_sockets_after_each_change(client: TestClient) -> None:
    with client.websocket_connect("/ws/analytics") as socket:
        assert socket.receive_json() == {"count": 0, "total": 0.0, "by_category": {}}
        record = add(client, "games", "chess", 30)
        assert socket.receive_json() == {
            "count": 1,
            "total": 30.0,
            "by_category": {"games": {"count": 1, "total": 30.0, "average": 30.0}},
        }
        add(client, "games", "go", 10)
        assert socket.receive_json()["by_category"]["games"] == {
            "count": 2,
            "total": 40.0,
            "average": 20.0,
        }
        client.delete(f"/api/records/{record['id']}")
        assert socket.receive_json()["count"] == 1
    assert client.get("/api/analytics").json()["total"] == 10.0


def test_a_generation_job_is_monitored_until_it_is_done(client: TestClient) -> None:
    started = client.post("/api/jobs/generate", json={"count": 25, "category": "tools"})
    assert started.status_code == 202
    assert started.json()["status"] == "pending"
    url = started.headers["location"]
    for _ in range(250):
        job = client.get(url).json()
        if job["status"] == "success":
            break
        time.sleep(0.02)
    assert job["result"] == {"inserted": 25}
    assert job["attempts"] == 1
    assert client.get("/api/analytics").json()["by_category"]["tools"]["count"] == 25
    assert client.get("/api/jobs").json()["data"]["success"] >= 1
    assert client.get("/api/jobs/unknown").status_code == 404


JSON = {"Content-Type": "application/json"}
HOSTILE_GETS = [
    "/api/records?limit=0",
    "/api/records?limit=101",
    "/api/records?limit=many",
    "/api/records?limit=99999999999999999999999",
    "/api/records?cursor=%%%",
    "/api/records?cursor=LTE",  # "-1"
    "/api/records?cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5",  # beyond 64 bits
    "/api/records?min_amount=lots",
    "/api/records/99999999999999999999999",
    "/api/records/0",
    "/api/records/-1",
    "/api/jobs/%00",
]
HOSTILE_BODIES: list[tuple[str, str, Any]] = [
    ("POST", "/api/records", {"category": "books", "name": "x"}),
    ("POST", "/api/records", {"category": "", "name": "x", "amount": 1}),
    ("POST", "/api/records", {"category": "a/b", "name": "x", "amount": 1}),
    ("POST", "/api/records", {"category": "books", "name": "x", "amount": -1}),
    ("POST", "/api/records", '{"category": "books", "name": "x", "amount": 1e400}'),
    ("POST", "/api/records", {"category": "books", "name": "x" * 121, "amount": 1}),
    ("POST", "/api/records", [1, 2]),
    ("PATCH", "/api/records/1", {"amount": "free"}),
    ("POST", "/api/jobs/generate", {"count": 0}),
    ("POST", "/api/jobs/generate", {"count": 10_001}),
    ("POST", "/api/jobs/generate", {"category": "x;drop table"}),
]


def test_hostile_queries_paths_and_bodies_get_4xx_never_500(client: TestClient) -> None:
    add(client, "books", "first", 1)
    answers = {("GET", url, None): client.get(url).status_code for url in HOSTILE_GETS}
    for method, url, body in HOSTILE_BODIES:
        sent = {"content": body, "headers": JSON} if isinstance(body, str) else {"json": body}
        answers[(method, url, repr(body))] = client.request(method, url, **sent).status_code
    wrong = {case: status for case, status in answers.items() if not 400 <= status < 500}
    assert not wrong
    assert len(answers) == len(HOSTILE_GETS) + len(HOSTILE_BODIES)


def test_text_the_database_refuses_is_422_and_otherwise_stored(client: TestClient) -> None:
    answer = client.post("/api/records", json={"category": "books", "name": "a\x00b", "amount": 1})
    if answer.status_code == 201:  # DuckDB keeps NUL characters
        assert client.get(answer.headers["location"]).json()["name"] == "a\x00b"
    else:  # PostgreSQL text cannot hold them
        assert answer.status_code == 422
        assert "0x00" in answer.json()["message"]
    assert client.get("/api/records?category=%00").status_code in (200, 422)
    assert (
        client.post(
            "/api/records", content=b"\xff\xfe", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )


def test_every_route_declares_what_it_returns() -> None:
    names = {endpoint for _, _, endpoint in data_example.app.iter_rules()}
    assert names >= {"list_records", "create_record", "show_record", "live_analytics"} - {
        "live_analytics"
    }
    for name in names:
        annotation = inspect.signature(getattr(data_example, name)).return_annotation
        assert annotation is not inspect.Signature.empty, name
