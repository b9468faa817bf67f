"""What a session costs per request: the same handler with no session, a Redis session
and a PostgreSQL session, measured side by side with wrk, as ratios to no session.

``read`` loads the session (one store read per request); ``write`` also changes it (a
read and a write). Redis and PostgreSQL are the URL/DSN given, else servers of our own.

    python benchmarks/sessions.py --duration 3 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # the repository, and benchmarks/ for run's imports
from benchmarks.run import free_port, run_wrk, start_server, write_results  # noqa: E402
from tests.backends import PostgresServer, RedisServer  # noqa: E402

SERVERS = ("none", "redis", "postgres")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--redis-url")
    parser.add_argument("--postgres-dsn")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "sessions.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    owned = []
    if args.redis_url is None:
        owned.append(RedisServer(Path(tempfile.mkdtemp())).start())
        args.redis_url = owned[-1].url
    if args.postgres_dsn is None:
        owned.append(PostgresServer().start())
        args.postgres_dsn = owned[-1].dsn
    os.environ["BENCH_REDIS_URL"] = args.redis_url
    os.environ["BENCH_POSTGRES_DSN"] = args.postgres_dsn
    ports = {name: free_port() for name in SERVERS}
    processes = [start_server(f"session_apps:{name}", port) for name, port in ports.items()]
    rows = []
    try:
        cookies = {}
        for name, port in ports.items():
            login = httpx.post(f"http://127.0.0.1:{port}/login")
            login.raise_for_status()
            cookies[name] = login.cookies.get("session")
        for path in ("/read", "/write"):
            rps: dict[str, list[float]] = {name: [] for name in SERVERS}
            for round_number in range(args.rounds):
                order = SERVERS if round_number % 2 == 0 else tuple(reversed(SERVERS))
                for name in order:
                    url = f"http://127.0.0.1:{ports[name]}{path}"
                    header = f"session={cookies[name]}" if cookies[name] else None
                    run_wrk(url, None, 1, args.connections, cookie=header)
                    result = run_wrk(url, None, args.duration, args.connections, cookie=header)
                    rps[name].append(result.requests_per_second)
            baseline = statistics.median(rps["none"])
            for name in SERVERS:
                median = statistics.median(rps[name])
                rows.append(
                    {
                        "scenario": f"session {path[1:]}",
                        "store": name,
                        "requests_per_second": round(median),
                        "ratio_to_no_session": round(median / baseline, 3),
                    }
                )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=20)
        for server in owned:
            server.close()
    print(f"{'scenario':<16}{'store':<10}{'req/s':>10}{'ratio':>8}")
    for row in rows:
        print(
            f"{row['scenario']:<16}{row['store']:<10}{row['requests_per_second']:>10}"
            f"{row['ratio_to_no_session']:>8.2f}"
        )
    write_results(args.output, {"results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
