"""Compare Gobstopper with a bare RSGI app on the same Granian, in one run.

Three servers run side by side (one Granian worker each): the bare app, Gobstopper with
the Rust core (when installed) and Gobstopper with ``GOBSTOPPER_NO_RUST=1``; wrk loads one
at a time. Each round measures them back to back (in rotating order) and gives one ratio
per server; the reported ratio is the median over the rounds, which holds up on a noisy
machine far better than comparing separate runs. Requests/second and p99 are medians too.
"rust gain" is the median of Rust / pure-Python requests per second. The result is a
table and a JSON file for later comparison.

    python benchmarks/run.py --duration 3 --rounds 5 --output benchmarks/results/core.json
"""

from __future__ import annotations

import argparse
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
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
SCENARIOS = [
    ("plaintext", "/plaintext", None, {}, 0.90),
    ("json", "/json", None, {}, 0.90),
    ("path parameter", "/users/42", None, {}, 0.80),
    ("routing (3 parameters)", "/api/v1/orgs/3/repos/gob/issues/42", None, {}, 0.80),
    ("POST msgspec Struct", "/items", HERE / "post_item.lua", {}, 0.80),
    ("static file", "/static/hello.txt", None, {}, 0.70),
    ("static file (browser)", "/static/hello.txt", None, BROWSER, 0.70),
    ("template (fortunes)", "/fortunes", None, {}, 0.80),
]


@dataclass
class Measurement:
    requests_per_second: float
    p99_ms: float


def write_results(output: Path, report: dict[str, object]) -> None:
    """Save a benchmark's report as JSON (for comparing runs) and say where."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    print(f"results written to {output}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    target: str, port: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    loop = "rloop" if _has_module("rloop") else "asyncio"
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "rsgi",
        "--workers",
        "1",
        "--runtime-mode",
        "st",
        "--loop",
        loop,
        "--log-level",
        "error",
        "--backlog",
        "16384",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        target,
    ]
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.update(extra_env or {})
    process = subprocess.Popen(command, cwd=HERE, env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start on port {port}")


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _median(values: list[Measurement]) -> Measurement:
    return Measurement(
        statistics.median(m.requests_per_second for m in values),
        statistics.median(m.p99_ms for m in values),
    )


def run_wrk(
    url: str,
    script: Path | None,
    duration: int,
    connections: int,
    cookie: str | None = None,
    headers: dict[str, str] | None = None,
) -> Measurement:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    if cookie is not None:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    return Measurement(rps, float(p99.group(1)) * scale)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds per scenario")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "core.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    servers: dict[str, tuple[str, int, dict[str, str]]] = {
        "bare": ("bare_rsgi:app", free_port(), {}),
        "gobstopper": ("gobstopper_app:app", free_port(), {}),
    }
    if _has_module("gobstopper_core"):
        servers["python"] = ("gobstopper_app:app", free_port(), {"GOBSTOPPER_NO_RUST": "1"})
    else:
        print("gobstopper-core is not installed: measuring the pure-Python path only")
    processes = [start_server(target, port, env) for target, port, env in servers.values()]
    results = []
    try:
        for name, path, script, headers, target in SCENARIOS:
            runs: dict[str, list[Measurement]] = {label: [] for label in servers}
            ratios: dict[str, list[float]] = {label: [] for label in servers if label != "bare"}
            gains = []
            for round_number in range(args.rounds):
                # Rotate who goes first, so a slow drift of the machine hits all alike.
                labels = list(servers)
                order = labels[round_number % len(labels) :] + labels[: round_number % len(labels)]
                measured = {}
                for label in order:
                    url = f"http://127.0.0.1:{servers[label][1]}{path}"
                    run_wrk(url, script, 1, args.connections, headers=headers)
                    measured[label] = run_wrk(
                        url, script, args.duration, args.connections, headers=headers
                    )
                    runs[label].append(measured[label])
                bare = measured["bare"].requests_per_second
                for label in ratios:
                    ratios[label].append(measured[label].requests_per_second / bare)
                if "python" in measured:
                    gains.append(
                        measured["gobstopper"].requests_per_second
                        / measured["python"].requests_per_second
                    )
            results.append(
                {
                    "scenario": name,
                    "target_ratio": target,
                    "ratio": round(statistics.median(ratios["gobstopper"]), 3),
                    "round_ratios": [round(r, 3) for r in ratios["gobstopper"]],
                    **(
                        {
                            "python_ratio": round(statistics.median(ratios["python"]), 3),
                            "rust_gain": round(statistics.median(gains), 3),
                        }
                        if gains
                        else {}
                    ),
                    **{label: asdict(_median(values)) for label, values in runs.items()},
                }
            )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=20)
    header = ("scenario", "bare req/s", "bare p99", "gob req/s", "gob p99", "ratio", "target")
    header += ("py req/s", "py ratio", "rust gain")
    print("{:<24}{:>12}{:>10}{:>12}{:>10}{:>8}{:>8}{:>12}{:>10}{:>11}".format(*header))
    for row in results:
        python = row.get("python")
        extra = (
            f"{python['requests_per_second']:>12.0f}{row['python_ratio']:>10.2f}"
            f"{row['rust_gain']:>10.2f}x"
            if python
            else ""
        )
        print(
            f"{row['scenario']:<24}{row['bare']['requests_per_second']:>12.0f}"
            f"{row['bare']['p99_ms']:>8.2f}ms{row['gobstopper']['requests_per_second']:>12.0f}"
            f"{row['gobstopper']['p99_ms']:>8.2f}ms{row['ratio']:>8.2f}{row['target_ratio']:>8.2f}"
            + extra
        )
    write_results(args.output, {"granian_workers": 1, "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
