"""The PostgreSQL store: a library on a database server that operators already run and
back up, shared by several bot processes.

psycopg 3's async pool (libpq underneath, so the authentication methods of
PostgreSQL-compatible servers work as they do for psql). Migrations are the numbered files
of migrations/, the same numbers as SQLite's, the version kept in table schema_version.
Locks are advisory locks in two key spaces of our own: writers (one at a time, as on
SQLite), and named scheduled work (`exclusive`), plus one for migrating.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.store.base import StoreError, read_migrations
from bot.store.db import Store
from bot.store.postgres.connection import PostgresConnection, configure
from bot.store.postgres.search import TsvectorIndex
from bot.values import redacted

POOL_SIZE = 10  # connections per process: a reply holds one for a statement at a time
CONNECT_TIMEOUT_S = 10
# (key space, key) of pg_advisory_lock: ours are 0x6361 ("ca") and the two after it.
WRITE_LOCK = (0x6361, 0)
MIGRATE_LOCK = (0x6362, 0)
EXCLUSIVE_SPACE = 0x6363  # the key is hashtext(name)


def migrations() -> list[tuple[int, str]]:
    return read_migrations("bot.store.postgres")


class PostgresStore(TsvectorIndex, Store):
    dialect = "postgresql"
    conn: PostgresConnection

    def __init__(self, conn: PostgresConnection, url: str) -> None:
        super().__init__(conn, redacted(url))
        self.url = url

    @classmethod
    async def connect(cls, url: str) -> PostgresStore:
        async with await _dedicated(url) as conn:
            await _migrate(conn, redacted(url))
        pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            # No server-side prepared statements: a prepared search may switch to a plan made
            # without its tsquery (a generic plan), which cannot tell a rare word from a
            # common one; and poolers in transaction mode (PgBouncer) refuse them.
            kwargs={"autocommit": True, "prepare_threshold": None},
            configure=configure,
            open=False,
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except PoolTimeout as exc:
            await pool.close()
            raise StoreError(f"无法连接数据库 {redacted(url)}：连接池未能建立连接。") from exc
        return cls(PostgresConnection(pool), url)

    async def close(self) -> None:
        await self.conn.pool.close()

    async def _begin(self) -> None:
        conn = await self.conn.pool.getconn()
        try:
            await conn.execute("BEGIN")
            await conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", WRITE_LOCK)
        except BaseException:
            await self.conn.pool.putconn(conn)
            raise
        self.conn.enter(conn)

    async def _commit(self) -> None:
        conn = self.conn.leave()
        try:
            await conn.execute("COMMIT")
        finally:
            await self.conn.pool.putconn(conn)  # the pool rolls back what is left open

    async def _rollback(self) -> None:
        conn = self.conn.leave()
        try:
            if not conn.closed:
                await conn.execute("ROLLBACK")
        finally:
            await self.conn.pool.putconn(conn)

    async def _new_article_ids(self, n: int) -> list[int]:
        rows = await self.conn.execute_fetchall(
            "SELECT nextval(pg_get_serial_sequence('articles', 'id'))"
            " FROM generate_series(1, ?) ORDER BY 1",
            (n,),
        )
        return [r[0] for r in rows]

    async def integrity_check(self) -> str:
        """ "ok", or which articles the search index is wrong about (the server checks its
        own pages): every original article indexed once, nothing else."""
        for table in ("article_fts", "article_chars"):
            rows = await self.conn.execute_fetchall(
                f"SELECT count(*) FROM articles a FULL JOIN {table} t ON t.article_id = a.id"
                " WHERE (a.duplicate_of IS NULL) IS DISTINCT FROM (t.article_id IS NOT NULL)"
            )
            if rows[0][0]:
                return f"search index: {rows[0][0]} articles wrong in {table}"
        return "ok"

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """On a connection of its own, not a pooled one: a session lock belongs to the
        connection, and one returned to the pool would keep it. If this process dies, its
        connection closes and the lock passes to the next waiter."""
        async with super().exclusive(name), await _dedicated(self.url) as conn:
            await conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (EXCLUSIVE_SPACE, name))
            yield


async def _dedicated(url: str) -> AsyncConnection:
    try:
        conn = await AsyncConnection.connect(
            url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
        )
    except psycopg.Error as exc:
        raise StoreError(f"无法连接数据库 {redacted(url)}：{_connect_reason(exc)}") from exc
    await configure(conn)
    return conn


def _connect_reason(exc: psycopg.Error) -> str:
    text = str(exc)
    if "password authentication failed" in text or "no password supplied" in text:
        return "用户名或密码错误"
    if "does not exist" in text:
        return "数据库或用户不存在，请先在服务器上创建"
    if "refused" in text or "timeout" in text.lower() or "could not translate host" in text:
        return "连接不上数据库服务器，请检查地址、端口和服务器是否运行"
    return text.strip()


async def _migrate(conn: AsyncConnection, location: str) -> None:
    """Brings the schema up to date, one replica at a time (others wait, then find it
    done). Each migration and its version commit together."""
    await conn.execute("SELECT pg_advisory_lock(%s, %s)", MIGRATE_LOCK)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        rows = await (await conn.execute("SELECT max(version) FROM schema_version")).fetchall()
        current = rows[0][0] or 0
        newest = migrations()[-1][0]
        if current > newest:
            raise StoreError.newer_schema(location, current, newest)
        for version, sql in migrations():
            if version <= current:
                continue
            async with conn.transaction():
                await conn.execute(sql)  # several statements: no parameters
                await conn.execute("DELETE FROM schema_version")
                await conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s, %s)", MIGRATE_LOCK)
