"""The SQLite store: one file, nothing to run, right for one department.

One aiosqlite connection per process, WAL, foreign keys on. Writes run in `BEGIN IMMEDIATE`
transactions. Migrations are the numbered files of migrations/ (PostgreSQL's have the same
numbers), applied in order, the schema version kept in `PRAGMA user_version`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite

from bot.segment import han_set
from bot.store.base import BUSY_TIMEOUT_S, StoreError, read_migrations
from bot.store.db import Store
from bot.store.sqlite.search import Fts5Index
from bot.text import to_simplified


def migrations() -> list[tuple[int, str]]:
    return read_migrations("bot.store.sqlite")


class SqliteStore(Fts5Index, Store):
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        super().__init__(conn, str(path))
        self.path = path

    @classmethod
    async def connect(cls, path: Path) -> SqliteStore:
        if path.is_dir():  # SQLite fails late on a folder, leaving aiosqlite's thread behind
            raise StoreError(f"无法打开数据库 {path}：这是一个文件夹，请给出数据库文件的路径。")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            folders = [path.parent, *path.parent.parents]
            blocker = next((p for p in folders if p.exists() and not p.is_dir()), path.parent)
            raise StoreError(f"无法打开数据库 {path}：{blocker} 是文件，不是文件夹。") from exc
        except PermissionError as exc:
            raise StoreError(f"无法打开数据库 {path}：没有权限创建文件夹 {exc.filename}。") from exc
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"无法打开数据库 {path}：{exc}") from exc
        store = cls(conn, path)
        try:
            await store._configure()
            await store._migrate()
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise StoreError.on_open(path, exc) from exc
        except StoreError:
            await conn.close()
            raise
        return store

    async def close(self) -> None:
        await self.conn.close()

    async def _configure(self) -> None:
        # Used by migration 0004 to index the characters of articles stored before it.
        await self.conn.create_function(
            "han_set", 1, lambda text: han_set(to_simplified(text).lower()), deterministic=True
        )
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA foreign_keys = ON",
            f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}",
            "PRAGMA synchronous = NORMAL",
            # An ingest batch dirties the growing edge of a dozen tables and indexes and leaves
            # of the place-code indexes; the default 2 MB cache spilled them to the WAL again
            # and again within one transaction (1.9 GB written for 10k articles, 1.1 GB with
            # this 32 MB, allocated only as pages are used).
            "PRAGMA cache_size = -32768",
        ):
            await self.conn.execute(pragma)

    async def _migrate(self) -> None:
        ((current,),) = await self.conn.execute_fetchall("PRAGMA user_version")
        newest = migrations()[-1][0]
        if current > newest:
            raise StoreError.newer_schema(self.location, current, newest)
        pending = [(version, sql) for version, sql in migrations() if version > current]
        if pending and current > 0:
            await self._back_up(self.path.with_name(f"{self.path.name}.v{current}.bak"))
        for version, sql in pending:
            async with self.transaction():
                # executescript would commit our transaction; run statements one by one.
                for statement in _statements(sql):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {version}")

    async def _back_up(self, target: Path) -> None:
        """A consistent copy of the database as it was before a schema upgrade, so an
        upgrade that goes wrong (or a rollback to the older casebot) loses nothing."""
        target.unlink(missing_ok=True)
        await self.conn.execute("VACUUM INTO ?", (str(target),))

    def indexed_by(self, index: str) -> str:
        return f"INDEXED BY {index}"

    async def _new_article_ids(self, n: int) -> range:
        """Ids for `n` new articles, in the write transaction (which makes them ours): after
        the largest, as SQLite gives a rowid."""
        ((last,),) = await self.conn.execute_fetchall("SELECT coalesce(max(id), 0) FROM articles")
        return range(last + 1, last + 1 + n)

    async def integrity_check(self) -> str:
        """ "ok", or what SQLite found wrong with the file or the search index."""
        try:
            for table in ("article_fts", "article_chars"):
                await self.conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            return f"search index: {exc}"
        ((result,),) = await self.conn.execute_fetchall("PRAGMA integrity_check")
        return result

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting out a lock SQLite reports without waiting itself: while
        another coroutine's SELECT is between its steps on this connection, its snapshot
        may be older than another process's commit, and SQLite answers "database is locked"
        at once instead of calling the busy handler. The SELECT ends in milliseconds."""
        delay = 0.005
        waited = 0.0
        while True:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or waited >= BUSY_TIMEOUT_S:
                    raise
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 0.2)

    async def _commit(self) -> None:
        try:
            await self.conn.execute("COMMIT")
        except BaseException:
            await self._rollback()
            raise

    async def _rollback(self) -> None:
        # SQLite has already rolled back after some errors (a full disk, for one); a second
        # ROLLBACK would fail and hide the error that matters.
        if self.conn.in_transaction:
            await self.conn.execute("ROLLBACK")


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (sqlite3.complete_statement knows quoting)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
