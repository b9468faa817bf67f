"""``benchmarks/run.py``: how a server's one-second slices of a round add up, and the
servers it starts and stops. (The tests put ``benchmarks/tfb`` first on the import path,
so this run.py is loaded by its path.)"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import httpx
import pytest

RUN_PY = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
_spec = importlib.util.spec_from_file_location("core_run", RUN_PY)
assert _spec is not None
assert _spec.loader is not None
core_run = sys.modules.setdefault("core_run", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(core_run)


def test_slices_add_up_to_requests_over_the_time_they_took() -> None:
    slices = [
        core_run.Measurement(1000.0, 2.0, 1000, server_cpu_seconds=0.95, stolen_seconds=0.0),
        core_run.Measurement(1500.0, 4.0, 3000, server_cpu_seconds=1.9, stolen_seconds=0.1),
    ]
    taken = core_run.combined(slices)
    assert taken.requests == 4000
    assert taken.requests_per_second == pytest.approx(4000 / 3)
    assert taken.server_cpu_seconds == pytest.approx(2.85)
    assert taken.stolen_seconds == pytest.approx(0.1)
    assert taken.p99_ms == pytest.approx(3.0)
    assert taken.requests_per_cpu_second == pytest.approx(4000 / 2.85)


def _stopped(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_serving_starts_real_servers_and_stops_them() -> None:
    servers = {"bare": core_run.Server(sys.executable, "bare_rsgi:app")}
    with core_run.serving(servers, core_run.event_loop()) as (ports, pids):
        answer = httpx.get(f"http://127.0.0.1:{ports['bare']}/plaintext", timeout=5)
        assert answer.text == "Hello, World!"
    assert _stopped(pids["bare"])


def test_serving_stops_the_servers_it_started_when_a_later_one_fails(monkeypatch) -> None:
    started = []

    def start_and_keep(*arguments, **options):
        process = start_server(*arguments, **options)
        started.append(process)
        return process

    start_server = core_run.start_server
    monkeypatch.setattr(core_run, "start_server", start_and_keep)
    servers = {
        "bare": core_run.Server(sys.executable, "bare_rsgi:app"),
        "broken": core_run.Server(sys.executable, "no_such_module:app"),
    }
    with pytest.raises(RuntimeError, match="no_such_module"), core_run.serving(servers, "asyncio"):
        pass
    assert len(started) == 1
    assert _stopped(started[0].pid)
