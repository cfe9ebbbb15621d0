"""The store's queries on a psycopg 3 pool, called as they are on aiosqlite's connection.

The shared queries are written once with `?` and `:name` placeholders; psycopg takes `%s`
and `%(name)s`, so each statement is rewritten once (cached) outside its string literals
and quoted names. A statement runs on the connection of the caller's transaction when there
is one (a context variable: the transaction belongs to the coroutine that began it), and
otherwise on any pooled connection, in autocommit.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.numeric import NumericLoader
from psycopg_pool import AsyncConnectionPool

# A `?`, a `:name` (not the `::` of a cast), a `%`, or a literal/quoted name to copy as is.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|\?|:([A-Za-z_]\w*)|%")


@lru_cache(maxsize=1024)
def psycopg_sql(sql: str) -> str:
    """`sql` with psycopg's placeholders for ours, and its other `%` doubled."""

    def replace(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if m.group(1):
            return f"%({m.group(1)})s"
        return token.replace("%", "%%")

    return _TOKEN.sub(replace, sql)


def _without_nul(params: Sequence[Any] | Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
    """PostgreSQL's text cannot hold U+0000, which SQLite stores; it carries no text (ingest
    drops control characters from what it reads), so a stray one in a typed query or a raw
    line is dropped here rather than failing the statement."""
    if isinstance(params, Mapping):
        if any(isinstance(v, str) and "\x00" in v for v in params.values()):
            return {
                k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in params.items()
            }
        return params
    if any(isinstance(v, str) and "\x00" in v for v in params):
        return [v.replace("\x00", "") if isinstance(v, str) else v for v in params]
    return params


class _WholeNumbers(NumericLoader):
    """sum() of integers is numeric in PostgreSQL (int in SQLite): loaded as int when whole,
    so counts print and compare the same on both backends."""

    def load(self, data: Any) -> Any:
        value: Decimal = super().load(data)
        return int(value) if value == value.to_integral_value() else float(value)


async def configure(conn: AsyncConnection) -> None:
    conn.adapters.register_loader("numeric", _WholeNumbers)


@dataclass
class Result:
    """What a statement returned, read at once (the pooled connection goes back at once)."""

    rows: list[tuple[Any, ...]]
    rowcount: int
    description: list[tuple[str]] = field(default_factory=list)

    async def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    async def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    async def close(self) -> None:
        return None


class PostgresConnection:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool
        self._transaction: ContextVar[AsyncConnection | None] = ContextVar(
            f"casebot_transaction_{id(self)}", default=None
        )

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        if (conn := self._transaction.get()) is not None:
            yield conn
            return
        async with self.pool.connection() as conn:
            yield conn

    async def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Result:
        async with self._connection() as conn:
            cursor = await conn.execute(psycopg_sql(sql), _without_nul(params))
            if cursor.description is None:
                return Result([], cursor.rowcount)
            rows = await cursor.fetchall()
            names = [(column.name,) for column in cursor.description]
            return Result(rows, cursor.rowcount, names)

    async def execute_fetchall(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        return (await self.execute(sql, params)).rows

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        async with self._connection() as conn, conn.cursor() as cursor:
            await cursor.executemany(psycopg_sql(sql), [_without_nul(row) for row in rows])

    # The transaction's connection, set by the store's begin and taken back by its end.
    def enter(self, conn: AsyncConnection) -> None:
        self._transaction.set(conn)

    def leave(self) -> AsyncConnection:
        conn = self._transaction.get()
        assert conn is not None, "no transaction of this coroutine to end"
        self._transaction.set(None)
        return conn
