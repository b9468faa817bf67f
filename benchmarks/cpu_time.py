"""CPU time as Linux's /proc tells it, for benchmarks that must tell a slower server from
a busier machine: the CPU seconds a server's processes used, and the time the hypervisor
took a core away (steal time)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cpu_seconds", "process_tree", "stolen_seconds"]


def process_tree(pid: int) -> list[int]:
    """Process ``pid`` and every process below it (Granian's workers, say), parents
    first; raises ``OSError`` once ``pid`` is gone."""
    tree = [pid]
    for member in tree:
        for task in (Path("/proc") / str(member) / "task").iterdir():
            tree += [int(child) for child in (task / "children").read_text().split()]
    return tree


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of process ``pid`` and every process below it, or None
    where /proc cannot tell (not Linux, or the process is gone)."""
    try:
        total = 0
        for member in process_tree(pid):
            # The fields after the command name, which may itself hold spaces.
            fields = (Path("/proc") / str(member) / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def stolen_seconds(cpu: str) -> float | None:
    """Steal time of core ``cpu`` since boot (while the hypervisor ran something else on
    it), or None where /proc cannot tell."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if fields[0] == f"cpu{cpu}" and len(fields) > 8:
            return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    return None
