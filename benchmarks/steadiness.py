"""Where the spread of the wall-clock ratios comes from: Gobstopper, or the machine.

Two parts:

* **In-process** (deterministic): each app serves blocks of requests through the stand-in
  RSGI scope of ``rsgi_standin``, and each block reports the garbage collections it ran and
  the objects alive after it. A framework whose speed depends on warm-up or on how long it
  has run shows it here: collections that keep coming, objects that keep growing.
* **Under load**: the bare RSGI app, Gobstopper (Rust core and pure Python) and Emmett,
  served as ``run.py`` serves them, are loaded by wrk in one-second slices taken in turn
  for ``--sweeps`` sweeps. Each server's variation from slice to slice (its coefficient of
  variation) shows how steady it is; a steady framework on a noisy machine varies as much
  as the bare app, no more. It also shows how steady a ratio is when it comes from
  interleaved slices (as ``run.py`` measures) and when it comes from runs made one after
  the other.

    python benchmarks/steadiness.py --sweeps 40
    python benchmarks/steadiness.py --in-process-only
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import run
from instructions import request_for, started

#: (label, app module, GOBSTOPPER_NO_RUST set) of the in-process part.
APPS = [("bare", "bare_rsgi", False), ("python", "gobstopper_app", True)]
if importlib.util.find_spec("gobstopper_core") is not None:
    APPS.insert(1, ("rust", "gobstopper_app", False))
IN_PROCESS_PATHS = ["/plaintext", "/users/42"]
#: Slices per run when ratios of runs made one after the other are compared.
RUN_SLICES = 5


async def _blocks(module: str, path: str, blocks: int, size: int) -> list[dict[str, float]]:
    """Serve ``blocks`` blocks of ``size`` requests after a warm-up; per block, the
    collections of each generation, the objects alive after it and the requests a second."""
    from rsgi_standin import Protocol

    serve = await started(module)
    scope, body = request_for("GET", path, None)
    for _ in range(1000):
        await serve(scope, Protocol(body))
    collections = [0, 0, 0]

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collections[info["generation"]] += 1

    gc.callbacks.append(count)
    report = []
    for _ in range(blocks):
        before = list(collections)
        start = time.perf_counter()
        for _ in range(size):
            await serve(scope, Protocol(body))
        elapsed = time.perf_counter() - start
        report.append(
            {
                "collections": sum(collections) - sum(before),
                "full_collections": collections[2] - before[2],
                "objects": len(gc.get_objects()),
                "requests_per_second": size / elapsed,
            }
        )
    gc.callbacks.remove(count)
    return report


def in_process(blocks: int, size: int) -> list[dict[str, object]]:
    """The in-process part, each app in a process of its own (as ``instructions.py``)."""
    rows = []
    for label, module, no_rust in APPS:
        for path in IN_PROCESS_PATHS:
            env = {"GOBSTOPPER_NO_RUST": "1"} if no_rust else {}
            command = [sys.executable, __file__, "--blocks-of", module, path]
            command += [str(blocks), str(size)]
            output = subprocess.run(
                command,
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                check=True,
                cwd=run.HERE,
            ).stdout
            rows.append({"app": label, "path": path, "blocks": json.loads(output)})
    return rows


def coefficient_of_variation(values: list[float]) -> float:
    """Standard deviation over mean: how much a server's speed varies between slices."""
    return statistics.pstdev(values) / statistics.fmean(values)


def ratio_spreads(
    slices: dict[str, list[float]], contender: str, run_slices: int = RUN_SLICES
) -> dict[str, float]:
    """The standard deviation of ``contender``'s ratio to the bare app over runs of
    ``run_slices`` slices: the contender's taken from the same sweeps as the bare app's
    (interleaved), and from the next ``run_slices`` sweeps (in turn: as far apart as runs
    made one after the other)."""
    bare, other = slices["bare"], slices[contender]
    runs = len(bare) // run_slices

    def total(values: list[float], run_number: int) -> float:
        return sum(values[run_number * run_slices : (run_number + 1) * run_slices])

    interleaved = [total(other, k) / total(bare, k) for k in range(runs)]
    after = [total(other, k + 1) / total(bare, k) for k in range(runs - 1)]
    if len(after) < 2:
        raise ValueError(f"{len(bare)} sweeps make too few runs of {run_slices} to compare")
    return {"interleaved": statistics.pstdev(interleaved), "in_turn": statistics.pstdev(after)}


