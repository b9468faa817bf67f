"""Where ``data_example.py`` keeps its records: DuckDB embedded, or PostgreSQL (asyncpg).

Both stores answer the same :class:`Store` protocol with the same Structs; each speaks its
own SQL dialect. Values a database refuses (a NUL byte in text, say) raise
:class:`StoreRejected`, which the application answers with 422.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import msgspec

__all__ = [
    "Analytics",
    "CategoryStats",
    "DuckDBStore",
    "NewRecord",
    "PostgresStore",
    "Record",
    "RecordChanges",
    "RecordFilter",
    "Store",
    "StoreRejected",
    "open_store",
]

T = TypeVar("T")
Category = Annotated[str, msgspec.Meta(pattern=r"^[\w -]{1,40}$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Amount = Annotated[float, msgspec.Meta(ge=0, le=1_000_000_000)]


class NewRecord(msgspec.Struct):
    """What a client sends to create a record."""

    category: Category
    name: Name
    amount: Amount


class RecordChanges(msgspec.Struct, omit_defaults=True):
    """Fields to change; those left out stay as they are."""

    category: Category | None = None
    name: Name | None = None
    amount: Amount | None = None


class Record(msgspec.Struct):
    """A stored record."""

    id: int
    category: str
    name: str
    amount: float
    created_at: datetime


class RecordFilter(msgspec.Struct):
    """Which records a listing wants."""

    category: str | None = None
    min_amount: float | None = None
    max_amount: float | None = None


class CategoryStats(msgspec.Struct):
    """Figures of one category."""

    count: int
    total: float
    average: float


class Analytics(msgspec.Struct):
    """Figures over every record."""

    count: int
    total: float
    by_category: dict[str, CategoryStats]


class StoreRejected(ValueError):
    """The database refused a value the client sent."""


class Store(Protocol):
    """What the application needs from a store."""

    async def close(self) -> None: ...
    async def add(self, new: NewRecord) -> Record: ...
    async def add_many(self, batch: Sequence[NewRecord]) -> int: ...
    async def get(self, record_id: int) -> Record | None: ...
    async def update(self, record_id: int, changes: RecordChanges) -> Record | None: ...
    async def delete(self, record_id: int) -> bool: ...
    async def page(self, where: RecordFilter, after: int, limit: int) -> list[Record]: ...
    async def analytics(self) -> Analytics: ...


_COLUMNS = "id, category, name, amount, created_at"


def _record(row: Sequence[Any]) -> Record:
    created = row[4] if row[4].tzinfo else row[4].replace(tzinfo=timezone.utc)
    return Record(row[0], row[1], row[2], float(row[3]), created)


def _analytics(rows: Sequence[Sequence[Any]]) -> Analytics:
    by_category = {
        row[0]: CategoryStats(row[1], round(float(row[2]), 2), round(float(row[2]) / row[1], 2))
        for row in rows
    }
    return Analytics(
        count=sum(stats.count for stats in by_category.values()),
        total=round(sum(stats.total for stats in by_category.values()), 2),
        by_category=by_category,
    )


def _filters(where: RecordFilter, placeholder: Callable[[int], str]) -> tuple[str, list[Any]]:
    """SQL conditions for ``where`` (after the ``id > cursor`` one) and their values."""
    values: list[Any] = []
    sql = []
    for column, operator, value in (
        ("category", "=", where.category),
        ("amount", ">=", where.min_amount),
        ("amount", "<=", where.max_amount),
    ):
        if value is not None:
            values.append(value)
            sql.append(f" AND {column} {operator} {placeholder(len(values) + 1)}")
    return "".join(sql), values


def _now() -> datetime:
    return datetime.now(timezone.utc)


class DuckDBStore:
    """Records in a DuckDB file, used from one dedicated thread (DuckDB calls block)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import duckdb

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._errors: tuple[type[Exception], ...] = (duckdb.ConversionException,)
        self._thread = concurrent.futures.ThreadPoolExecutor(1, "data-example-duckdb")
        self._db = duckdb.connect(os.fspath(path))
        self._db.execute(
            "CREATE SEQUENCE IF NOT EXISTS record_ids; "
            "CREATE TABLE IF NOT EXISTS records ("
            "id BIGINT PRIMARY KEY DEFAULT nextval('record_ids'), category VARCHAR NOT NULL, "
            "name VARCHAR NOT NULL, amount DOUBLE NOT NULL, created_at TIMESTAMP NOT NULL)"
        )

    async def _run(self, func: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, func, *args)
        except self._errors as error:
            raise StoreRejected(str(error).splitlines()[0]) from None

    def _one(self, sql: str, *values: Any) -> Any:
        return self._db.execute(sql, values).fetchone()

    def _all(self, sql: str, *values: Any) -> list[Any]:
        return self._db.execute(sql, values).fetchall()

    async def close(self) -> None:
        await self._run(self._db.close)
        self._thread.shutdown()

    async def add(self, new: NewRecord) -> Record:
        row = await self._run(
            self._one,
            f"INSERT INTO records (category, name, amount, created_at) VALUES (?, ?, ?, ?) "
            f"RETURNING {_COLUMNS}",
            new.category,
            new.name,
            new.amount,
            _now().replace(tzinfo=None),
        )
        return _record(row)

    async def add_many(self, batch: Sequence[NewRecord]) -> int:
        # One statement over three lists: DuckDB's executemany runs a statement per row
        # (seconds for a 10,000-record job), and every request waits on this one thread.
        insert = (
            "INSERT INTO records (category, name, amount, created_at) "
            "SELECT unnest(?), unnest(?), unnest(?), ?"
        )
        columns = (
            [new.category for new in batch],
            [new.name for new in batch],
            [new.amount for new in batch],
        )
        (inserted,) = await self._run(self._one, insert, *columns, _now().replace(tzinfo=None))
        return int(inserted)

    async def get(self, record_id: int) -> Record | None:
        row = await self._run(self._one, f"SELECT {_COLUMNS} FROM records WHERE id = ?", record_id)
        return None if row is None else _record(row)

    async def update(self, record_id: int, changes: RecordChanges) -> Record | None:
        fields = msgspec.structs.asdict(changes)
        given = {name: value for name, value in fields.items() if value is not None}
        if not given:
            return await self.get(record_id)
        assignments = ", ".join(f"{name} = ?" for name in given)
        row = await self._run(
            self._one,
            f"UPDATE records SET {assignments} WHERE id = ? RETURNING {_COLUMNS}",
            *given.values(),
            record_id,
        )
        return None if row is None else _record(row)

    async def delete(self, record_id: int) -> bool:
        row = await self._run(self._one, "DELETE FROM records WHERE id = ? RETURNING id", record_id)
        return row is not None

    async def page(self, where: RecordFilter, after: int, limit: int) -> list[Record]:
        conditions, values = _filters(where, lambda _: "?")
        sql = f"SELECT {_COLUMNS} FROM records WHERE id > ?{conditions} ORDER BY id LIMIT ?"
        return [_record(row) for row in await self._run(self._all, sql, after, *values, limit)]

    async def analytics(self) -> Analytics:
        sql = "SELECT category, count(*), sum(amount) FROM records GROUP BY category ORDER BY 1"
        return _analytics(await self._run(self._all, sql))


