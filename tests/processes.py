"""Start ``gobstopper run-tasks`` in a process of its own, for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["start_task_workers", "stop_task_workers", "wait_for_line"]


def start_task_workers(target: str, directory: Path, *arguments: str) -> subprocess.Popen[str]:
    """Run ``gobstopper run-tasks TARGET ARGUMENTS`` in ``directory`` with this process's
    environment; returns once its workers are running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gobstopper", "run-tasks", target, *arguments],
        cwd=directory,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    if "worker(s) each for" not in line:
        process.kill()
        raise AssertionError(line + process.stderr.read())
    return process


def stop_task_workers(*processes: subprocess.Popen[str]) -> None:
    """SIGTERM each process and check it stopped cleanly (exit 0) within 20 s."""
    try:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            assert process.wait(20) == 0
    finally:
        for process in processes:
            process.kill()


def wait_for_line(path: Path, text: str, timeout: float = 30) -> str:
    """Wait until the file at ``path`` holds a line containing ``text``; returns it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                if text in line:
                    return line
        time.sleep(0.02)
    raise AssertionError(f"no line with {text!r} in {path} after {timeout}s")
