"""Create and seed TechEmpower's ``World`` and ``Fortune`` tables in PostgreSQL.

``World`` holds 10,000 rows of random numbers in 1..10,000 and ``Fortune`` the 12
messages TechEmpower's verification expects (one needs escaping, one is Japanese). The
script is idempotent: tables that exist are left as they are unless their contents are
wrong, in which case they are refilled. The DSN comes from ``DATABASE_URL``.

    python benchmarks/tfb/setup_db.py            # postgresql://postgres@127.0.0.1:5432/test
    DATABASE_URL=postgresql://... python benchmarks/tfb/setup_db.py
"""

from __future__ import annotations

import argparse
import asyncio
import os

import asyncpg

__all__ = ["DEFAULT_DSN", "FORTUNES", "WORLD_ROWS", "dsn_from_environment", "setup"]

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
WORLD_ROWS = 10_000

#: TechEmpower's fortunes, by id (the verifier compares pages against these).
FORTUNES: dict[int, str] = {
    1: "fortune: No such file or directory",
    2: "A computer scientist is someone who fixes things that aren't broken.",
    3: "After enough decimal places, nobody gives a damn.",
    4: "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    5: "A computer program does what you tell it to do, not what you want it to do.",
    6: "Emacs is a nice operating system, but I prefer UNIX. \u2014 Tom Christaensen",
    7: "Any program that runs right is obsolete.",
    8: "A list is only as strong as its weakest link. \u2014 Donald Knuth",
    9: "Feature: A bug with seniority.",
    10: "Computers make very fast, very accurate mistakes.",
    11: '<script>alert("This should not be displayed in a browser alert box.");</script>',
    12: "\u30d5\u30ec\u30fc\u30e0\u30ef\u30fc\u30af\u306e\u30d9\u30f3\u30c1\u30de\u30fc\u30af",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS world (
    id integer NOT NULL PRIMARY KEY,
    randomnumber integer NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS fortune (
    id integer NOT NULL PRIMARY KEY,
    message varchar(2048) NOT NULL
);
"""

_SEED_WORLD = """
INSERT INTO world (id, randomnumber)
SELECT x, least(floor(random() * 10000 + 1), 10000)::integer FROM generate_series(1, $1) AS x
"""


def dsn_from_environment() -> str:
    """``DATABASE_URL``, or the local test database."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DSN


async def _world_is_complete(connection: asyncpg.Connection) -> bool:
    count, low, high = await connection.fetchrow(
        "SELECT count(*), min(id), max(id) FROM world WHERE randomnumber BETWEEN 1 AND 10000"
    )
    return bool(count == WORLD_ROWS and low == 1 and high == WORLD_ROWS)


async def setup(dsn: str) -> list[str]:
    """Create the tables and fill what is missing or wrong; returns what was done."""
    done: list[str] = []
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            # One setup at a time: concurrent test sessions may call this together.
            await connection.execute("SELECT pg_advisory_xact_lock(7205024)")
            await connection.execute(_SCHEMA)
            if not await _world_is_complete(connection):
                await connection.execute("TRUNCATE world")
                await connection.execute(_SEED_WORLD, WORLD_ROWS)
                done.append(f"world: seeded {WORLD_ROWS} rows")
            stored = dict(await connection.fetch("SELECT id, message FROM fortune"))
            if stored != FORTUNES:
                await connection.execute("TRUNCATE fortune")
                await connection.executemany(
                    "INSERT INTO fortune (id, message) VALUES ($1, $2)", list(FORTUNES.items())
                )
                done.append(f"fortune: seeded {len(FORTUNES)} rows")
        await connection.execute("ANALYZE world; ANALYZE fortune")
    finally:
        await connection.close()
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default=dsn_from_environment(), help="PostgreSQL DSN")
    args = parser.parse_args()
    done = asyncio.run(setup(args.dsn))
    print("; ".join(done) if done else "world and fortune tables already in place")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
