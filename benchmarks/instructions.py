"""Instructions per request, Rust core against pure Python, counted by callgrind.

Wall-clock numbers on a small shared machine drift by tens of percent from one run to
the next; instruction counts do not (the same binary, input and environment give the
same count). Each scenario drives the benchmark app in-process through the TestClient's
fake RSGI protocol, under ``valgrind --tool=callgrind``, with N requests and with none;
the difference divided by N is the cost of one request.

    python benchmarks/instructions.py --requests 2000
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BROWSER = "gzip, deflate, br"
CASES = [
    ("plaintext (no Rust involved)", "/plaintext", None),
    ("path parameter", "/users/42", None),
    ("routing (3 parameters)", "/api/v1/orgs/3/repos/gob/issues/42", None),
    ("static file", "/static/hello.txt", None),
    ("static file (browser)", "/static/hello.txt", BROWSER),
    ("template (fortunes)", "/fortunes", None),
]


async def _drive(path: str, count: int, accept_encoding: str | None) -> None:
    sys.path.insert(0, str(HERE))
    from gobstopper_app import app
    from rsgi_standin import Protocol, Scope

    await app.startup()
    headers = [("host", "bench")]
    if accept_encoding:
        headers.append(("accept-encoding", accept_encoding))
    scope = Scope("GET", path, headers)
    for _ in range(count):
        await app.__rsgi__(scope, Protocol(b""))


def _instructions(path: str, count: int, accept_encoding: str | None, no_rust: bool) -> int:
    environment = {key: value for key, value in os.environ.items() if key != "GOBSTOPPER_NO_RUST"}
    environment["PYTHONHASHSEED"] = "0"  # the same dict layouts, so the same counts
    if no_rust:
        environment["GOBSTOPPER_NO_RUST"] = "1"
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    command += [__file__, "--drive", path, str(count), accept_encoding or ""]
    output = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", output.stderr).group(1))


def main() -> int:
    from run import write_results

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    if importlib.util.find_spec("gobstopper_core") is None:
        print("gobstopper-core is not installed: nothing to compare", file=sys.stderr)
        return 2
    baseline = {flag: _instructions("/plaintext", 0, None, flag) for flag in (True, False)}
    rows = []
    print(f"{'scenario':<30}{'python':>12}{'rust':>12}{'gain':>8}   instructions/request")
    for name, path, accept in CASES:
        per_request = {
            flag: (_instructions(path, args.requests, accept, flag) - baseline[flag])
            / args.requests
            for flag in (True, False)
        }
        python, rust = per_request[True], per_request[False]
        rows.append({"scenario": name, "python": python, "rust": rust, "gain": python / rust})
        print(f"{name:<30}{python:>12,.0f}{rust:>12,.0f}{python / rust:>7.2f}x")
    write_results(HERE / "results" / "instructions.json", {"requests": args.requests, "rows": rows})
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--drive"]:
        asyncio.run(_drive(sys.argv[2], int(sys.argv[3]), sys.argv[4] or None))
    else:
        sys.exit(main())
