"""docs/testing.rst: the two test samples pass against the quick start's application."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gobstopper.testing import AsyncTestClient

from .ledger import docs_page

LEDGER = docs_page("testing")
SYNC_TEST = LEDGER.run("from gobstopper.testing import TestClient")
ASYNC_TEST = LEDGER.run("async def test_index():")
QUICKSTART_APP = docs_page("quickstart").run("import msgspec")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_the_sync_sample_passes(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "app.py").write_text(QUICKSTART_APP.text)
    monkeypatch.syspath_prepend(str(workdir))
    monkeypatch.delitem(sys.modules, "app", raising=False)
    namespace = SYNC_TEST.exec()
    namespace["test_create_user"]()


async def test_the_async_sample_passes(workdir: Path) -> None:
    app = QUICKSTART_APP.exec()["app"]
    namespace = ASYNC_TEST.exec(app=app, AsyncTestClient=AsyncTestClient)
    await namespace["test_index"]()
