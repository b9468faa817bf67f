"""Compare Gobstopper with a bare RSGI app, Emmett and Starlette on the same Granian.

Every server runs one Granian worker pinned to CPU 0 and wrk (``-t1 -c64``) runs pinned to
CPU 1, so the load generator never competes with the server for a core: sharing both
cores would cap every server at wrk's own speed and squeeze every ratio towards 1. The
servers are the bare RSGI app (``bare_rsgi.py``, the line to reach), Gobstopper with the
Rust core (when installed), Gobstopper with ``GOBSTOPPER_NO_RUST=1``, and the anchors
Emmett and Starlette (``anchors/``, served from a throwaway virtual environment with the
same Granian, made on first use). Each round warms every server up on a scenario, then
measures them in slices taken in turn (``--slice`` seconds each, one by default, until
each has had ``--duration`` seconds; the order rotating from round to round), and gives
each a ratio to the bare app of that round. The table shows the mean ratio over the
rounds with its min-max beside it. The result is a table and a JSON file for later
comparison.

Taking turns matters on a shared host. Every server's requests a second, the bare app's
included, swing by about 9% from one second to the next, and the swings of servers
measured within a few seconds of each other move together: over 40 sweeps of one-second
slices, a ratio over 5 interleaved slices had a standard deviation of 0.016-0.039,
against 0.080-0.119 for the same slices compared 5 sweeps (about 20 seconds) apart
(``plaintext``, December 2026; ``benchmarks/steadiness.py`` measures it).

On a shared virtual machine the hypervisor takes the server's core away now and then
(steal time), in bursts that land on one server's run and not the next: requests a second
then swing by tens of percent between rounds, for every server alike. So each run also
records the CPU time the server's processes used, and a second table gives the ratio of
requests per server CPU-second, which stolen time does not touch; a third shows how much
time was stolen during the runs. A run in which the server was busy less than 90% of the
time measured the load generator instead (its own core taken away): it is run again, up
to twice, and the third table counts those runs.

    python benchmarks/run.py --warmup 2 --duration 5 --rounds 3
    python benchmarks/run.py --warmup 1 --duration 1 --rounds 1 --no-anchors   # a smoke run
    python benchmarks/run.py --no-anchors "static file" "static file (browser)"
"""

from __future__ import annotations

import argparse
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cpu_time import cpu_seconds, stolen_seconds

HERE = Path(__file__).resolve().parent
ANCHORS = HERE / "anchors"
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
SERVER_CPU = "0"
WRK_CPU = "1"


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    script: Path | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Whether Emmett and Starlette serve it too (the five endpoints of issue 25's table).
    anchored: bool = False


SCENARIOS = [
    Scenario("plaintext", "/plaintext", anchored=True),
    Scenario("json", "/json", anchored=True),
    Scenario("path parameter", "/users/42", anchored=True),
    Scenario("routing (3 parameters)", "/api/v1/orgs/3/repos/gob/issues/42"),
    Scenario("query and headers", "/search?page=3"),
    Scenario("POST msgspec Struct", "/items", HERE / "post_item.lua", anchored=True),
    Scenario("static file", "/static/hello.txt"),
    Scenario("static file (browser)", "/static/hello.txt", headers=BROWSER),
    Scenario("template (fortunes)", "/fortunes", anchored=True),
]


@dataclass(frozen=True)
class Server:
    python: str
    target: str
    interface: str = "rsgi"
    directory: Path = HERE
    env: dict[str, str] = field(default_factory=dict)
    anchor: bool = False


@dataclass
class Measurement:
    requests_per_second: float
    p99_ms: float
    requests: int = 0
    #: CPU time the server's processes used during the run (0 where /proc cannot tell).
    server_cpu_seconds: float = 0.0
    #: Time the hypervisor took the server's core away during the run (``/proc/stat``).
    stolen_seconds: float = 0.0

    @property
    def requests_per_cpu_second(self) -> float:
        return self.requests / self.server_cpu_seconds if self.server_cpu_seconds else 0.0


def write_results(output: Path, report: dict[str, object]) -> None:
    """Save a benchmark's report as JSON (for comparing runs) and say where."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    print(f"results written to {output}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _pinned(cpu: str, command: list[str]) -> list[str]:
    """``command`` run on ``cpu`` alone, when the machine has a second core to give."""
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return command
    return ["taskset", "-c", cpu, *command]


def event_loop() -> str:
    """The event loop Granian runs the servers on: rloop when installed, as
    ``gobstopper run`` picks it."""
    return "rloop" if _has_module("rloop") else "asyncio"


def anchor_python(venv: Path, loop: str) -> str:
    """The interpreter of the throwaway Emmett + Starlette environment, made if missing
    with the same Granian (and event loop) as Gobstopper's."""
    uv = os.environ.get("UV") or shutil.which("uv") or str(Path.home() / ".local/bin/uv")
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(venv)], check=True)
    packages = ["emmett", "starlette", "jinja2", "msgspec"]
    packages.append(f"granian=={importlib.metadata.version('granian')}")
    if loop == "rloop":
        packages.append(f"rloop=={importlib.metadata.version('rloop')}")
    subprocess.run([uv, "pip", "install", "-q", "-p", str(python), *packages], check=True)
    return str(python)


