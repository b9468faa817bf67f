"""The live dashboard under many viewers: one dashboard, ``--clients`` viewers, one tick
per second.

It renders a real-time-dashboard project with ``gobstopper init``, serves it with
``gobstopper run`` (one worker, the in-process hub), opens the viewers from two client
processes, posts a batch of points ten times a second, and for ``--seconds`` records

- delivery latency (p50, p99): from the tick's timestamp, set by the aggregator before
  it computes the window, to each viewer's receipt of that tick's snapshot (one machine,
  one wall clock);
- the server's CPU share: CPU seconds of the server and its worker processes over the
  wall-clock seconds measured (100 % is one core busy);
- how many snapshots arrived of those due (viewers times ticks).

    python benchmarks/dashboard.py --clients 1000 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.run import write_results  # noqa: E402
from tests.backends import free_port  # noqa: E402
from tests.dashboard import TOKEN, dashboard_environment, render_dashboard  # noqa: E402

CLIENT_PROCESSES = 2
DASHBOARD = "bench"


def start_server(project: Path, port: int, tick: float) -> subprocess.Popen[bytes]:
    """``gobstopper run`` of the project on ``port``, once its page answers."""
    command = [sys.executable, "-m", "gobstopper", "run", "app:app", "-p", str(port)]
    environment = {**os.environ, **dashboard_environment(project, tick)}
    process = subprocess.Popen(
        command, cwd=project, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the dashboard project did not start")


def viewer_process(url: str, count: int, seconds: float, ready: Any, results: Any) -> None:
    """Open ``count`` viewers, then collect every snapshot for ``seconds``."""
    asyncio.run(_viewers(url, count, seconds, ready, results))


async def _viewers(url: str, count: int, seconds: float, ready: Any, results: Any) -> None:
    gate = asyncio.Semaphore(64)

    async def connect() -> Any:
        async with gate:
            viewer = await websockets.connect(url, max_size=None, open_timeout=60)
            await viewer.recv()  # the current state
            return viewer

    viewers = await asyncio.gather(*(connect() for _ in range(count)))
    ready.put(len(viewers))
    start = ready_time = time.time()
    latencies: list[float] = []
    ticks: set[int] = set()

    async def collect(viewer: Any) -> int:
        received = 0
        while (left := start + seconds - time.time()) > 0:
            try:
                message = await asyncio.wait_for(viewer.recv(), left)
            except asyncio.TimeoutError:
                break
            now = time.time()
            snapshot = json.loads(message)
            if snapshot["ts"] >= ready_time:
                latencies.append(now - snapshot["ts"])
                ticks.add(snapshot["tick"])
                received += 1
        return received

    received = await asyncio.gather(*(collect(viewer) for viewer in viewers))
    results.put({"latencies": latencies, "received": sum(received), "ticks": sorted(ticks)})
    for viewer in viewers:
        await viewer.close()


async def feed(url: str, seconds: float) -> int:
    """Post ten batches a second (20 points over 5 metrics) for ``seconds``; how many."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    posted = 0
    async with httpx.AsyncClient(base_url=url, headers=headers) as client:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            points = [{"name": f"{DASHBOARD}.m{i % 5}", "value": i} for i in range(20)]
            response = await client.post("/api/metrics", json=points)
            response.raise_for_status()
            posted += len(points)
            await asyncio.sleep(0.1)
    return posted


def cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU seconds of ``process`` and of its children."""
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def measure(args: argparse.Namespace, project: Path) -> dict[str, Any]:
    port = free_port()
    server = start_server(project, port, args.tick)
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    share = args.clients // CLIENT_PROCESSES
    url = f"ws://127.0.0.1:{port}/ws/dashboards/{DASHBOARD}"
    clients = [
        context.Process(target=viewer_process, args=(url, share, args.seconds, ready, results))
        for _ in range(CLIENT_PROCESSES)
    ]
    try:
        for process in clients:
            process.start()
        opened = sum(ready.get(timeout=args.timeout) for _ in clients)
        watched = psutil.Process(server.pid)
        cpu_before, wall_before = cpu_seconds(watched), time.monotonic()
        posted = asyncio.run(feed(f"http://127.0.0.1:{port}", args.seconds))
        parts = [results.get(timeout=args.timeout) for _ in clients]
        cpu = cpu_seconds(watched) - cpu_before
        wall = time.monotonic() - wall_before
    finally:
        for process in clients:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    latencies = sorted(value for part in parts for value in part["latencies"])
    ticks = sorted(set().union(*(part["ticks"] for part in parts)))
    if not latencies:
        raise RuntimeError("no snapshot reached a viewer")
    return {
        "viewers": opened,
        "tick_seconds": args.tick,
        "ticks": len(ticks),
        "snapshots_received": sum(part["received"] for part in parts),
        "snapshots_due": opened * len(ticks),
        "points_posted": posted,
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2),
        "server_cpu_percent": round(100 * cpu / wall, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--tick", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "dashboard.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as directory:
        row = measure(args, render_dashboard(Path(directory)))
    print(
        f"{row['viewers']} viewers of one dashboard, one tick every {row['tick_seconds']}s, "
        f"{row['ticks']} ticks"
    )
    print(
        f"delivery p50 {row['p50_ms']:.1f}ms  p99 {row['p99_ms']:.1f}ms  "
        f"snapshots {row['snapshots_received']}/{row['snapshots_due']}  "
        f"server CPU {row['server_cpu_percent']:.1f}% of one core"
    )
    write_results(args.output, row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
