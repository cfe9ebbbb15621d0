"""What every query of the store runs on: the connection, its transactions, and the
errors and values both backends share.

Writes run in explicit transactions so a file's articles land together or not at all.
Batches use `executemany`/`execute_fetchall`: a call costs a thread hop (aiosqlite) or a
round trip (PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from collections.abc import AsyncIterator, Sequence, Sized
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

BUSY_TIMEOUT_S = 10.0  # how long a write waits for another process's transaction


def database_errors() -> tuple[type[Exception], ...]:
    """What a failed statement raises, whichever backend ran it (for `except`). psycopg's
    only once it is loaded, which only a PostgreSQL store does: a SQLite process, and the
    ingest workers under their memory limit, never load it (21 MB of address space)."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error, psycopg.Error) if psycopg else (sqlite3.Error,)


def integrity_errors() -> tuple[type[Exception], ...]:
    """What breaking a UNIQUE or other constraint raises, whichever backend ran it."""
    psycopg = sys.modules.get("psycopg")
    return (
        (sqlite3.IntegrityError, psycopg.IntegrityError) if psycopg else (sqlite3.IntegrityError,)
    )


class StoreError(Exception):
    """The database cannot be opened or used; the message is for the user (Chinese)."""

    @classmethod
    def on_open(cls, path: object, exc: Exception) -> StoreError:
        reason = _reason(exc) or str(exc)
        return cls(f"数据库 {path} 无法使用：{reason}。")

    @classmethod
    def newer_schema(cls, location: str, current: int, newest: int) -> StoreError:
        """Its tables may mean things this casebot does not know; writing would corrupt them
        for the casebot that made it."""
        return cls(
            f"数据库 {location} 由更新版本的 casebot 创建（结构版本 {current}，"
            f"本程序只支持到 {newest}）。请升级 casebot 后再使用，或换用其他数据库文件。"
        )

    @classmethod
    def on_read(cls, path: object, exc: Exception) -> StoreError:
        """An error met while reading an open database: short of a cause the user can act
        on, a page of the file is damaged (SQLite checks pages only as it reads them)."""
        reason = _reason(exc) or f"文件已损坏（SQLite：{exc}）"
        return cls(
            f"数据库 {path} 无法使用：{reason}。请用备份（如 *.bak）恢复，"
            "或用 sqlite3 的 .recover 导出能读出的内容。"
        )

    @classmethod
    def on_write(cls, exc: Exception) -> StoreError:
        """A failed write, explained: the transaction was rolled back, so what was stored
        before is intact and the files of the failed batch can simply be imported again."""
        reason = _reason(exc) or f"数据库写入失败（{exc}）"
        return cls(f"{reason}。已入库的内容完好，本批未写完的文件未导入，处理后重新导入即可。")


def _reason(exc: Exception) -> str | None:
    """The database's English error, said in Chinese where it has a cause the user can act
    on."""
    text = str(exc).lower()
    if "full" in text or "no space left" in text:
        return "磁盘空间不足"
    if "readonly" in text or "read-only" in text:
        # Even reading needs the -wal and -shm files beside the database.
        return "数据库文件只读，请检查该文件及其所在目录的写权限"
    if "locked" in text or "busy" in text:
        return "数据库被其他程序占用"
    if "not a database" in text or "malformed" in text:
        return "文件不是 casebot 的数据库，或已损坏"
    return None