class PostgresStore:
    """Records in PostgreSQL, through an asyncpg pool."""

    TABLE = "data_example_records"

    def __init__(self, pool: Any) -> None:
        import asyncpg

        self._pool = pool
        self._errors: tuple[type[Exception], ...] = (
            asyncpg.DataError,
            UnicodeEncodeError,
            OverflowError,
        )

    @classmethod
    async def connect(cls, dsn: str) -> PostgresStore:
        """Open a pool on ``dsn`` and create the table if it is missing."""
        import asyncpg

        # Without sslmode in the DSN, connect in plain TCP: rloop (gobstopper run's event
        # loop) cannot start TLS. Add ?sslmode=require, and run with --loop asyncio, for TLS.
        ssl = None if "sslmode=" in dsn else False
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4, ssl=ssl)
        await pool.execute(
            f"CREATE TABLE IF NOT EXISTS {cls.TABLE} (id BIGSERIAL PRIMARY KEY, "
            "category TEXT NOT NULL, name TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL, "
            "created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        return cls(pool)

    async def _run(self, method: str, sql: str, *values: Any) -> Any:
        try:
            return await getattr(self._pool, method)(sql, *values)
        except self._errors as error:
            raise StoreRejected(str(error).splitlines()[0]) from None

    async def close(self) -> None:
        await self._pool.close()

    async def add(self, new: NewRecord) -> Record:
        row = await self._run(
            "fetchrow",
            f"INSERT INTO {self.TABLE} (category, name, amount) VALUES ($1, $2, $3) "
            f"RETURNING {_COLUMNS}",
            new.category,
            new.name,
            new.amount,
        )
        return _record(row)

    async def add_many(self, batch: Sequence[NewRecord]) -> int:
        rows = [(new.category, new.name, new.amount) for new in batch]
        insert = f"INSERT INTO {self.TABLE} (category, name, amount) VALUES ($1, $2, $3)"
        await self._run("executemany", insert, rows)
        return len(rows)

    async def get(self, record_id: int) -> Record | None:
        sql = f"SELECT {_COLUMNS} FROM {self.TABLE} WHERE id = $1"
        row = await self._run("fetchrow", sql, record_id)
        return None if row is None else _record(row)

    async def update(self, record_id: int, changes: RecordChanges) -> Record | None:
        fields = msgspec.structs.asdict(changes)
        given = {name: value for name, value in fields.items() if value is not None}
        if not given:
            return await self.get(record_id)
        assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(given, start=2))
        sql = f"UPDATE {self.TABLE} SET {assignments} WHERE id = $1 RETURNING {_COLUMNS}"
        row = await self._run("fetchrow", sql, record_id, *given.values())
        return None if row is None else _record(row)

    async def delete(self, record_id: int) -> bool:
        sql = f"DELETE FROM {self.TABLE} WHERE id = $1 RETURNING id"
        return await self._run("fetchval", sql, record_id) is not None

    async def page(self, where: RecordFilter, after: int, limit: int) -> list[Record]:
        conditions, values = _filters(where, lambda n: f"${n}")
        limit_at = len(values) + 2
        sql = (
            f"SELECT {_COLUMNS} FROM {self.TABLE} WHERE id > $1{conditions} "
            f"ORDER BY id LIMIT ${limit_at}"
        )
        return [_record(row) for row in await self._run("fetch", sql, after, *values, limit)]

    async def analytics(self) -> Analytics:
        sql = (
            f"SELECT category, count(*), sum(amount) FROM {self.TABLE} GROUP BY category ORDER BY 1"
        )
        return _analytics(await self._run("fetch", sql))


async def open_store(dsn: str | None, duckdb_path: str | os.PathLike[str]) -> Store:
    """PostgreSQL when ``dsn`` is given, else DuckDB at ``duckdb_path``."""
    if dsn:
        return await PostgresStore.connect(dsn)
    return DuckDBStore(duckdb_path)