def start_server(
    target: str,
    port: int,
    extra_env: dict[str, str] | None = None,
    *,
    python: str = sys.executable,
    interface: str = "rsgi",
    directory: Path = HERE,
    loop: str | None = None,
) -> subprocess.Popen[bytes]:
    """Serve ``target`` with one Granian worker pinned to CPU 0; returns once it listens."""
    loop = loop or event_loop()
    command = [python, "-m", "granian", "--interface", interface]
    command += ["--workers", "1", "--runtime-mode", "st", "--loop", loop]
    command += ["--log-level", "error", "--backlog", "16384"]
    command += ["--host", "127.0.0.1", "--port", str(port), target]
    path = os.pathsep.join([str(directory), str(HERE), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, **(extra_env or {})}
    process = subprocess.Popen(_pinned(SERVER_CPU, command), cwd=directory, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{target} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start on port {port}")


@contextmanager
def serving(
    servers: dict[str, Server], loop: str
) -> Iterator[tuple[dict[str, int], dict[str, int]]]:
    """Start every server of ``servers`` on a free port and stop them all on leaving
    (those started, should one fail to start): their ports and process ids by label."""
    ports = {label: free_port() for label in servers}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for label, server in servers.items():
            processes[label] = start_server(
                server.target,
                ports[label],
                server.env,
                python=server.python,
                interface=server.interface,
                directory=server.directory,
                loop=loop,
            )
        yield ports, {label: process.pid for label, process in processes.items()}
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            process.wait(timeout=20)


def run_wrk(
    url: str,
    script: Path | None,
    duration: int,
    connections: int,
    headers: dict[str, str] | None = None,
    cookie: str | None = None,
) -> Measurement:
    """One wrk run (one thread, pinned to CPU 1) against ``url``; errors raise."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    if cookie is not None:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(
        _pinned(WRK_CPU, command), capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return Measurement(rps, float(p99.group(1)) * scale, requests)


#: A run whose server was busy less than this share of the time measured the load
#: generator (its core taken away, say), not the server: it is run again.
SATURATED = 0.9
#: How many times a run that left the server idle is tried again, at most.
RETRIES = 2


def run_measured(
    url: str, scenario: Scenario, seconds: int, connections: int, server_pid: int
) -> tuple[Measurement, int]:
    """One measured wrk run of ``seconds`` with the server's CPU time and its core's
    stolen time, run again (up to ``RETRIES`` times) while the server was not kept busy;
    the last run and how many runs were discarded."""
    for retry in range(RETRIES + 1):
        cpu, stolen = cpu_seconds(server_pid), stolen_seconds(SERVER_CPU)
        measured = run_wrk(url, scenario.script, seconds, connections, scenario.headers)
        cpu_after, stolen_after = cpu_seconds(server_pid), stolen_seconds(SERVER_CPU)
        if stolen is not None and stolen_after is not None:
            measured.stolen_seconds = stolen_after - stolen
        if cpu is None or cpu_after is None:
            return measured, retry  # /proc cannot tell how busy the server was
        measured.server_cpu_seconds = cpu_after - cpu
        if measured.server_cpu_seconds >= SATURATED * seconds:
            break
    return measured, retry


def combined(slices: list[Measurement]) -> Measurement:
    """One server's slices of a round as one measurement: requests over the time they
    took, CPU and stolen time summed, the mean of the slices' 99th percentiles."""
    seconds = sum(part.requests / part.requests_per_second for part in slices)
    return Measurement(
        requests_per_second=sum(part.requests for part in slices) / seconds,
        p99_ms=statistics.fmean(part.p99_ms for part in slices),
        requests=sum(part.requests for part in slices),
        server_cpu_seconds=sum(part.server_cpu_seconds for part in slices),
        stolen_seconds=sum(part.stolen_seconds for part in slices),
    )


def _spread(values: list[float], digits: int) -> dict[str, float]:
    return {
        "mean": round(statistics.fmean(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def measure(
    scenario: Scenario,
    servers: dict[str, Server],
    ports: dict[str, int],
    pids: dict[str, int],
    args: argparse.Namespace,
) -> dict[str, object]:
    """Every server on ``scenario``, ``args.rounds`` times; ratios to the bare app, of
    requests a second and of requests per second of the server's own CPU time."""
    labels = [label for label, s in servers.items() if scenario.anchored or not s.anchor]
    rps: dict[str, list[float]] = {label: [] for label in labels}
    p99: dict[str, list[float]] = {label: [] for label in labels}
    stolen: dict[str, list[float]] = {label: [] for label in labels}
    busy: dict[str, list[float]] = {label: [] for label in labels}
    discarded = dict.fromkeys(labels, 0)
    ratios: dict[str, list[float]] = {label: [] for label in labels if label != "bare"}
    cpu_ratios: dict[str, list[float]] = {label: [] for label in ratios}
    urls = {label: f"http://127.0.0.1:{ports[label]}{scenario.path}" for label in labels}
    for round_number in range(args.rounds):
        # Rotate who goes first; then measure in slices taken in turn, so that each
        # server's share of the round spans the same stretch of the machine's drift.
        shift = round_number % len(labels)
        order = labels[shift:] + labels[:shift]
        for label in order:
            run_wrk(urls[label], scenario.script, args.warmup, args.connections, scenario.headers)
        slices: dict[str, list[Measurement]] = {label: [] for label in order}
        for _ in range(max(1, args.duration // args.slice)):
            for label in order:
                part, retried = run_measured(
                    urls[label], scenario, args.slice, args.connections, pids[label]
                )
                slices[label].append(part)
                discarded[label] += retried
        measured = {label: combined(parts) for label, parts in slices.items()}
        for label, taken in measured.items():
            seconds = args.slice * len(slices[label])
            rps[label].append(taken.requests_per_second)
            p99[label].append(taken.p99_ms)
            stolen[label].append(100 * taken.stolen_seconds / seconds)
            busy[label].append(100 * taken.server_cpu_seconds / seconds)
        bare = measured["bare"]
        for label in ratios:
            ratios[label].append(measured[label].requests_per_second / bare.requests_per_second)
            if bare.requests_per_cpu_second:
                cpu_ratios[label].append(
                    measured[label].requests_per_cpu_second / bare.requests_per_cpu_second
                )
    return {
        "scenario": scenario.name,
        "path": scenario.path,
        "requests_per_second": {label: _spread(values, 0) for label, values in rps.items()},
        "p99_ms": {label: _spread(values, 2) for label, values in p99.items()},
        "ratio": {label: _spread(values, 3) for label, values in ratios.items()},
        "cpu_ratio": {label: _spread(values, 3) for label, values in cpu_ratios.items() if values},
        "stolen_percent": {label: _spread(values, 1) for label, values in stolen.items()},
        "server_cpu_percent": {label: _spread(values, 1) for label, values in busy.items()},
        "runs_discarded": discarded,
    }


def print_table(results: list[dict[str, object]], labels: list[str]) -> None:
    """Ratios to the bare app, of requests a second and of requests per server
    CPU-second: mean over the rounds, (min-max) beside it; then the stolen time."""
    tables = [
        ("ratio to bare RSGI (mean, min-max over the rounds); bare in req/s", "ratio"),
        ("ratio of requests per server CPU-second (immune to stolen time)", "cpu_ratio"),
    ]
    for title, key in tables:
        print(f"\n{title}")
        print(f"{'scenario':<24}{'bare req/s':>18}" + "".join(f"{x:>20}" for x in labels[1:]))
        for row in results:
            bare = row["requests_per_second"]["bare"]
            cells = [f"{bare['mean']:>8.0f} ({bare['min']:.0f}-{bare['max']:.0f})"]
            for label in labels[1:]:
                ratio = row[key].get(label)
                cells.append(
                    f"{ratio['mean']:.2f} ({ratio['min']:.2f}-{ratio['max']:.2f})" if ratio else "-"
                )
            print(f"{row['scenario']:<24}{cells[0]:>18}" + "".join(f"{c:>20}" for c in cells[1:]))
    print(
        "\ntime stolen from the server's core during the measured runs, % (max); in"
        " brackets, runs discarded as the server was busy under"
        f" {SATURATED:.0%} of the time"
    )
    print(f"{'scenario':<24}" + "".join(f"{label:>12}" for label in labels))
    for row in results:
        cells = [
            f"{spread['max']:.1f} ({row['runs_discarded'][label]})"
            for label, spread in row["stolen_percent"].items()
        ]
        print(f"{row['scenario']:<24}" + "".join(f"{cell:>12}" for cell in cells))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each run")
    parser.add_argument(
        "--duration", type=int, default=5, help="seconds each server is measured per round"
    )
    parser.add_argument(
        "--slice", type=int, default=1, help="seconds per wrk run, the servers taking turns"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--no-anchors", action="store_true", help="skip Emmett and Starlette")
    parser.add_argument("--anchor-venv", type=Path, default=Path("/tmp/gobstopper-bench-anchors"))
    parser.add_argument("--output", type=Path, default=HERE / "results" / "core.json")
    parser.add_argument("only", nargs="*", help="scenario names to measure (default: all)")
    args = parser.parse_args()
    scenarios = [scenario for scenario in SCENARIOS if not args.only or scenario.name in args.only]
    if not scenarios:
        print(f"no scenario is named {args.only}", file=sys.stderr)
        return 2
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    loop = event_loop()
    servers = {"bare": Server(sys.executable, "bare_rsgi:app")}
    if _has_module("gobstopper_core"):
        servers["gob rust"] = Server(sys.executable, "gobstopper_app:app")
    else:
        print("gobstopper-core is not installed: measuring the pure-Python path only")
    servers["gob python"] = Server(
        sys.executable, "gobstopper_app:app", env={"GOBSTOPPER_NO_RUST": "1"}
    )
    if not args.no_anchors:
        python = anchor_python(args.anchor_venv, loop)
        servers["emmett"] = Server(python, "emmett_app:app", directory=ANCHORS, anchor=True)
        servers["starlette"] = Server(
            python, "starlette_app:app", "asgi", directory=ANCHORS, anchor=True
        )
    with serving(servers, loop) as (ports, pids):
        results = [measure(scenario, servers, ports, pids, args) for scenario in scenarios]
    print_table(results, list(servers))
    settings = {
        k: getattr(args, k) for k in ("warmup", "duration", "slice", "rounds", "connections")
    }
    pinning = {"server_cpu": SERVER_CPU, "wrk_cpu": WRK_CPU, "granian_workers": 1}
    write_results(args.output, {**settings, **pinning, "loop": loop, "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