class StoreBase:
    """The connection and its transactions, whatever the backend; the queries are in the
    classes built on it (articles.py, search.py, chats.py), joined in bot.store.db.Store,
    and each backend (bot/store/sqlite/, bot/store/postgres/) supplies the connection.

    `conn` answers `execute`, `execute_fetchall` and `executemany` with `?` and `:name`
    placeholders on both backends, so the shared queries are written once, in SQL both
    understand."""

    dialect: str  # "sqlite" or "postgresql"

    def __init__(self, conn: Any, location: str) -> None:
        self.conn = conn
        self.location = location  # shown in messages: the file, or the URL without password
        self._writer = asyncio.Lock()
        self._exclusive: dict[str, asyncio.Lock] = {}
        # Bumped by every change to the articles or what was extracted from them made
        # through this store, so answers cached in this process know they are out of date.
        self.library_edits = 0
        # A bot's store (every replica's): its changes are also counted in the database, so
        # the answers every replica caches see them at once (see edit_count).
        self.shares_edits = False

    async def _edited(self) -> None:
        """Count a change to the library, in the caller's transaction."""
        self.library_edits += 1
        if self.shares_edits:
            await self.conn.execute(
                "INSERT INTO library_edits (id, edits) VALUES (1, 1)"
                " ON CONFLICT (id) DO UPDATE SET edits = library_edits.edits + 1"
            )

    async def edit_count(self) -> int:
        """Changes to the library made by the bot (by any replica of it, for a store that
        shares its edits), else through this store; changes by other programs (an ingest
        from the command line) are not counted."""
        if not self.shares_edits:
            return self.library_edits
        rows = await self.conn.execute_fetchall("SELECT edits FROM library_edits")
        return rows[0][0] if rows else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        await self.begin()
        try:
            yield
        except BaseException:
            await self.rollback()
            raise
        await self.commit()

    # One writer at a time: SQLite has one transaction per connection and one writer per
    # file; PostgreSQL writers take one lock (see postgres/store.py) so that what a write
    # reads before it writes (the next article id, a fingerprint) is still true when it
    # commits. Coroutines of this process queue here, without holding a connection.
    async def begin(self) -> None:
        await self._writer.acquire()
        try:
            await self._begin()
        except BaseException:
            self._writer.release()
            raise

    async def commit(self) -> None:
        try:
            await self._commit()
        finally:
            self._writer.release()

    async def rollback(self) -> None:
        try:
            await self._rollback()
        finally:
            self._writer.release()

    async def _begin(self) -> None:
        raise NotImplementedError

    async def _commit(self) -> None:
        raise NotImplementedError

    async def _rollback(self) -> None:
        raise NotImplementedError

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """Runs the block while no other holder of `name` runs one: scheduled work (a digest
        round, a poll of the sources) done once however many bot processes share the
        database. Waits for the lock. Here, within this process; PostgreSQL's store extends
        it to every process on the server."""
        async with self._exclusive.setdefault(name, asyncio.Lock()):
            yield

    def indexed_by(self, index: str) -> str:
        """A hint naming the index a table is read by, where the backend takes one."""
        return ""

    async def _dicts(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        cursor = await self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = await cursor.fetchall()
        await cursor.close()
        return [dict(zip(names, row, strict=True)) for row in rows]


def read_migrations(package: str) -> list[tuple[int, str]]:
    """(version, sql) for every file in the package's migrations/, in order. Both backends
    number their files the same: version N is the same change on either."""
    folder = resources.files(package) / "migrations"
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text("utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


# json.dumps with an option builds an encoder per call; ingest encodes ~10 values an article.
# Without the spaces after separators: place mentions and figures are arrays of short
# fields, whose JSON the spaces made an eighth longer.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    return _JSON.encode(value)


def _marks(items: Sized) -> str:
    """The placeholders of `IN (…)` for these items; NULL for none (matching nothing), as
    PostgreSQL refuses an empty list."""
    return ", ".join("?" * len(items)) or "NULL"


def _under(codes: Sequence[str], column: str) -> tuple[str, list[str]]:
    """`column` is one of the codes or a descendant's (a code prefixes its descendants';
    codes are digits, and ':' sorts right after '9'). Empty codes match nothing."""
    if not codes:
        return "0", []
    sql = " OR ".join(f"({column} >= ? AND {column} < ?)" for _ in codes)
    return f"({sql})", [v for c in codes for v in (c, c + ":")]
