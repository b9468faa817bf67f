"""Run the TechEmpower test types against Gobstopper and Emmett, in turn, and compare.

Both frameworks are served by the same Granian (same version, workers, threads, event
loop and asyncpg pool size) on the same seeded PostgreSQL: Gobstopper
(``examples/benchmark_simple.py``) and Emmett (``emmett_app.py``, from a throwaway
virtual environment made under /tmp with ``uv`` on first use). Each server is checked by
``verify.py``; then wrk loads every test type for a few seconds on loopback, on one
server and then the other, for a few rounds, and a table of the median requests per
second (with the range over the rounds) is printed side by side, then a table of the CPU
time each server spent per request (its Granian processes' user and system time over the
requests wrk completed, read from /proc). Requests per second move with whatever else
the machine runs; CPU per request moves far less, so it tells a slower framework from a
busier machine.

On a machine with two or more cores the servers are pinned to the first core and wrk to
the second (``taskset``), so the load generator never takes CPU from the server it
measures; PostgreSQL runs where the kernel puts it.

    python benchmarks/tfb/run.py --duration 3 --workers 1
    python benchmarks/tfb/run.py --only queries --only db --no-verify
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/, for cpu_time

from cpu_time import cpu_seconds
from setup_db import dsn_from_environment, setup
from verify import verify

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "tfb.json"
UV = os.environ.get("UV") or shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")

#: (test type, path) in TechEmpower's order; 20 queries and 100 cached rows per request.
TEST_TYPES = [
    ("json", "/json"),
    ("plaintext", "/plaintext"),
    ("db", "/db"),
    ("query (20)", "/queries?queries=20"),
    ("update (20)", "/updates?queries=20"),
    ("fortune", "/fortunes"),
    ("cached-query (100)", "/cached-queries?count=100"),
]

#: framework -> test type -> one number per round.
Table = dict[str, dict[str, list[float]]]


@dataclass
class Load:
    """What one wrk run measured."""

    rate: float
    requests: int


@dataclass
class Framework:
    """One implementation: how to start it."""

    name: str
    python: str
    directory: Path
    target: str


def selected(only: list[str] | None) -> list[tuple[str, str]]:
    """The test types named by ``--only`` (paths such as ``queries``), in TechEmpower's
    order; all of them when none is named."""
    return [(name, path) for name, path in TEST_TYPES if not only or _endpoint(path) in only]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def emmett_python(venv: Path, loop: str) -> str:
    """The interpreter of the throwaway Emmett environment, made if missing with the
    same Granian (and event loop) as Gobstopper's."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([UV, "venv", "-q", "-p", sys.executable, str(venv)], check=True)
    granian = importlib.metadata.version("granian")
    packages = ["emmett", "asyncpg", f"granian=={granian}"]
    if loop == "rloop":
        packages.append(f"rloop=={importlib.metadata.version('rloop')}")
    subprocess.run([UV, "pip", "install", "-q", "-p", str(python), *packages], check=True)
    return str(python)


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """``command`` bound to one CPU with taskset, or as it is when ``cpu`` is None."""
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


def cpus_to_pin(wanted: bool) -> tuple[int | None, int | None]:
    """(server CPU, wrk CPU): 0 and 1 when pinning is wanted and possible."""
    if wanted and shutil.which("taskset") and len(os.sched_getaffinity(0)) >= 2:
        first, second = sorted(os.sched_getaffinity(0))[:2]
        return first, second
    return None, None


