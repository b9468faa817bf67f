"""Fixtures of the conformance tests: a temporary working directory for samples that
use relative paths, and a check that no sample leaves a coroutine unawaited."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def nothing_left_unawaited(recwarn: pytest.WarningsRecorder) -> Iterator[None]:
    """Fail a test after which a coroutine was dropped without being awaited (an API
    called the wrong way round, or a sample that silently does nothing)."""
    yield
    gc.collect()
    dropped = [str(w.message) for w in recwarn if "was never awaited" in str(w.message)]
    assert not dropped, dropped


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test in an empty temporary directory, with tasks kept in a DuckDB file
    there (no broker from the environment)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOBSTOPPER_TASK_BROKER", raising=False)
    monkeypatch.delenv("GOBSTOPPER_TASK_DATABASE", raising=False)
    return tmp_path
