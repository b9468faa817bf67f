"""Schemathesis against the examples as users serve them: the OpenAPI document
``gobstopper openapi`` writes, and a real ``gobstopper run`` answering every generated
request. ``data_example.py`` is fuzzed whole on each of its stores (DuckDB, and PostgreSQL
through ``DATABASE_URL``), ``example_app.py`` on its JSON API. Every operation gets a
bounded, deterministic set of examples, valid and invalid; none may answer 500, and every
answer must be a status and a body the document declares."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

if sys.version_info < (3, 11):  # pyproject installs schemathesis from Python 3.11 on
    pytest.skip("schemathesis needs Python 3.11", allow_module_level=True)

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from ..conftest import Server, start_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Examples per operation and mode: enough to reach every documented answer, few enough
#: for the whole module to stay well under a minute and a half on two shared cores.
MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
#: Errors are JSON for clients that ask for it (an HTML page otherwise, which the document
#: describes only as a string): ask, so error bodies are checked against their schemas.
JSON_CLIENT = {"Accept": "application/json"}
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


def _cases(operations: list[str], constrained: list[str]) -> list[tuple[str, GenerationMode]]:
    """Valid examples for every operation, invalid ones where an input can be wrong."""
    return [(operation, GenerationMode.POSITIVE) for operation in operations] + [
        (operation, GenerationMode.NEGATIVE) for operation in constrained
    ]


class Fuzzed:
    """The served example, its loaded document, and what the fuzzer sent and found."""

    def __init__(self, name: str, server: Server, document: dict[str, Any]) -> None:
        self.name = name
        self.server = server
        self.document = document
        self.schema = schemathesis.openapi.from_dict(document)
        self.schema.config.update(base_url=server.url)
        self.examples: Counter[str] = Counter()
        self.failed: set[str] = set()

    def operations(self) -> list[str]:
        """``METHOD /path`` of every operation the document lists."""
        return [
            f"{method.upper()} {path}"
            for path, item in self.document["paths"].items()
            for method in item
        ]

    def fuzz(self, operation: str, mode: GenerationMode) -> None:
        """Send ``MAX_EXAMPLES`` examples of ``mode`` to ``operation``; every answer must
        pass :data:`CHECKS`."""
        method, path = operation.split(" ")
        strategy = self.schema[path][method].as_strategy(generation_mode=mode)

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case: Case) -> None:
            self.examples[operation] += 1
            try:
                case.call_and_validate(headers=JSON_CLIENT, checks=CHECKS, timeout=10)
            except Exception:
                self.failed.add(operation)
                raise

        answers_as_documented()

    def summary(self) -> str:
        return (
            f"schemathesis on {self.name}: {len(self.examples)} operations, "
            f"{sum(self.examples.values())} examples, {len(self.failed)} failing operations"
        )


def _drop_table(dsn: str) -> None:
    async def drop() -> None:
        connection = await asyncpg.connect(dsn, ssl=False)
        try:
            await connection.execute("DROP TABLE IF EXISTS data_example_records")
        finally:
            await connection.close()

    asyncio.run(drop())


def _serve(workdir: Path, target: str, env: dict[str, str], name: str) -> tuple[Server, Fuzzed]:
    """``gobstopper openapi TARGET`` for the document, then ``gobstopper run TARGET``."""
    written = subprocess.run(
        [sys.executable, "-m", "gobstopper", "openapi", target],
        cwd=workdir,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    server = start_server(workdir, target, env=env)
    return server, Fuzzed(name, server, json.loads(written.stdout))


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
    server, fuzzed = _serve(workdir, "data_example:app", env, f"data_example/{request.param}")
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
    server, fuzzed = _serve(workdir, "example_app:app", env, "example_app")
    yield fuzzed
    server.stop()
    print(f"\n{fuzzed.summary()}")


def test_every_operation_of_the_data_example_is_fuzzed(data_api: Fuzzed) -> None:
    assert sorted(data_api.operations()) == sorted(OPERATIONS)


def test_every_api_operation_of_the_example_app_is_fuzzed(demo_api: Fuzzed) -> None:
    api = [op for op in demo_api.operations() if op.split(" ")[1].startswith("/api/")]
    assert sorted(api) == sorted(op for op in DEMO_OPERATIONS if op != "GET /health")


@pytest.mark.parametrize(("operation", "mode"), _cases(OPERATIONS, CONSTRAINED))
def test_data_example_answers_as_documented(
    data_api: Fuzzed, operation: str, mode: GenerationMode
) -> None:
    data_api.fuzz(operation, mode)


@pytest.mark.parametrize(("operation", "mode"), _cases(DEMO_OPERATIONS, DEMO_CONSTRAINED))
def test_example_app_api_answers_as_documented(
    demo_api: Fuzzed, operation: str, mode: GenerationMode
) -> None:
    demo_api.fuzz(operation, mode)
