"""Schemathesis against a served application: its OpenAPI document as ``gobstopper
openapi`` writes it, a real ``gobstopper run`` answering, and every operation fuzzed with
a bounded, deterministic set of examples that may not answer 500 and must answer a status
and a body the document declares. Shared by the fuzz modules of the examples and of the
generated projects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from ..conftest import Server, start_server

__all__ = ["JSON_CLIENT", "MAX_EXAMPLES", "Fuzzed", "cases", "serve"]

#: Examples per operation and mode: enough to reach every documented answer, few enough
#: for each fuzz module to stay well under a minute and a half on two shared cores.
MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
#: Errors are JSON for clients that ask for it (an HTML page otherwise, which the document
#: describes only as a string): ask, so error bodies are checked against their schemas.
JSON_CLIENT = {"Accept": "application/json"}


def cases(operations: list[str], constrained: list[str]) -> list[tuple[str, GenerationMode]]:
    """Valid examples for every operation, invalid ones where an input can be wrong."""
    return [(operation, GenerationMode.POSITIVE) for operation in operations] + [
        (operation, GenerationMode.NEGATIVE) for operation in constrained
    ]


class Fuzzed:
    """The served application, its loaded document, and what the fuzzer sent and found.

    ``headers`` go with every example (credentials for guarded operations, say), besides
    asking for JSON.
    """

    def __init__(
        self,
        name: str,
        server: Server,
        document: dict[str, Any],
        headers: Mapping[str, str] | None = None,
        max_examples: int = MAX_EXAMPLES,
    ) -> None:
        self.name = name
        self.server = server
        self.document = document
        self.headers = {**JSON_CLIENT, **(headers or {})}
        self.max_examples = max_examples
        self.schema = schemathesis.openapi.from_dict(document)
        self.schema.config.update(base_url=server.url)
        self.examples: Counter[str] = Counter()
        self.failed: set[str] = set()
        #: The statuses each operation answered, to show which answers were reached.
        self.statuses: dict[str, Counter[int]] = {}

    def operations(self) -> list[str]:
        """``METHOD /path`` of every operation the document lists."""
        return [
            f"{method.upper()} {path}"
            for path, item in self.document["paths"].items()
            for method in item
        ]

    def fuzz(
        self,
        operation: str,
        mode: GenerationMode,
        path_parameters: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> None:
        """Send ``max_examples`` examples of ``mode`` to ``operation``; every answer must
        pass :data:`CHECKS`. ``path_parameters`` and ``query`` pin some inputs (a name
        that exists, a column it has), so the examples reach past the 404 or 422 that
        random values get, while the other inputs vary."""
        method, path = operation.split(" ")
        strategy = self.schema[path][method].as_strategy(generation_mode=mode)
        statuses = self.statuses.setdefault(operation, Counter())

        @given(case=strategy)
        @settings(
            max_examples=self.max_examples,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case: Case) -> None:
            self.examples[operation] += 1
            if path_parameters:
                case.path_parameters = {**(case.path_parameters or {}), **path_parameters}
            if query:
                case.query = {**(case.query or {}), **query}
            try:
                response = case.call_and_validate(headers=self.headers, checks=CHECKS, timeout=10)
                statuses[response.status_code] += 1
            except Exception:
                self.failed.add(operation)
                raise

        answers_as_documented()

    def summary(self) -> str:
        return (
            f"schemathesis on {self.name}: {len(self.examples)} operations, "
            f"{sum(self.examples.values())} examples, {len(self.failed)} failing operations"
        )


def serve(
    workdir: Path, target: str, env: dict[str, str], name: str, **fuzzing: Any
) -> tuple[Server, Fuzzed]:
    """``gobstopper openapi TARGET`` for the document, then ``gobstopper run TARGET``;
    ``fuzzing`` goes to :class:`Fuzzed`."""
    written = subprocess.run(
        [sys.executable, "-m", "gobstopper", "openapi", target],
        cwd=workdir,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    server = start_server(workdir, target, env=env)
    return server, Fuzzed(name, server, json.loads(written.stdout), **fuzzing)
