"""Router lookups per second as the route table grows: 10, 100 and 1,000 routes.

Each table mixes static rules and rules with typed placeholders, the shapes real APIs
use. Lookups hit the last-registered rule (the worst case for a linear scan), a middle
one and a miss. Flat numbers across table sizes mean lookup cost does not grow with the
number of routes.

    python benchmarks/router.py
"""

from __future__ import annotations

import json
import sys
import timeit
from pathlib import Path

from gobstopper.routing import Router, Rule

SIZES = (10, 100, 1000)


def build(size: int) -> Router[str]:
    router: Router[str] = Router()
    for index in range(size // 2):
        router.add(Rule(f"/static{index}/list"), ["GET"], f"static{index}")
        router.add(Rule(f"/res{index}/<int:item_id>/parts/<slug>"), ["GET"], f"dynamic{index}")
    return router


def lookups_per_second(router: Router[str], path: str) -> float:
    timer = timeit.Timer(lambda: router.match(path))
    count, _ = timer.autorange()
    return count / min(timer.repeat(repeat=5, number=count))


def main() -> int:
    rows = []
    for size in SIZES:
        router = build(size)
        last = size // 2 - 1
        cases = {
            "static (last)": f"/static{last}/list",
            "dynamic (last)": f"/res{last}/42/parts/bolt",
            "dynamic (middle)": f"/res{last // 2}/42/parts/bolt",
            "miss": "/nothing/here/at/all",
        }
        rows.append(
            {
                "routes": size,
                **{name: lookups_per_second(router, path) for name, path in cases.items()},
            }
        )
    names = [key for key in rows[0] if key != "routes"]
    print(f"{'routes':>7}" + "".join(f"{name:>20}" for name in names) + "   (lookups/s)")
    for row in rows:
        print(f"{row['routes']:>7}" + "".join(f"{row[name]:>20,.0f}" for name in names))
    output = Path(__file__).resolve().parent / "results" / "router.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
