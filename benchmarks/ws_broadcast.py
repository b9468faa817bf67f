"""WebSocket broadcast fan-out: many clients in one room, one sender.

For each server in ``ws_apps`` (a bare RSGI baseline, Gobstopper's in-process rooms on one
worker, and Redis rooms on two workers) it opens ``--clients`` connections from two client
processes, then sends

- ``--paced`` broadcasts at ``--rate`` per second: delivery latency (p50, p99) with no
  queueing, from the send to each client's receipt (one machine, one monotonic clock);
- ``--burst`` broadcasts back to back: deliveries per second until the last client has
  received the last of them.

Everything runs on loopback and is bounded by ``--timeout`` seconds per server.

    python benchmarks/ws_broadcast.py --clients 1000 --burst 50
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import websockets

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.run import write_results  # noqa: E402
from tests.backends import RedisServer, free_port  # noqa: E402

CLIENT_PROCESSES = 2


def start_server(target: str, port: int, workers: int, env: dict[str, str]) -> Any:
    command = [sys.executable, "-m", "granian", "--interface", "rsgi", "--workers"]
    command += [str(workers), "--runtime-mode", "st", "--log-level", "error"]
    command += ["--backlog", "16384", "--host", "127.0.0.1", "--port", str(port), target]
    process = subprocess.Popen(command, cwd=HERE, env={**os.environ, **env})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            asyncio.run(_probe(port))
            time.sleep(0.5 * workers)  # let every worker come up before the clients connect
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start on port {port}")


async def _probe(port: int) -> None:
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as ws:
        await ws.recv()


def client_process(url: str, count: int, expected: int, ready: Any, results: Any) -> None:
    """Open ``count`` connections, report their worker pids, then collect ``expected``
    broadcasts on each and report latencies and the last receipt time."""
    asyncio.run(_clients(url, count, expected, ready, results))


async def _clients(url: str, count: int, expected: int, ready: Any, results: Any) -> None:
    gate = asyncio.Semaphore(64)

    async def connect() -> Any:
        async with gate:
            ws = await websockets.connect(url, max_size=None, open_timeout=60)
            return ws, int(await ws.recv())

    opened = await asyncio.gather(*(connect() for _ in range(count)))
    ready.put([pid for _, pid in opened])
    latencies: list[float] = []
    last_burst = 0.0

    async def collect(ws: Any) -> int:
        nonlocal last_burst
        got = 0
        while got < expected:
            message = await ws.recv()
            now = time.monotonic()
            kind, _, sent = message.partition(" ")
            got += 1
            if kind == "paced":
                latencies.append(now - float(sent))
            else:
                last_burst = max(last_burst, now)
        return got

    try:
        received = await asyncio.wait_for(
            asyncio.gather(*(collect(ws) for ws, _ in opened)), timeout=120
        )
        results.put({"latencies": latencies, "last_burst": last_burst, "received": sum(received)})
    except asyncio.TimeoutError:
        results.put({"latencies": latencies, "last_burst": last_burst, "received": -1})
    for ws, _ in opened:
        await ws.close()


async def drive(url: str, paced: int, rate: float, burst: int) -> float:
    """Send the paced then the burst broadcasts; return when the burst started."""
    async with websockets.connect(url) as sender:
        await sender.recv()
        for _ in range(paced):
            await sender.send(f"paced {time.monotonic()}")
            await asyncio.sleep(1 / rate)
        await asyncio.sleep(0.5)
        started = time.monotonic()
        for _ in range(burst):
            await sender.send(f"burst {started}")
        await asyncio.sleep(0.1)
        return started


def measure(name: str, target: str, workers: int, args: argparse.Namespace, env: dict) -> dict:
    port = free_port()
    server = start_server(target, port, workers, env)
    url = f"ws://127.0.0.1:{port}/ws"
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    share = args.clients // CLIENT_PROCESSES
    expected = args.paced + args.burst
    clients = [
        context.Process(target=client_process, args=(url, share, expected, ready, results))
        for _ in range(CLIENT_PROCESSES)
    ]
    try:
        for process in clients:
            process.start()
        pids: Counter[int] = Counter()
        for _ in clients:
            pids.update(ready.get(timeout=args.timeout))
        started = asyncio.run(drive(url, args.paced, args.rate, args.burst))
        parts = [results.get(timeout=args.timeout) for _ in clients]
    finally:
        for process in clients:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    if any(part["received"] < 0 for part in parts):
        raise RuntimeError(f"{name}: not every client received every broadcast in time")
    latencies = sorted(value for part in parts for value in part["latencies"])
    elapsed = max(part["last_burst"] for part in parts) - started
    return {
        "server": name,
        "workers": workers,
        "connections_per_worker": sorted(pids.values()),
        "deliveries_per_second": round(args.burst * share * CLIENT_PROCESSES / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--paced", type=int, default=40, help="broadcasts for latency")
    parser.add_argument("--rate", type=float, default=20, help="paced broadcasts per second")
    parser.add_argument("--burst", type=int, default=50, help="broadcasts for throughput")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--redis-url", help="default: start a redis-server of our own")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "ws.json")
    args = parser.parse_args()

    own_redis = None
    redis_url = args.redis_url
    if redis_url is None:
        own_redis = RedisServer(Path(os.environ.get("TMPDIR", "/tmp"))).start()
        redis_url = own_redis.url
    try:
        rows = [
            measure("bare RSGI", "ws_apps:bare", 1, args, {}),
            measure("gobstopper memory", "ws_apps:memory", 1, args, {}),
            measure("gobstopper redis", "ws_apps:redis", 2, args, {"BENCH_REDIS_URL": redis_url}),
        ]
    finally:
        if own_redis is not None:
            own_redis.stop()
    bare = rows[0]["deliveries_per_second"]
    print(f"{args.clients} clients in one room; {args.burst} burst, {args.paced} paced broadcasts")
    print(f"{'server':<20}{'workers':>8}{'deliveries/s':>14}{'ratio':>7}{'p50':>10}{'p99':>10}")
    for row in rows:
        row["ratio"] = round(row["deliveries_per_second"] / bare, 2)
        print(
            f"{row['server']:<20}{row['workers']:>8}{row['deliveries_per_second']:>14}"
            f"{row['ratio']:>7.2f}{row['p50_ms']:>8.1f}ms{row['p99_ms']:>8.1f}ms"
        )
    write_results(args.output, {"clients": args.clients, "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
