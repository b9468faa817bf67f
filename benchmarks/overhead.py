"""Per-request Python overhead of Gobstopper over a bare RSGI app, measured in-process.

Both apps are driven through the same fake RSGI protocol (the TestClient's), so the
difference is exactly the framework's own work per request: no sockets, no server. It is
steadier than wrk on a small noisy machine and shows where a regression comes from.

    python benchmarks/overhead.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bare_rsgi
from gobstopper_app import app

from gobstopper.testing import _HTTPProtocol, _Scope

ITEM = b'{"name": "gobstopper", "price": 2.5, "tags": ["candy", "everlasting"]}'
CASES = [
    ("plaintext", "GET", "/plaintext", b""),
    ("json", "GET", "/json", b""),
    ("path parameter", "GET", "/users/42", b""),
    ("POST msgspec Struct", "POST", "/items", ITEM),
]


def _scope(method: str, path: str, body: bytes) -> _Scope:
    headers = [("host", "bench")]
    if body:
        headers += [("content-type", "application/json"), ("content-length", str(len(body)))]
    return _Scope("http", method, path, "", headers, "http", "127.0.0.1:40000")


async def _time(target, scope: _Scope, body: bytes, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await target(scope, _HTTPProtocol(body))
    return (time.perf_counter() - started) / count * 1e6


async def main(count: int = 50_000, rounds: int = 5) -> None:
    await app.startup()
    print(f"{'scenario':<22}{'bare µs':>10}{'gobstopper µs':>16}{'overhead µs':>14}")
    for name, method, path, body in CASES:
        scope = _scope(method, path, body)
        bare = min([await _time(bare_rsgi.app, scope, body, count) for _ in range(rounds)])
        gob = min([await _time(app.__rsgi__, scope, body, count) for _ in range(rounds)])
        print(f"{name:<22}{bare:>10.2f}{gob:>16.2f}{gob - bare:>14.2f}")


if __name__ == "__main__":
    asyncio.run(main())
