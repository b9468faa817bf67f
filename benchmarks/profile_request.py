"""Where one request's time goes, scenario by scenario: the profile behind the ratios.

Two views of the same in-process requests as ``instructions.py`` drives them (the stand-in
RSGI scope and protocol, after a warm-up):

* Python (default): every Python function a request calls, how many times per request,
  and its share of the profiled time (``cProfile``; the call counts are exact, the shares
  are inflated for small functions by the profiler's own cost).
* C (``--callgrind``): instructions per request by C function (the interpreter loop,
  allocation, dict lookups, Rust functions of gobstopper-core), from two callgrind runs, with
  and without the requests; deterministic, like ``instructions.py``.

    python benchmarks/profile_request.py plaintext json --requests 2000
    python benchmarks/profile_request.py "static file (browser)" --callgrind --top 25
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile

from instructions import CASES, WARMUP, request_for, started

_COST_LINE = re.compile(r"\s*([\d,]+) \([^)]*\)\s+(.+?)(?: \[.*\])?$")


async def _profile(
    module: str, method: str, path: str, count: int, accept: str | None
) -> pstats.Stats:
    serve = await started(module)
    scope, body = request_for(method, path, accept)
    from rsgi_standin import Protocol

    for _ in range(WARMUP):
        await serve(scope, Protocol(body))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        await serve(scope, Protocol(body))
    profiler.disable()
    return pstats.Stats(profiler)


def _print_profile(profile: pstats.Stats, count: int) -> None:
    stats = profile.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in stats.values()) or 1.0
    rows = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
    print(f"{'calls/request':>14}{'own time':>10}  function")
    for (filename, line, name), (_, calls, own, _, _) in rows:
        if calls < count:  # not part of every request (warm-up leftovers, the loop)
            continue
        where = f"{os.path.relpath(filename)}:{line}" if line else filename
        print(f"{calls / count:>14.1f}{own / total:>9.1%}  {name} ({where})")


def _callgrind_costs(case: tuple[str, str, str, str | None], count: int) -> dict[str, int]:
    _, method, path, accept = case
    environment = dict(os.environ, PYTHONHASHSEED="0")
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}"]
        command += [sys.executable, os.path.join(os.path.dirname(__file__), "instructions.py")]
        command += ["--drive", "gobstopper_app", method, path, str(count), accept or ""]
        subprocess.run(command, env=environment, capture_output=True, check=True)
        report = subprocess.run(
            ["callgrind_annotate", "--inclusive=no", "--threshold=100", out.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    costs: dict[str, int] = {}
    for line in report.splitlines():
        match = _COST_LINE.match(line)
        if match and match.group(2) != "PROGRAM TOTALS":
            function = match.group(2).rpartition(":")[2]
            costs[function] = costs.get(function, 0) + int(match.group(1).replace(",", ""))
    return costs


def _callgrind(case: tuple[str, str, str, str | None], count: int, top: int) -> None:
    empty, full = _callgrind_costs(case, 0), _callgrind_costs(case, count)
    per_request = {name: (full.get(name, 0) - empty.get(name, 0)) / count for name in full}
    print(f"{sum(per_request.values()):>10,.0f}  instructions per request in all")
    for name, cost in sorted(per_request.items(), key=lambda item: item[1], reverse=True)[:top]:
        print(f"{cost:>10,.0f}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--requests", type=int, default=2000, help="requests profiled")
    parser.add_argument("--callgrind", action="store_true", help="C functions, by callgrind")
    parser.add_argument("--top", type=int, default=20, help="C functions shown")
    args = parser.parse_args()
    if args.callgrind and shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    names = [case[0] for case in CASES]
    unknown = [name for name in args.scenarios if name not in names]
    if unknown:
        print(f"unknown scenario(s) {unknown}; choose from {names}", file=sys.stderr)
        return 2
    rust = "without the Rust core" if os.environ.get("GOBSTOPPER_NO_RUST") else "Rust core if built"
    for case in CASES:
        if args.scenarios and case[0] not in args.scenarios:
            continue
        print(f"\n## {case[0]} ({case[1]} {case[2]}; {rust})")
        if args.callgrind:
            _callgrind(case, args.requests, args.top)
        else:
            profile = asyncio.run(
                _profile("gobstopper_app", case[1], case[2], args.requests, case[3])
            )
            _print_profile(profile, args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
