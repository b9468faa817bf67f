"""Fixtures of the conformance tests: a temporary working directory for samples that
use relative paths, a check that no sample leaves a coroutine unawaited, and a stopped
clock for rate limits."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gobstopper.utils.rate_limiter import TokenBucketLimiter


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
    """Run the test in an empty temporary directory, with tasks kept in the default task file
    there (no broker from the environment)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOBSTOPPER_TASK_BROKER", raising=False)
    monkeypatch.delenv("GOBSTOPPER_TASK_DATABASE", raising=False)
    return tmp_path


class StoppedClock:
    """Stands in for the ``time`` module of the in-process token bucket: its clock moves
    only when a test advances :attr:`now`, so a burst is never refilled while it runs."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def limiter_clock(monkeypatch: pytest.MonkeyPatch) -> StoppedClock:
    """Stop the clock of :class:`~gobstopper.utils.rate_limiter.TokenBucketLimiter`."""
    clock = StoppedClock()
    monkeypatch.setattr(sys.modules[TokenBucketLimiter.__module__], "time", clock)
    return clock
