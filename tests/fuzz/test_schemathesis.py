"""Schemathesis against the examples as users serve them: the OpenAPI document
``gobstopper openapi`` writes, and a real ``gobstopper run`` answering every generated
request. ``data_example.py`` is fuzzed whole on each of its stores (DuckDB, and PostgreSQL
through ``DATABASE_URL``), ``example_app.py`` on its JSON API. Every operation gets a
bounded, deterministic set of examples, valid and invalid; none may answer 500, and every
answer must be a status and a body the document declares."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

if sys.version_info < (3, 11):  # pyproject installs schemathesis from Python 3.11 on
    pytest.skip("schemathesis needs Python 3.11", allow_module_level=True)

from schemathesis import GenerationMode

from .fuzzing import Fuzzed, cases, serve

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Every operation of data_example's document; a test keeps this list complete.
OPERATIONS = [
    "GET /",
    "GET /api/records",
    "POST /api/records",
    "GET /api/records/{record_id}",
    "PATCH /api/records/{record_id}",
    "DELETE /api/records/{record_id}",
    "GET /api/analytics",
    "POST /api/jobs/generate",
    "GET /api/jobs/{task_id}",
    "GET /api/jobs",
]
#: The operations with inputs a request can get wrong (a typed or constrained parameter,
#: a body): invalid examples for them. The others accept any request schemathesis can
#: build — a job id is any string — so only valid examples exist.
CONSTRAINED = [
    "GET /api/records",
    "POST /api/records",
    "GET /api/records/{record_id}",
    "PATCH /api/records/{record_id}",
    "DELETE /api/records/{record_id}",
    "POST /api/jobs/generate",
]
#: example_app's JSON API (its pages and forms are for browsers, tested there).
DEMO_OPERATIONS = [
    "GET /api/todos",
    "POST /api/todos",
    "GET /api/todos/{todo_id}",
    "DELETE /api/todos/{todo_id}",
    "POST /api/jobs",
    "GET /api/jobs/{task_id}",
    "POST /api/ping",
    "GET /api/slow",
    "GET /health",
]
DEMO_CONSTRAINED = [
    "GET /api/todos",
    "POST /api/todos",
    "GET /api/todos/{todo_id}",
    "DELETE /api/todos/{todo_id}",
    "POST /api/jobs",
    "GET /api/slow",
]


def _drop_table(dsn: str) -> None:
    async def drop() -> None:
        connection = await asyncpg.connect(dsn, ssl=False)
        try:
            await connection.execute("DROP TABLE IF EXISTS data_example_records")
        finally:
            await connection.close()

    asyncio.run(drop())


def _examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("fuzz") / "examples"
    shutil.copytree(EXAMPLES, workdir, ignore=shutil.ignore_patterns("__pycache__"))
    return workdir


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def data_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    """``data_example`` served from a copy of ``examples/`` on an empty store of each
    kind."""
    workdir = _examples(tmp_path_factory)
    data = workdir.parent / "data"
    env = {"EXAMPLE_DATA_DIR": str(data), "DATABASE_URL": ""}
    if request.param == "postgres":
        env["DATABASE_URL"] = request.getfixturevalue("postgres_dsn")
        _drop_table(env["DATABASE_URL"])
    server, fuzzed = serve(workdir, "data_example:app", env, f"data_example/{request.param}")
    yield fuzzed
    server.stop()
    print(f"\n{fuzzed.summary()}")
    # The store fuzzed is the one named: DuckDB's file exists only when it served.
    assert (data / "records.duckdb").exists() == (request.param == "duckdb")


@pytest.fixture(scope="module")
def demo_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """``example_app`` served from a copy of ``examples/``."""
    workdir = _examples(tmp_path_factory)
    env = {"EXAMPLE_DATA_DIR": str(workdir.parent / "data")}
    server, fuzzed = serve(workdir, "example_app:app", env, "example_app")
    yield fuzzed
    server.stop()
    print(f"\n{fuzzed.summary()}")


def test_every_operation_of_the_data_example_is_fuzzed(data_api: Fuzzed) -> None:
    assert sorted(data_api.operations()) == sorted(OPERATIONS)


def test_every_api_operation_of_the_example_app_is_fuzzed(demo_api: Fuzzed) -> None:
    api = [op for op in demo_api.operations() if op.split(" ")[1].startswith("/api/")]
    assert sorted(api) == sorted(op for op in DEMO_OPERATIONS if op != "GET /health")


@pytest.mark.parametrize(("operation", "mode"), cases(OPERATIONS, CONSTRAINED))
def test_data_example_answers_as_documented(
    data_api: Fuzzed, operation: str, mode: GenerationMode
) -> None:
    data_api.fuzz(operation, mode)


@pytest.mark.parametrize(("operation", "mode"), cases(DEMO_OPERATIONS, DEMO_CONSTRAINED))
def test_example_app_api_answers_as_documented(
    demo_api: Fuzzed, operation: str, mode: GenerationMode
) -> None:
    demo_api.fuzz(operation, mode)
