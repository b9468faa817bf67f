"""Instructions per request: the bare RSGI app, Gobstopper pure Python and with the Rust
core, counted by callgrind.

Wall-clock numbers on a small shared machine drift by tens of percent from one run to
the next; instruction counts do not (the same binary, input and environment give the
same count). Each scenario drives an app (``bare_rsgi`` or ``gobstopper_app``) in-process
through the stand-in RSGI scope and protocol of ``rsgi_standin``, under
``valgrind --tool=callgrind``: a warm-up of ``WARMUP`` requests (which pays for lazy
imports and compiling templates), then N requests or none; the difference divided by N is
the cost of one request. "x bare" is Gobstopper-with-Rust over the bare app.

    python benchmarks/instructions.py --requests 2000
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BROWSER = "gzip, deflate, br"
ITEM = b'{"name": "gobstopper", "price": 2.5, "tags": ["candy", "everlasting"]}'
#: (name, method, path with its query, accept-encoding); a POST sends ``ITEM`` as JSON.
CASES = [
    ("plaintext", "GET", "/plaintext", None),
    ("json", "GET", "/json", None),
    ("path parameter", "GET", "/users/42", None),
    ("routing (3 parameters)", "GET", "/api/v1/orgs/3/repos/gob/issues/42", None),
    ("query and headers", "GET", "/search?page=3", None),
    ("POST msgspec Struct", "POST", "/items", None),
    ("static file", "GET", "/static/hello.txt", None),
    ("static file (browser)", "GET", "/static/hello.txt", BROWSER),
    ("template (fortunes)", "GET", "/fortunes", None),
]
#: The three ways each case is counted: (label, app module, GOBSTOPPER_NO_RUST set).
APPS = [("bare", "bare_rsgi", False), ("python", "gobstopper_app", True)]
APPS.append(("rust", "gobstopper_app", False))
WARMUP = 50


async def started(module: str) -> Any:
    """The RSGI callable of benchmark app ``module``, its startup run."""
    sys.path.insert(0, str(HERE))
    app = importlib.import_module(module).app
    startup = getattr(app, "startup", None)
    if startup is not None:
        await startup()
    return getattr(app, "__rsgi__", app)


def request_for(method: str, path: str, accept: str | None) -> tuple[Any, bytes]:
    """The stand-in scope and the body of one scenario's request."""
    sys.path.insert(0, str(HERE))
    from rsgi_standin import Scope

    headers = [("host", "bench")]
    path, _, query = path.partition("?")
    body = b""
    if method == "POST":
        body = ITEM
        headers += [("content-type", "application/json"), ("content-length", str(len(body)))]
    if accept:
        headers.append(("accept-encoding", accept))
    return Scope(method, path, headers, query), body


async def _drive(module: str, method: str, path: str, count: int, accept: str | None) -> None:
    serve = await started(module)
    scope, body = request_for(method, path, accept)
    from rsgi_standin import Protocol

    for _ in range(WARMUP + count):
        await serve(scope, Protocol(body))


def _instructions(
    module: str, method: str, path: str, count: int, accept: str | None, no_rust: bool
) -> int:
    environment = {key: value for key, value in os.environ.items() if key != "GOBSTOPPER_NO_RUST"}
    environment["PYTHONHASHSEED"] = "0"  # the same dict layouts, so the same counts
    if no_rust:
        environment["GOBSTOPPER_NO_RUST"] = "1"
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    command += [__file__, "--drive", module, method, path, str(count), accept or ""]
    output = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", output.stderr).group(1))


def counting_arguments(description: str, requests: int, requests_help: str) -> argparse.Namespace:
    """The command line of both instruction counters (``--requests`` and the scenario
    names); exits with 2 when valgrind or the Rust core is missing."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=requests, help=requests_help)
    parser.add_argument("only", nargs="*", help="scenario names to count (default: all)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        parser.exit(2, "valgrind is not installed (apt-get install valgrind)\n")
    if importlib.util.find_spec("gobstopper_core") is None:
        parser.exit(2, "gobstopper-core is not installed: nothing to compare\n")
    return args


def main() -> int:
    from run import write_results

    args = counting_arguments(__doc__ or "", 2000, "requests per scenario")
    selected = [case for case in CASES if not args.only or case[0] in args.only]
    rows = []
    print(f"{'scenario':<24}{'bare':>10}{'python':>10}{'rust':>10}{'x bare':>8}{'gain':>8}")
    for name, method, path, accept in selected:
        counts = {}
        for label, module, no_rust in APPS:
            empty = _instructions(module, method, path, 0, accept, no_rust)
            full = _instructions(module, method, path, args.requests, accept, no_rust)
            counts[label] = (full - empty) / args.requests
        bare, python, rust = counts["bare"], counts["python"], counts["rust"]
        rows.append({"scenario": name, **counts, "x_bare": rust / bare, "gain": python / rust})
        print(
            f"{name:<24}{bare:>10,.0f}{python:>10,.0f}{rust:>10,.0f}"
            f"{rust / bare:>7.2f}x{python / rust:>7.2f}x"
        )
    write_results(HERE / "results" / "instructions.json", {"requests": args.requests, "rows": rows})
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--drive"]:
        module, method, path, count, accept = sys.argv[2:7]
        asyncio.run(_drive(module, method, path, int(count), accept or None))
    else:
        sys.exit(main())