def start(
    framework: Framework, port: int, args: argparse.Namespace, dsn: str
) -> subprocess.Popen[bytes]:
    """Serve ``framework`` with Granian on ``port``; returns once it listens."""
    command = pinned([framework.python, "-m", "granian", "--interface", "rsgi"], args.server_cpu)
    command += ["--workers", str(args.workers), "--runtime-threads", "1"]
    command += ["--loop", args.loop, "--log-level", "error", "--backlog", "16384"]
    command += ["--host", "127.0.0.1", "--port", str(port), framework.target]
    env = {**os.environ, "DATABASE_URL": dsn, "TFB_POOL_SIZE": str(args.pool_size)}
    process = subprocess.Popen(command, cwd=framework.directory, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{framework.name} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{framework.name} did not listen on {port} within 30 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server and wait for it."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wrk(url: str, duration: int, connections: int, cpu: int | None) -> Load:
    """Requests per second and requests completed, as wrk measured them; errors under
    load are a failure."""
    command = pinned(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", url], cpu)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    if rate is None or requests is None:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{output}")
    return Load(float(rate.group(1)), int(requests.group(1)))


def verified(name: str, base: str, dsn: str) -> bool:
    """Run ``verify.py``'s checks against a server and print them."""
    print(f"verifying {name}:")
    outcomes = asyncio.run(verify(base, dsn))
    for outcome in outcomes:
        print("  " + outcome.line())
    return all(outcome.passed for outcome in outcomes)


def measure(
    bases: dict[str, str], pids: dict[str, int], args: argparse.Namespace
) -> tuple[Table, Table]:
    """Load each test type on each server in turn, ``args.rounds`` times (who goes first
    alternates, so a machine that slows down hits both alike): every round's req/s, and
    every round's server CPU microseconds per request (none where /proc cannot tell)."""
    rates: Table = {name: {} for name in bases}
    cpu: Table = {name: {} for name in bases}
    for test_type, path in args.types:
        for base in bases.values():
            wrk(base + path, 2, args.connections, args.wrk_cpu)  # warm up
        for round_number in range(args.rounds):
            order = list(bases) if round_number % 2 == 0 else list(reversed(bases))
            for name in order:
                before = cpu_seconds(pids[name])
                load = wrk(bases[name] + path, args.duration, args.connections, args.wrk_cpu)
                after = cpu_seconds(pids[name])
                rates[name].setdefault(test_type, []).append(load.rate)
                if before is not None and after is not None and load.requests:
                    spent = (after - before) / load.requests * 1e6
                    cpu[name].setdefault(test_type, []).append(spent)
        print(
            f"  {test_type:<20}"
            + "".join(
                f"{name} {statistics.median(rates[name][test_type]):>8.0f} req/s   "
                for name in bases
            )
        )
    return rates, cpu


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=3, help="seconds of wrk per test type")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=3, help="runs per test type and server")
    parser.add_argument("--workers", type=int, default=1, help="Granian workers per framework")
    parser.add_argument("--pool-size", type=int, default=4, help="asyncpg connections per worker")
    parser.add_argument(
        "--loop",
        choices=["asyncio", "rloop"],
        default="rloop" if importlib.util.find_spec("rloop") else "asyncio",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=[_endpoint(path) for _, path in TEST_TYPES],
        help="measure only this test type, by path (repeatable), e.g. --only queries --only db",
    )
    parser.add_argument("--dsn", default=dsn_from_environment())
    parser.add_argument("--emmett-venv", type=Path, default=Path("/tmp/gobstopper-tfb-emmett"))
    parser.add_argument("--no-verify", dest="verify", action="store_false")
    parser.add_argument(
        "--no-pin", dest="pin", action="store_false", help="don't bind servers and wrk to cores"
    )
    args = parser.parse_args()
    args.server_cpu, args.wrk_cpu = cpus_to_pin(args.pin)
    args.types = selected(args.only)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    print("; ".join(asyncio.run(setup(args.dsn))) or "world and fortune tables in place")
    frameworks = [
        Framework("gobstopper", sys.executable, ROOT / "examples", "benchmark_simple:app"),
        Framework("emmett", emmett_python(args.emmett_venv, args.loop), HERE, "emmett_app:app"),
    ]
    servers = []
    bases: dict[str, str] = {}
    pids: dict[str, int] = {}
    all_verified = True
    try:
        for framework in frameworks:
            port = free_port()
            servers.append(start(framework, port, args, args.dsn))
            pids[framework.name] = servers[-1].pid
            bases[framework.name] = f"http://127.0.0.1:{port}"
            if args.verify:
                all_verified = (
                    verified(framework.name, bases[framework.name], args.dsn) and all_verified
                )
        table, cpu = measure(bases, pids, args)
    finally:
        for process in servers:
            stop(process)
    print(
        f"\nGranian {importlib.metadata.version('granian')}, {args.workers} worker(s), "
        f"loop {args.loop}, {args.pool_size} DB connections per worker, "
        f"wrk {args.connections} connections, median of {args.rounds} x {args.duration} s, "
        + (
            f"servers on CPU {args.server_cpu}, wrk on CPU {args.wrk_cpu}"
            if args.wrk_cpu is not None
            else "not pinned"
        )
    )
    print("requests per second")
    _print_table(table, args.types)
    if all(cpu[name] for name in cpu):
        print("server CPU microseconds per request (lower is better)")
        _print_table(cpu, args.types)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"settings": vars(args) | {"dsn": None}, "req_per_s": table, "cpu_us_per_request": cpu},
            default=str,
            indent=2,
        )
    )
    print(f"results written to {RESULTS.relative_to(ROOT)}")
    return 0 if all_verified else 1


def _endpoint(path: str) -> str:
    """The name ``--only`` knows a test type by: its path without slash and query."""
    return path.split("?")[0].strip("/")


def _print_table(table: Table, types: list[tuple[str, str]]) -> None:
    """One line per test type: each framework's median (min-max) and their ratio."""
    print(f"{'test type':<20}{'gobstopper (min-max)':>26}{'emmett (min-max)':>26}{'ratio':>8}")
    for name, _ in types:
        ours, theirs = table["gobstopper"][name], table["emmett"][name]
        ratio = statistics.median(ours) / statistics.median(theirs)
        print(f"{name:<20}{_cell(ours):>26}{_cell(theirs):>26}{ratio:>8.2f}")


def _cell(rates: list[float]) -> str:
    """A median with the range of the rounds, e.g. ``12345 (12000-12600)``."""
    return f"{statistics.median(rates):.0f} ({min(rates):.0f}-{max(rates):.0f})"


if __name__ == "__main__":
    raise SystemExit(main())
