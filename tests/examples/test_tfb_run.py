"""``benchmarks/tfb/run.py``'s own measuring: which test types ``--only`` keeps, and the
CPU time it reads for a server and the workers it spawned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import run

#: A parent that spawns a child, which spends about half a second of CPU and then waits
#: (as Granian's main process does while its worker serves).
_PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", '''
import sys, time
end = time.process_time() + 0.5
while time.process_time() < end:
    pass
print("busy done", flush=True)
time.sleep(60)
'''], stdout=sys.stdout)
child.wait()
"""


def test_only_keeps_the_named_test_types_in_techempowers_order() -> None:
    assert run.selected(["queries", "db"]) == [
        ("db", "/db"),
        ("query (20)", "/queries?queries=20"),
    ]


def test_no_only_keeps_every_test_type() -> None:
    assert run.selected(None) == run.TEST_TYPES


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_cpu_seconds_counts_the_processes_a_server_spawned() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline() == "busy done\n"
        spent = run.cpu_seconds(parent.pid)
        assert spent is not None
        assert 0.45 <= spent < 5
    finally:
        for child in _children(parent.pid):
            os.kill(child, signal.SIGTERM)
        parent.wait(timeout=10)


def test_cpu_seconds_of_a_process_that_is_gone_is_none() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert run.cpu_seconds(process.pid) is None


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]
