"""Analytics over a data set: per-column statistics and grouped aggregations, computed
by DuckDB SQL whose values are bound parameters and whose identifiers (columns,
functions, operators) are checked against the data set's schema and fixed lists."""

from __future__ import annotations

import base64
import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import msgspec

from .datasets import Column, check_name, columns_of
from .store import AnalyticsStore, quote

__all__ = [
    "AggregateQuery",
    "Aggregation",
    "ColumnSummary",
    "DatasetSummary",
    "Group",
    "QueryError",
    "UnknownDataset",
    "aggregate",
    "as_csv",
    "as_parquet",
    "summary",
]

FUNCTIONS = ("count", "sum", "avg", "min", "max")
OPERATORS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
MAX_LIMIT = 1000


class UnknownDataset(LookupError):
    """No data has been ingested under this name."""


class QueryError(ValueError):
    """A query parameter that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class ColumnSummary(msgspec.Struct):
    """Statistics of one column (``mean`` and ``std`` for numbers only)."""

    name: str
    type: str
    count: int
    null_percentage: float
    distinct: int
    minimum: str | None
    maximum: str | None
    mean: float | None
    std: float | None


class DatasetSummary(msgspec.Struct):
    """The statistics of every column of a data set."""

    dataset: str
    columns: list[ColumnSummary]


class AggregateQuery(msgspec.Struct):
    """A grouped aggregation as the query string gives it.

    ``metric`` is ``count`` or ``<function>:<column>`` (sum, avg, min, max); each
    ``filters`` item is ``<column>:<operator>:<value>`` (eq, ne, lt, le, gt, ge).
    """

    group_by: str
    metric: str = "count"
    filters: list[str] = []
    limit: int = 100
    cursor: str | None = None


class Group(msgspec.Struct):
    """One group's key and its metric."""

    key: Any
    value: Any


class Aggregation(msgspec.Struct):
    """A page of groups, in key order; ``next_cursor`` asks for the next page."""

    dataset: str
    group_by: str
    metric: str
    groups: list[Group]
    next_cursor: str | None


def _schema(cursor: duckdb.DuckDBPyConnection, dataset: str) -> dict[str, Column]:
    check_name(dataset)
    columns = columns_of(cursor, dataset)
    if not columns:
        raise UnknownDataset(dataset)
    return {column.name: column for column in columns}


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


def summary(store: AnalyticsStore, dataset: str) -> list[ColumnSummary]:
    """Per-column statistics of ``dataset`` (DuckDB's ``SUMMARIZE``)."""
    with store.cursor() as cursor:
        _schema(cursor, dataset)
        rows = cursor.execute(f"SUMMARIZE datasets.{quote(dataset)}").fetchall()
    return [
        ColumnSummary(
            name=row[0],
            type=row[1],
            count=row[10],
            null_percentage=float(row[11]),
            distinct=row[4],
            minimum=row[2],
            maximum=row[3],
            mean=_number(row[5]),
            std=_number(row[6]),
        )
        for row in rows
    ]


def _column(schema: dict[str, Column], field: str, name: str) -> Column:
    column = schema.get(name)
    if column is None:
        raise QueryError(field, f"no column {name!r} (columns: {', '.join(schema)})")
    return column


def _metric(schema: dict[str, Column], metric: str) -> str:
    function, _, name = metric.partition(":")
    if function not in FUNCTIONS:
        raise QueryError("metric", f"{function!r} is not one of {', '.join(FUNCTIONS)}")
    if not name:
        if function != "count":
            raise QueryError("metric", f"{function} needs a column: {function}:<column>")
        return "count(*)"
    return f"{function}({quote(_column(schema, 'metric', name).name)})"


def _filters(schema: dict[str, Column], filters: list[str]) -> tuple[str, list[str]]:
    clauses: list[str] = []
    values: list[str] = []
    for item in filters:
        name, _, rest = item.partition(":")
        operator, separator, value = rest.partition(":")
        if not separator:
            raise QueryError("filter", f"{item!r} is not <column>:<operator>:<value>")
        if operator not in OPERATORS:
            raise QueryError("filter", f"{operator!r} is not one of {', '.join(OPERATORS)}")
        column = _column(schema, "filter", name)
        # The type comes from the schema, the value is bound: "10" compares as a number.
        clauses.append(f"{quote(column.name)} {OPERATORS[operator]} CAST(? AS {column.type})")
        values.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), values


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except ValueError:
        raise QueryError("cursor", "not a cursor this API gave") from None
    if offset < 0:
        raise QueryError("cursor", "not a cursor this API gave")
    return offset


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _select(
    cursor: duckdb.DuckDBPyConnection, dataset: str, query: AggregateQuery
) -> tuple[str, list[Any]]:
    schema = _schema(cursor, dataset)
    if not 1 <= query.limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    key = quote(_column(schema, "group_by", query.group_by).name)
    where, values = _filters(schema, query.filters)
    sql = (
        f"SELECT {key} AS key, {_metric(schema, query.metric)} AS value "
        f"FROM datasets.{quote(dataset)}{where} GROUP BY {key} ORDER BY {key} NULLS FIRST "
        "LIMIT ? OFFSET ?"
    )
    return sql, values


def aggregate(store: AnalyticsStore, dataset: str, query: AggregateQuery) -> Aggregation:
    """One page of ``query`` over ``dataset``."""
    offset = _offset(query.cursor)
    with store.cursor() as cursor:
        sql, values = _select(cursor, dataset, query)
        try:
            rows = cursor.execute(sql, [*values, query.limit + 1, offset]).fetchall()
        except duckdb.ConversionException as error:  # a value the column's type cannot hold
            raise QueryError("filter", str(error).splitlines()[0]) from None
    more = len(rows) > query.limit
    groups = [Group(key, value) for key, value in rows[: query.limit]]
    return Aggregation(
        dataset=dataset,
        group_by=query.group_by,
        metric=query.metric,
        groups=groups,
        next_cursor=_cursor(offset + query.limit) if more else None,
    )


def as_csv(result: Aggregation) -> str:
    """The groups of ``result`` as CSV with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([result.group_by, result.metric])
    writer.writerows([group.key, group.value] for group in result.groups)
    return buffer.getvalue()


def as_parquet(store: AnalyticsStore, dataset: str, query: AggregateQuery) -> bytes:
    """The page of ``query`` over ``dataset`` as a Parquet file, written by DuckDB with
    the columns' own types."""
    offset = _offset(query.cursor)
    with tempfile.TemporaryDirectory() as folder, store.cursor() as cursor:
        sql, values = _select(cursor, dataset, query)
        arguments = [*values, query.limit, offset]
        path = Path(folder) / "result.parquet"
        try:
            cursor.execute(f"CREATE TEMP TABLE page AS {sql}", arguments)
        except duckdb.ConversionException as error:
            raise QueryError("filter", str(error).splitlines()[0]) from None
        cursor.execute(f"COPY page TO '{path}' (FORMAT parquet)")
        return path.read_bytes()
