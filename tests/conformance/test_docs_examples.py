"""docs/examples.rst: each example served by the command the page gives, from a copy of
``examples/`` (on a free port), and the TechEmpower types seeded and verified as the
page runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from .ledger import ROOT, docs_page
from .services import require_local
from .shell import run, start_server

LEDGER = docs_page("examples")
DEMO = LEDGER.run("$ cd examples")
BLUEPRINTS = LEDGER.run("$ gobstopper run blueprints_demo.app:app")
DATA = LEDGER.run("$ gobstopper run data_example:app")
TFB = LEDGER.run("$ python benchmarks/tfb/setup_db.py")
LEDGER.not_a_contract(
    "$ make bench-tfb",
    "a benchmark (it installs wrk and builds Emmett's environment), measured, never "
    "asserted; the seeding, serving and verifying it starts with are the block above, "
    "run by test_the_techempower_types_pass_the_verifier",
)

pytestmark = pytest.mark.integration


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    copy = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _get(url: str) -> httpx.Response:
    return httpx.get(url, headers={"accept": "application/json"}, timeout=10)


def test_the_demo(examples: Path, tmp_path: Path) -> None:
    change, serve = DEMO.commands()
    assert change == "cd examples"
    server = start_server(serve, examples, "-p", "{port}", EXAMPLE_DATA_DIR=str(tmp_path / "data"))
    try:
        pages = [_get(f"{server.url}{page}").status_code for page in ("/", "/chat", "/tasks")]
    finally:
        server.stop()
    assert pages == [200, 200, 200]


def test_the_blueprints_demo(examples: Path) -> None:
    (serve,) = BLUEPRINTS.commands()
    server = start_server(serve, examples, "-p", "{port}")
    try:
        notes = _get(f"{server.url}/notes/")
    finally:
        server.stop()
    assert notes.status_code == 200


@pytest.mark.parametrize("store", ["duckdb", "postgres"])
def test_the_data_api(examples: Path, tmp_path: Path, store: str) -> None:
    duckdb, postgres = DATA.commands()
    if store == "postgres":
        require_local(5432, "PostgreSQL server")
    command, env = duckdb, {"EXAMPLE_DATA_DIR": str(tmp_path)}
    if store == "postgres":
        assignment, command = postgres.split(" ", 1)
        name, value = assignment.split("=", 1)
        env[name] = value
    server = start_server(command, examples, "-p", "{port}", **env)
    try:
        records = _get(f"{server.url}/api/records?limit=1")
    finally:
        server.stop()
    assert records.status_code == 200, records.text
    assert "items" in records.json()


def test_the_techempower_types_pass_the_verifier(examples: Path) -> None:
    require_local(5432, "PostgreSQL server")
    setup, serve, verify = TFB.commands()
    seeded = run(setup, ROOT)
    assert seeded.returncode == 0, seeded.stderr
    change, _, command = serve.removesuffix("&").strip().partition(" && ")
    assert change == "cd examples"
    command = command.replace("-w 2", "-w 1")
    server = start_server(command, examples, "-p", "{port}")
    try:
        checked = run(verify.replace("http://127.0.0.1:8000", server.url), ROOT)
    finally:
        server.stop()
    assert checked.returncode == 0, checked.stdout + checked.stderr
