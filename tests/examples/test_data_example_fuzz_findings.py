"""What schemathesis found in ``examples/data_example.py`` (see ``tests/fuzz``), each
pinned here: answers the document did not declare, and a job that stalled the API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import data_example
import pytest
from data_store import DuckDBStore, NewRecord, RecordFilter

from gobstopper.testing import TestClient

JSON_CLIENT = {"Accept": "application/json"}


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(data_example, "DATA_DIR", tmp_path)
    with TestClient(data_example.app) as client:
        yield client


def _documented_422(operation: str) -> dict[str, Any]:
    document = data_example.app.openapi()
    path, method = operation.split(" ")
    return document["paths"][path][method]["responses"]["422"]


@pytest.mark.parametrize("cursor", ["0", "LTE", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_a_cursor_not_given_out_is_the_documented_422_naming_it(
    client: TestClient, cursor: str
) -> None:
    answer = client.get(f"/api/records?cursor={cursor}", headers=JSON_CLIENT)
    assert answer.status_code == 422
    assert answer.json()["detail"] == {
        "field": "cursor",
        "message": "cursor is not one this API gave out",
    }
    assert _documented_422("/api/records get") == {
        "$ref": "#/components/responses/UnprocessableContent"
    }


@pytest.mark.parametrize(("limit", "message"), [("0", ">= 1"), ("101", "<= 100")])
def test_a_limit_out_of_range_is_the_frameworks_422_and_documented(
    client: TestClient, limit: str, message: str
) -> None:
    answer = client.get(f"/api/records?limit={limit}", headers=JSON_CLIENT)
    assert answer.status_code == 422
    assert answer.json()["detail"] == {"field": "limit", "message": f"Expected `int` {message}"}
    parameters = data_example.app.openapi()["paths"]["/api/records"]["get"]["parameters"]
    limit_schema = next(p["schema"] for p in parameters if p["name"] == "limit")
    assert limit_schema == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}


def test_a_value_the_database_refuses_is_a_422_in_the_documented_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_dsn: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_dsn)
    monkeypatch.setattr(data_example, "DATA_DIR", tmp_path)
    with TestClient(data_example.app) as client:
        answer = client.post(
            "/api/records", json={"category": "books", "name": "a\x00b", "amount": 1}
        )
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == {"error", "status", "message", "detail"}
    assert body["detail"]["field"] is None
    assert "0x00" in body["detail"]["message"]


def test_a_largest_generation_batch_is_one_quick_insert_in_order(tmp_path: Path) -> None:
    """10,000 records took DuckDB ~9 s as one statement per row, and every request of the
    API waited behind them on the store's thread."""

    async def insert() -> tuple[int, float, list[str]]:
        store = DuckDBStore(tmp_path / "records.duckdb")
        try:
            batch = [NewRecord("books", f"item {n}", n) for n in range(10_000)]
            started = time.perf_counter()
            inserted = await store.add_many(batch)
            took = time.perf_counter() - started
            page = await store.page(RecordFilter(), 9_997, 10)
            return inserted, took, [f"{record.id}:{record.name}" for record in page]
        finally:
            await store.close()

    inserted, took, last = asyncio.run(insert())
    assert inserted == 10_000
    assert last == ["9998:item 9997", "9999:item 9998", "10000:item 9999"]
    assert took < 3
