"""docs/index.rst: the first sample runs as written."""

from __future__ import annotations

from pathlib import Path

from gobstopper.testing import TestClient

from .ledger import docs_page

LEDGER = docs_page("index")
HELLO = LEDGER.run("from gobstopper import Gobstopper")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_hello(workdir: Path) -> None:
    with TestClient(HELLO.exec()["app"]) as client:
        response = client.get("/")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == "Hello from Gobstopper"