def under_load(args: argparse.Namespace) -> dict[str, list[float]]:
    """Requests a second of each server per one-second slice, the servers taking turns."""
    loop = run.event_loop()
    servers = {"bare": run.Server(sys.executable, "bare_rsgi:app")}
    if run._has_module("gobstopper_core"):
        servers["rust"] = run.Server(sys.executable, "gobstopper_app:app")
    servers["python"] = run.Server(
        sys.executable, "gobstopper_app:app", env={"GOBSTOPPER_NO_RUST": "1"}
    )
    if not args.no_anchors:
        python = run.anchor_python(args.anchor_venv, loop)
        servers["emmett"] = run.Server(python, "emmett_app:app", directory=run.ANCHORS)
    labels = list(servers)
    slices: dict[str, list[float]] = {label: [] for label in labels}
    with run.serving(servers, loop) as (ports, _):
        urls = {label: f"http://127.0.0.1:{ports[label]}{args.path}" for label in labels}
        for label in labels:
            run.run_wrk(urls[label], None, 2, args.connections)
        for sweep in range(args.sweeps):
            shift = sweep % len(labels)
            for label in labels[shift:] + labels[:shift]:
                measured = run.run_wrk(urls[label], None, 1, args.connections)
                slices[label].append(measured.requests_per_second)
    return slices


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sweeps", type=int, default=40, help="one-second slices per server")
    parser.add_argument("--path", default="/plaintext", help="the path loaded under wrk")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=5, help="in-process blocks per app")
    parser.add_argument("--block-size", type=int, default=100_000, help="requests per block")
    parser.add_argument("--no-anchors", action="store_true", help="skip Emmett")
    parser.add_argument("--anchor-venv", type=Path, default=Path("/tmp/gobstopper-bench-anchors"))
    parser.add_argument("--in-process-only", action="store_true", help="skip the wrk part")
    parser.add_argument("--output", type=Path, default=run.HERE / "results" / "steadiness.json")
    args = parser.parse_args()
    if not args.in_process_only and args.sweeps < 3 * RUN_SLICES:
        parser.error(f"--sweeps must be at least {3 * RUN_SLICES} to compare ratios")
    rows = in_process(args.blocks, args.block_size)
    report: dict[str, object] = {"in_process": rows}
    print("in-process, per block after warm-up: collections (full), objects alive, req/s")
    for row in rows:
        cells = [
            f"{b['collections']}({b['full_collections']}) {b['objects']:,} "
            f"{b['requests_per_second']:,.0f}"
            for b in row["blocks"]
        ]
        print(f"  {row['app']:<7}{row['path']:<11}" + " | ".join(cells))
    if not args.in_process_only:
        if shutil.which("wrk") is None:
            print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
            return 2
        slices = under_load(args)
        report["slices"] = slices
        print(f"\n{args.path} under wrk, {args.sweeps} one-second slices per server, in turn")
        print(f"{'server':<8}{'req/s':>10}{'cv':>7}{'ratio sd: interleaved':>24}{'in turn':>9}")
        for label, values in slices.items():
            line = f"{label:<8}{statistics.fmean(values):>10,.0f}"
            line += f"{coefficient_of_variation(values):>7.3f}"
            if label != "bare":
                spreads = ratio_spreads(slices, label)
                line += f"{spreads['interleaved']:>24.3f}{spreads['in_turn']:>9.3f}"
            print(line)
    run.write_results(args.output, report)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--blocks-of"]:
        module, path, blocks, size = sys.argv[2:6]
        print(json.dumps(asyncio.run(_blocks(module, path, int(blocks), int(size)))))
    else:
        sys.exit(main())
