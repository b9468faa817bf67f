"""Schemathesis against ``examples/data_example.py`` as users serve it: the OpenAPI
document ``gobstopper openapi`` writes, and a real ``gobstopper run`` answering every
generated request, on each of its stores (DuckDB, and PostgreSQL through
``DATABASE_URL``). Every operation gets a bounded, deterministic set of examples, valid
and invalid; none may answer 500, and every answer must be a status and a body the
document declares."""

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

import pytest

schemathesis = pytest.importorskip("schemathesis")

import asyncpg  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import Case, GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    response_schema_conformance,
    status_code_conformance,
)

from ..conftest import Server, start_server  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Examples per operation and mode: enough to reach every documented answer, few enough
#: for the whole module to stay well under a minute and a half on two shared cores.
MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
#: Errors are JSON for clients that ask for it (an HTML page otherwise, which the document
#: describes only as a string): ask, so error bodies are checked against their schemas.
JSON_CLIENT = {"Accept": "application/json"}
#: Every operation of the document; the first test keeps this list complete.
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
CASES = [(operation, GenerationMode.POSITIVE) for operation in OPERATIONS] + [
    (operation, GenerationMode.NEGATIVE) for operation in CONSTRAINED
]


class Fuzzed:
    """The served example, its loaded document, and what the fuzzer sent and found."""

    def __init__(self, store: str, server: Server, document: dict[str, Any]) -> None:
        self.store = store
        self.server = server
        self.document = document
        self.schema = schemathesis.openapi.from_dict(document)
        self.schema.config.update(base_url=server.url)
        self.examples: Counter[str] = Counter()
        self.failed: set[str] = set()

    def summary(self) -> str:
        return (
            f"schemathesis on {self.store}: {len(self.examples)} operations, "
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


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def data_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    """``data_example`` served from a copy of ``examples/`` on an empty store of each
    kind, with the document ``gobstopper openapi`` writes for it."""
    workdir = tmp_path_factory.mktemp("fuzz") / "examples"
    shutil.copytree(EXAMPLES, workdir, ignore=shutil.ignore_patterns("__pycache__"))
    env = {"EXAMPLE_DATA_DIR": str(workdir.parent / "data"), "DATABASE_URL": ""}
    if request.param == "postgres":
        env["DATABASE_URL"] = request.getfixturevalue("postgres_dsn")
        _drop_table(env["DATABASE_URL"])
    written = subprocess.run(
        [sys.executable, "-m", "gobstopper", "openapi", "data_example:app"],
        cwd=workdir,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    server = start_server(workdir, "data_example:app", env=env)
    fuzzed = Fuzzed(request.param, server, json.loads(written.stdout))
    yield fuzzed
    server.stop()
    print(f"\n{fuzzed.summary()}")
    # The store fuzzed is the one named: DuckDB's file exists only when it served.
    assert (workdir.parent / "data" / "records.duckdb").exists() == (request.param == "duckdb")


def test_every_operation_of_the_document_is_fuzzed(data_api: Fuzzed) -> None:
    documented = [
        f"{method.upper()} {path}"
        for path, item in data_api.document["paths"].items()
        for method in item
    ]
    assert sorted(documented) == sorted(OPERATIONS)


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_operation_answers_as_documented(
    data_api: Fuzzed, operation: str, mode: GenerationMode
) -> None:
    method, path = operation.split(" ")
    strategy = data_api.schema[path][method].as_strategy(generation_mode=mode)

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: Case) -> None:
        data_api.examples[operation] += 1
        try:
            case.call_and_validate(headers=JSON_CLIENT, checks=CHECKS, timeout=10)
        except Exception:
            data_api.failed.add(operation)
            raise

    answers_as_documented()
