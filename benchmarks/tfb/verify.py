"""Check a TechEmpower implementation the way TechEmpower's verification does.

For each test type it requests the endpoint (with TechEmpower's ``queries`` cases: ``2``,
``0``, ``foo``, ``501`` and empty, and a burst of concurrent requests), then checks the
status, the required headers (``Server``, a current ``Date``, ``Content-Type``,
``Content-Length`` or ``Transfer-Encoding``), the body's shape and counts, that rows match
the database, that the fortunes are complete, sorted and escaped, and that updates
persist. Finally it reads PostgreSQL's statistics of the ``world`` table to check that
every row was read (and written) by a statement of its own, as the rules require: no
``WHERE id IN (...)``. It prints one line per test type and exits with 1 when any fails.

Run it against a freshly started server (statistics of earlier load may still be on their
way to PostgreSQL)::

    python benchmarks/tfb/verify.py http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import asyncio
import html.parser
import re
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import asyncpg
import httpx
import msgspec
from setup_db import FORTUNES, dsn_from_environment

__all__ = ["Outcome", "verify"]

CONTENT_TYPES = {
    "json": re.compile(r"^application/json(; ?charset=(UTF|utf)-8)?$"),
    "html": re.compile(r"^text/html; ?charset=(UTF|utf)-8$"),
    "plaintext": re.compile(r"^text/plain(; ?charset=(UTF|utf)-8)?$"),
}
#: TechEmpower's ``queries`` cases and the number of rows each must give.
QUERY_CASES = [("2", 2), ("0", 1), ("foo", 1), ("501", 500), ("", 1)]
ADDED_FORTUNE = (0, "Additional fortune added at request time.")
BURST_REQUESTS = 32
BURST_QUERIES = 20
BURST_CONCURRENCY = 8
#: PostgreSQL reports a busy backend's statistics up to 10 s after its queries ran.
STATISTICS_DELAY = 12.0


@dataclass
class Outcome:
    """What the verification of one test type found."""

    test_type: str
    url: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether nothing was wrong."""
        return not self.problems

    def line(self) -> str:
        """One line for the report."""
        verdict = "PASS" if self.passed else "FAIL"
        details = "; ".join(self.problems or self.notes)
        return f"{verdict}  {self.test_type:<13} {self.url:<24} {details}"


