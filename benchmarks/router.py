"""Router lookups per second as the route table grows: 10, 100 and 1,000 routes, for the
pure-Python router and the Rust one (``gobstopper-core``), measured in one run.

Each table mixes static rules and rules with typed placeholders, the shapes real APIs
use. Lookups hit the last-registered rule (the worst case for a linear scan), a middle
one and a miss. Flat numbers across table sizes mean lookup cost does not grow with the
number of routes; "rust gain" is Rust / Python lookups per second for the same case.

    python benchmarks/router.py
"""

from __future__ import annotations

import importlib.util
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import write_results

from gobstopper.routing import Router, Rule

SIZES = (10, 100, 1000)


def build(size: int, accelerated: bool) -> Router[str]:
    router: Router[str] = Router(accelerated=accelerated)
    for index in range(size // 2):
        router.add(Rule(f"/static{index}/list"), ["GET"], f"static{index}")
        router.add(Rule(f"/res{index}/<int:item_id>/parts/<slug>"), ["GET"], f"dynamic{index}")
    return router


def lookups_per_second(router: Router[str], path: str) -> float:
    timer = timeit.Timer(lambda: router.match(path))
    count, _ = timer.autorange()
    return count / min(timer.repeat(repeat=5, number=count))


def main() -> int:
    implementations = {"python": False}
    if importlib.util.find_spec("gobstopper_core") is not None:
        implementations["rust"] = True
    else:
        print("gobstopper-core is not installed: measuring the Python router only")
    rows = []
    for size in SIZES:
        last = size // 2 - 1
        cases = {
            "static (last)": f"/static{last}/list",
            "dynamic (last)": f"/res{last}/42/parts/bolt",
            "dynamic (middle)": f"/res{last // 2}/42/parts/bolt",
            "miss": "/nothing/here/at/all",
        }
        for name, accelerated in implementations.items():
            router = build(size, accelerated)
            measured = {case: lookups_per_second(router, path) for case, path in cases.items()}
            rows.append({"routes": size, "router": name, **measured})
    names = [key for key in rows[0] if key not in ("routes", "router")]
    print(f"{'routes':>7}{'router':>8}" + "".join(f"{name:>20}" for name in names) + "  lookups/s")
    for row in rows:
        print(
            f"{row['routes']:>7}{row['router']:>8}"
            + "".join(f"{row[name]:>20,.0f}" for name in names)
        )
        if row["router"] == "rust":
            python = next(
                r for r in rows if r["routes"] == row["routes"] and r["router"] == "python"
            )
            gains = "".join(f"{row[name] / python[name]:>19.2f}x" for name in names)
            print(f"{'':>7}{'gain':>8}{gains}")
    write_results(Path(__file__).resolve().parent / "results" / "router.json", {"rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
