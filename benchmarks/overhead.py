"""Per-request Python overhead of Gobstopper over a bare RSGI app, measured in-process,
with the Rust core and with ``GOBSTOPPER_NO_RUST=1`` in the same run.

Both apps are driven through the same fake RSGI protocol (the TestClient's), so the
difference is exactly the framework's own work per request: no sockets, no server. It is
steadier than wrk on a small noisy machine and shows where a regression comes from. Each
implementation is measured in child processes of its own (the choice is made at import),
alternating between the two for several rounds; each number is the best round.

    python benchmarks/overhead.py --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ITEM = b'{"name": "gobstopper", "price": 2.5, "tags": ["candy", "everlasting"]}'
BROWSER = [("accept-encoding", "gzip, deflate, br")]
CASES = [
    ("plaintext", "GET", "/plaintext", b"", []),
    ("json", "GET", "/json", b"", []),
    ("path parameter", "GET", "/users/42", b"", []),
    ("routing (3 parameters)", "GET", "/api/v1/orgs/3/repos/gob/issues/42", b"", []),
    ("POST msgspec Struct", "POST", "/items", ITEM, []),
    ("static file", "GET", "/static/hello.txt", b"", []),
    ("static file (browser)", "GET", "/static/hello.txt", b"", BROWSER),
    ("template (fortunes)", "GET", "/fortunes", b"", []),
]


async def _measure(seconds: float) -> dict[str, dict[str, float]]:
    import bare_rsgi
    from gobstopper_app import app
    from rsgi_standin import Protocol, Scope

    async def time_one(target, scope: Scope, body: bytes) -> float:
        count, elapsed = 50, 0.0
        while elapsed < seconds:
            count *= 4
            started = time.perf_counter()
            for _ in range(count):
                await target(scope, Protocol(body))
            elapsed = time.perf_counter() - started
        return elapsed / count * 1e6

    await app.startup()
    results = {}
    for name, method, path, body, extra in CASES:
        headers = [("host", "bench"), *extra]
        if body:
            headers += [("content-type", "application/json"), ("content-length", str(len(body)))]
        scope = Scope(method, path, headers)
        bare = await time_one(bare_rsgi.app, scope, body)
        results[name] = {"bare": bare, "gobstopper": await time_one(app.__rsgi__, scope, body)}
    return results


def _child(no_rust: bool, seconds: float) -> dict[str, dict[str, float]]:
    environment = {key: value for key, value in os.environ.items() if key != "GOBSTOPPER_NO_RUST"}
    if no_rust:
        environment["GOBSTOPPER_NO_RUST"] = "1"
    command = [sys.executable, __file__, "--child", str(seconds)]
    output = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return json.loads(output.stdout)


def main() -> int:
    from run import write_results

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="child processes per implementation")
    parser.add_argument("--seconds", type=float, default=0.15, help="time per measurement")
    args = parser.parse_args()
    implementations = {"python": True}
    if importlib.util.find_spec("gobstopper_core") is not None:
        implementations["rust"] = False
    else:
        print("gobstopper-core is not installed: measuring the pure-Python path only")
    rounds: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in implementations}
    for round_number in range(args.rounds):
        order = list(implementations)[:: 1 if round_number % 2 == 0 else -1]
        for name in order:
            rounds[name].append(_child(implementations[name], args.seconds))
    measured = {
        name: {
            case: {app: min(run[case][app] for run in runs) for app in ("bare", "gobstopper")}
            for case, *_ in CASES
        }
        for name, runs in rounds.items()
    }
    header = f"{'scenario':<24}{'bare µs':>9}{'python µs':>11}{'overhead':>10}"
    print(
        header + (f"{'rust µs':>9}{'overhead':>10}{'rust gain':>11}" if "rust" in measured else "")
    )
    for name, *_ in CASES:
        python = measured["python"][name]
        bare = min(result[name]["bare"] for result in measured.values())
        line = f"{name:<24}{bare:>9.2f}{python['gobstopper']:>11.2f}"
        line += f"{python['gobstopper'] - bare:>10.2f}"
        if "rust" in measured:
            rust = measured["rust"][name]
            line += f"{rust['gobstopper']:>9.2f}{rust['gobstopper'] - bare:>10.2f}"
            line += f"{python['gobstopper'] / rust['gobstopper']:>10.2f}x"
        print(line)
    write_results(HERE / "results" / "overhead.json", measured)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(asyncio.run(_measure(float(sys.argv[2])))))
    else:
        sys.exit(main())