class _TableParser(html.parser.HTMLParser):
    """The cells of every table row, unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _header_problems(response: httpx.Response, kind: str) -> list[str]:
    problems = [] if response.status_code == 200 else [f"status {response.status_code}"]
    headers = response.headers
    for name in ("server", "date", "content-type"):
        if name not in headers:
            problems.append(f"required header {name} is missing")
    if "content-length" not in headers and "transfer-encoding" not in headers:
        problems.append("neither Content-Length nor Transfer-Encoding is sent")
    if "date" in headers:
        try:
            parsedate_to_datetime(headers["date"])
        except (TypeError, ValueError):
            problems.append(f"Date {headers['date']!r} is not an HTTP date")
    content_type = headers.get("content-type", "")
    if not CONTENT_TYPES[kind].match(content_type):
        problems.append(f"Content-Type {content_type!r} is not {kind}")
    return problems


def _world_problems(item: Any) -> list[str]:
    if not isinstance(item, dict):
        return [f"expected a JSON object, got {str(item)[:20]!r}"]
    keys = {key.lower(): value for key, value in item.items()}
    if set(keys) != {"id", "randomnumber"}:
        return [f"expected keys id and randomNumber, got {sorted(item)}"]
    if not all(type(value) is int for value in keys.values()):
        return [f"id and randomNumber must be integers: {item}"]
    if not 1 <= keys["id"] <= 10000 or not 1 <= keys["randomnumber"] <= 10000:
        return [f"id and randomNumber must be in 1..10000: {item}"]
    return []


def _world_list_problems(body: Any, expected: int) -> list[str]:
    if not isinstance(body, list):
        return ["the top-level JSON is not an array"]
    problems = [] if len(body) == expected else [f"{len(body)} rows instead of {expected}"]
    for item in body:
        found = _world_problems(item)
        if found:
            return problems + found
    return problems


class _Verifier:
    """The checks, sharing one HTTP client, one database connection and the tally of
    statements the server must have run on ``world``."""

    def __init__(self, base_url: str, db: asyncpg.Connection) -> None:
        self.http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=30)
        self.db = db
        self.reads_expected = 0
        self.writes_expected = 0

    async def world(self) -> dict[int, int]:
        """The whole table (read with a sequential scan, so the verifier's own reads
        never count as the server's index scans)."""
        rows = await self.db.fetch("SELECT id, randomnumber FROM world")
        return {row[0]: row[1] for row in rows}

    async def counters(self) -> tuple[int, int]:
        """Index scans and updated rows of ``world``, per PostgreSQL's statistics."""
        await self.db.execute("SELECT pg_stat_clear_snapshot()")
        row = await self.db.fetchrow(
            "SELECT coalesce(idx_scan, 0), n_tup_upd FROM pg_stat_user_tables "
            "WHERE relname = 'world'"
        )
        return int(row[0]), int(row[1])

    async def get(self, url: str, reads: int = 0, writes: int = 0) -> httpx.Response:
        """Request ``url``; a 200 adds the row reads and writes it implies to the tally."""
        response = await self.http.get(url)
        if response.status_code == 200:
            self.reads_expected += reads
            self.writes_expected += writes
        return response

    async def burst(self, url: str, reads: int, writes: int = 0) -> list[str]:
        """``BURST_REQUESTS`` requests, ``BURST_CONCURRENCY`` at a time."""
        semaphore = asyncio.Semaphore(BURST_CONCURRENCY)

        async def one() -> int:
            async with semaphore:
                return (await self.get(url, reads, writes)).status_code

        statuses = await asyncio.gather(*(one() for _ in range(BURST_REQUESTS)))
        failed = [status for status in statuses if status != 200]
        return [f"{len(failed)} of {len(statuses)} concurrent requests failed"] if failed else []

    async def json(self, outcome: Outcome) -> None:
        response = await self.get(outcome.url)
        outcome.problems += _header_problems(response, "json")
        body = msgspec.json.decode(response.content)
        if body != {"message": "Hello, World!"}:
            outcome.problems.append(f"body {body!r} is not the hello-world object")
        outcome.notes.append(f"{len(response.content)} bytes")

    async def plaintext(self, outcome: Outcome) -> None:
        response = await self.get(outcome.url)
        outcome.problems += _header_problems(response, "plaintext")
        if response.content != b"Hello, World!":
            outcome.problems.append(f"body {response.content[:40]!r} is not 'Hello, World!'")
        await asyncio.sleep(1.1)
        later = await self.get(outcome.url)
        if later.headers.get("date") == response.headers.get("date"):
            outcome.problems.append("Date did not change after 1.1 s: it must not be cached")
        outcome.notes.append(f"{len(response.content)} bytes, Date current")

    async def db_single(self, outcome: Outcome) -> None:
        ids = set()
        for _ in range(20):
            response = await self.get(outcome.url, reads=1)
            outcome.problems += _header_problems(response, "json")
            body = msgspec.json.decode(response.content)
            found = _world_problems(body)
            if found:
                outcome.problems += found
                return
            if (await self.world())[body["id"]] != body["randomNumber"]:
                outcome.problems.append(f"{body} does not match the database")
            ids.add(body["id"])
        if len(ids) < 15:
            outcome.problems.append(f"20 requests gave only {len(ids)} different ids")
        outcome.problems += await self.burst(outcome.url, reads=1)
        outcome.notes.append("20 random rows match the database")

    async def queries(self, outcome: Outcome) -> None:
        stored = await self.world()
        for given, expected in QUERY_CASES:
            body, problems = await self._case(outcome.url, given, expected, reads=expected)
            if not problems and any(stored[item["id"]] != item["randomNumber"] for item in body):
                problems.append("rows do not match the database")
            outcome.problems += [f"?queries={given}: {problem}" for problem in problems]
        outcome.problems += await self.burst(f"{outcome.url}{BURST_QUERIES}", BURST_QUERIES)
        outcome.notes.append("2, 0, foo, 501, '' give 2, 1, 1, 500, 1 rows of the database")

    async def cached(self, outcome: Outcome) -> None:
        for given, expected in QUERY_CASES:
            _, problems = await self._case(outcome.url, given, expected)
            outcome.problems += [f"?count={given}: {problem}" for problem in problems]
        outcome.notes.append("2, 0, foo, 501, '' give 2, 1, 1, 500, 1 rows")

    async def updates(self, outcome: Outcome) -> None:
        before = await self.world()
        for given, expected in QUERY_CASES:
            body, problems = await self._case(
                outcome.url, given, expected, reads=expected, writes=expected
            )
            if not problems:
                stored = await self.world()
                lost = [item for item in body if stored[item["id"]] != item["randomNumber"]]
                if lost:
                    problems.append(f"{len(lost)} returned rows were not written: {lost[:2]}")
                if len({item["id"] for item in body}) != len(body):
                    problems.append("one row was updated twice in one request")
            outcome.problems += [f"?queries={given}: {problem}" for problem in problems]
        after = await self.world()
        changed = sum(1 for key, value in before.items() if after[key] != value)
        if changed < 0.9 * 500:
            outcome.problems.append(f"only {changed} rows changed in the database")
        outcome.problems += await self.burst(
            f"{outcome.url}{BURST_QUERIES}", BURST_QUERIES, BURST_QUERIES
        )
        outcome.notes.append(f"{changed} rows changed, every returned row persisted")

    async def _case(
        self, url: str, given: str, expected: int, reads: int = 0, writes: int = 0
    ) -> tuple[Any, list[str]]:
        response = await self.get(f"{url}{given}", reads, writes)
        problems = _header_problems(response, "json")
        try:
            body = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            return None, [*problems, f"not JSON: {response.content[:40]!r}"]
        return body, problems + _world_list_problems(body, expected)

    async def fortunes(self, outcome: Outcome) -> None:
        response = await self.get(outcome.url)
        outcome.problems += _header_problems(response, "html")
        page = response.text
        parser = _TableParser()
        parser.feed(page)
        rows = [row for row in parser.rows if row != ["id", "message"]]
        got = [(int(row[0]) if row[0].isdigit() else -1, row[-1]) for row in rows if row]
        expected = sorted([*FORTUNES.items(), ADDED_FORTUNE], key=lambda item: item[1])
        if got != expected:
            outcome.problems.append(f"the table differs from the expected fortunes: {got[:2]}")
        if "<script>" in page or "&lt;script&gt;" not in page:
            outcome.problems.append("the <script> fortune is not escaped")
        if FORTUNES[12] not in page:
            outcome.problems.append("the Japanese fortune is not sent as UTF-8 text")
        if not page.lstrip().lower().startswith("<!doctype html>"):
            outcome.problems.append("the page does not start with <!DOCTYPE html>")
        outcome.notes.append(f"{len(got)} rows, sorted, escaped, UTF-8")

    async def statements(self, start: tuple[int, int]) -> tuple[list[str], str]:
        """Compare the index scans and row updates PostgreSQL saw on ``world`` since
        ``start`` with the tally: a batched ``IN (...)`` read would come up short."""
        scans_expected = self.reads_expected + self.writes_expected
        deadline = time.monotonic() + STATISTICS_DELAY
        while True:
            scans, updated = (
                now - then for now, then in zip(await self.counters(), start, strict=True)
            )
            if scans >= scans_expected and updated >= self.writes_expected:
                break
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        note = (
            f"PostgreSQL saw {scans}/{scans_expected} index scans and "
            f"{updated}/{self.writes_expected} row updates on world"
        )
        if scans < scans_expected or updated < self.writes_expected:
            return [f"{note}: every row needs a statement of its own"], note
        return [], note


async def verify(base_url: str, dsn: str) -> list[Outcome]:
    """Verify every test type of the server at ``base_url`` whose database is ``dsn``."""
    db = await asyncpg.connect(dsn)
    verifier = _Verifier(base_url, db)
    checks: list[tuple[str, str, Callable[[Outcome], Coroutine[Any, Any, None]]]] = [
        ("json", "/json", verifier.json),
        ("plaintext", "/plaintext", verifier.plaintext),
        ("db", "/db", verifier.db_single),
        ("query", "/queries?queries=", verifier.queries),
        ("update", "/updates?queries=", verifier.updates),
        ("fortune", "/fortunes", verifier.fortunes),
        ("cached-query", "/cached-queries?count=", verifier.cached),
    ]
    outcomes = []
    try:
        start = await verifier.counters()
        for test_type, url, check in checks:
            outcome = Outcome(test_type, url)
            try:
                await check(outcome)
            except (httpx.HTTPError, msgspec.DecodeError, KeyError, TypeError) as error:
                outcome.problems.append(f"{type(error).__name__}: {error}")
            outcomes.append(outcome)
        problems, note = await verifier.statements(start)
        for outcome in outcomes:
            if outcome.test_type in ("db", "query", "update"):
                outcome.problems += problems
        outcomes.append(Outcome("query-count", "pg_stat_user_tables", problems, [note]))
    finally:
        await db.close()
        await verifier.http.aclose()
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--dsn", default=dsn_from_environment(), help="its PostgreSQL DSN")
    args = parser.parse_args()
    outcomes = asyncio.run(verify(args.url, args.dsn))
    for outcome in outcomes:
        print(outcome.line())
    failed = [outcome.test_type for outcome in outcomes if not outcome.passed]
    print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
