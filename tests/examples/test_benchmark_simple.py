"""``examples/benchmark_simple.py`` on a real PostgreSQL seeded by
``benchmarks/tfb/setup_db.py``: the TestClient checks each test type's rules, and
``benchmarks/tfb/verify.py`` passes against it served by ``gobstopper run``."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import benchmark_simple
import pytest
import setup_db
import verify

from gobstopper.testing import TestClient

from ..conftest import Server, start_server
from .conftest import EXAMPLES


def _query(dsn: str, sql: str, *args: Any) -> list[Any]:
    async def run() -> list[Any]:
        connection = await asyncpg.connect(dsn, ssl=False)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def seeded(postgres_dsn: str) -> str:
    """The DSN of a database holding TechEmpower's tables."""
    asyncio.run(setup_db.setup(postgres_dsn))
    return postgres_dsn


@pytest.fixture
def client(seeded: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(benchmark_simple, "DSN", seeded)
    monkeypatch.setattr(benchmark_simple, "SSL", False)
    with TestClient(benchmark_simple.app) as client:
        yield client


def test_setup_is_idempotent_and_repairs_the_fortunes(seeded: str) -> None:
    assert asyncio.run(setup_db.setup(seeded)) == []
    _query(seeded, "UPDATE fortune SET message = 'changed' WHERE id = 3")
    assert asyncio.run(setup_db.setup(seeded)) == ["fortune: seeded 12 rows"]
    assert _query(seeded, "SELECT count(*), min(id), max(id) FROM world")[0] == (10000, 1, 10000)
    assert dict(_query(seeded, "SELECT id, message FROM fortune")) == setup_db.FORTUNES


def test_json_and_plaintext_carry_the_required_headers(client: TestClient) -> None:
    json = client.get("/json")
    assert json.content == b'{"message":"Hello, World!"}'
    assert json.headers["content-type"] == "application/json"
    assert json.headers["server"] == "Gobstopper"
    text = client.get("/plaintext")
    assert text.content == b"Hello, World!"
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.headers["server"] == "Gobstopper"


def test_db_reads_a_random_row(client: TestClient, seeded: str) -> None:
    rows = [client.get("/db").json() for _ in range(10)]
    assert len({row["id"] for row in rows}) > 5
    stored = dict(_query(seeded, "SELECT id, randomnumber FROM world"))
    assert all(stored[row["id"]] == row["randomNumber"] for row in rows)


@pytest.mark.parametrize(
    ("given", "rows"), [("2", 2), ("0", 1), ("-3", 1), ("foo", 1), ("", 1), ("501", 500)]
)
def test_query_counts_are_clamped_like_techempower_says(
    client: TestClient, given: str, rows: int
) -> None:
    assert len(client.get(f"/queries?queries={given}").json()) == rows
    assert len(client.get(f"/cached-queries?count={given}").json()) == rows
    assert len(client.get("/queries").json()) == 1


def test_updates_persist_new_random_numbers(client: TestClient, seeded: str) -> None:
    updated = client.get("/updates?queries=20").json()
    assert len(updated) == len({row["id"] for row in updated}) == 20
    stored = dict(_query(seeded, "SELECT id, randomnumber FROM world"))
    assert all(stored[row["id"]] == row["randomNumber"] for row in updated)


def test_fortunes_are_sorted_escaped_and_include_the_added_one(client: TestClient) -> None:
    page = client.get("/fortunes")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    cells = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", page.text)
    assert [int(number) for number, _ in cells] == [11, 4, 5, 2, 8, 0, 3, 7, 10, 6, 9, 1, 12]
    assert "&lt;script&gt;alert(" in page.text
    assert "<script>" not in page.text
    assert "<td>Additional fortune added at request time.</td>" in page.text
    assert "<td>フレームワークのベンチマーク</td>" in page.text


@pytest.fixture
def server(seeded: str, tmp_path: Path) -> Iterator[Server]:
    workdir = tmp_path / "examples"
    shutil.copytree(EXAMPLES, workdir, ignore=shutil.ignore_patterns("__pycache__"))
    server = start_server(workdir, "benchmark_simple:app", env={"DATABASE_URL": seeded})
    yield server
    server.stop()


def test_the_verifier_passes_every_test_type_on_a_real_server(
    server: Server, seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outcomes = asyncio.run(verify.verify(server.url, seeded))
    report = "\n".join(outcome.line() for outcome in outcomes)
    with capsys.disabled():
        print("\n" + report)
    assert [outcome.test_type for outcome in outcomes] == [
        "json",
        "plaintext",
        "db",
        "query",
        "update",
        "fortune",
        "cached-query",
        "query-count",
    ]
    assert all(outcome.passed for outcome in outcomes), report
