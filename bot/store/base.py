"""The connection every query of the store runs on, and its transactions.

One aiosqlite connection per process, WAL, foreign keys on. Writes run in explicit
`BEGIN IMMEDIATE` transactions so a file's articles land together or not at all.
aiosqlite costs a thread hop per call, so batches use `executemany`/`execute_fetchall`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence, Sized
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_S = 10.0  # how long a write waits for another process's transaction


class StoreError(Exception):
    """The database cannot be opened or used; the message is for the user (Chinese)."""

    @classmethod
    def on_open(cls, path: Path, exc: sqlite3.Error) -> StoreError:
        reason = _reason(exc) or str(exc)
        return cls(f"数据库 {path} 无法使用：{reason}。")

    @classmethod
    def on_read(cls, path: Path, exc: sqlite3.DatabaseError) -> StoreError:
        """An error met while reading an open database: short of a cause the user can act
        on, a page of the file is damaged (SQLite checks pages only as it reads them)."""
        reason = _reason(exc) or f"文件已损坏（SQLite：{exc}）"
        return cls(
            f"数据库 {path} 无法使用：{reason}。请用备份（如 *.bak）恢复，"
            "或用 sqlite3 的 .recover 导出能读出的内容。"
        )

    @classmethod
    def on_write(cls, exc: sqlite3.Error) -> StoreError:
        """A failed write, explained: the transaction was rolled back, so what was stored
        before is intact and the files of the failed batch can simply be imported again."""
        reason = _reason(exc) or f"数据库写入失败（{exc}）"
        return cls(f"{reason}。已入库的内容完好，本批未写完的文件未导入，处理后重新导入即可。")


def _reason(exc: sqlite3.Error) -> str | None:
    """SQLite's English error, said in Chinese where it has a cause the user can act on."""
    text = str(exc).lower()
    if "full" in text:
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
    """The connection and its transactions; the queries are in the classes built on it
    (bot/store/articles.py, search.py, chats.py) and bot.store.db.Store joins them."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._writer = asyncio.Lock()
        self._exclusive: dict[str, asyncio.Lock] = {}
        # Bumped by every change to the articles or what was extracted from them made
        # through this store, so answers cached in this process know they are out of date.
        self.library_edits = 0
        # A bot's store (every replica's): its changes are also counted in the database, so
        # the answers every replica caches see them at once (see edit_count).
        self.shares_edits = False

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Scheduled work called `name` (a digest round, a source poll) runs in one place at a
        time, the block waiting its turn. SQLite serves one bot process, so a lock in this
        process does; the PostgreSQL store holds an advisory lock across replicas."""
        async with self._exclusive.setdefault(name, asyncio.Lock()):
            yield True

    async def _edited(self) -> None:
        """Count a change to the library, in the caller's transaction."""
        self.library_edits += 1
        if self.shares_edits:
            await self.conn.execute("UPDATE library_edits SET edits = edits + 1")

    async def edit_count(self) -> int:
        """Changes to the library made by the bot (by any replica of it, for a store that
        shares its edits), else through this store; changes by other programs (an ingest
        from the command line) are not counted."""
        if not self.shares_edits:
            return self.library_edits
        ((edits,),) = await self.conn.execute_fetchall("SELECT edits FROM library_edits")
        return edits

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        await self.begin()
        try:
            yield
        except BaseException:
            await self.rollback()
            raise
        await self.commit()

    # One connection serves every coroutine of the process (the bot handles an upload while
    # it answers searches), and SQLite has one transaction per connection: a second BEGIN
    # waits here until the first transaction ends.
    async def begin(self) -> None:
        await self._writer.acquire()
        try:
            await self._begin_immediate()
        except BaseException:
            self._writer.release()
            raise

    async def _begin_immediate(self) -> None:
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

    async def commit(self) -> None:
        try:
            await self.conn.execute("COMMIT")
        except BaseException:
            await self._roll_back_if_open()
            raise
        finally:
            self._writer.release()

    async def rollback(self) -> None:
        try:
            await self._roll_back_if_open()
        finally:
            self._writer.release()

    async def _roll_back_if_open(self) -> None:
        # SQLite has already rolled back after some errors (a full disk, for one); a second
        # ROLLBACK would fail and hide the error that matters.
        if self.conn.in_transaction:
            await self.conn.execute("ROLLBACK")

    async def _dicts(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        cursor = await self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = await cursor.fetchall()
        await cursor.close()
        return [dict(zip(names, row, strict=True)) for row in rows]


# json.dumps with an option builds an encoder per call; ingest encodes ~10 values an article.
# Without the spaces after separators: place mentions and figures are arrays of short
# fields, whose JSON the spaces made an eighth longer.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    return _JSON.encode(value)


def _marks(items: Sized) -> str:
    return ", ".join("?" * len(items))


def _under(codes: Sequence[str], column: str) -> tuple[str, list[str]]:
    """`column` is one of the codes or a descendant's (a code prefixes its descendants';
    codes are digits, and ':' sorts right after '9'). Empty codes match nothing."""
    if not codes:
        return "0", []
    sql = " OR ".join(f"({column} >= ? AND {column} < ?)" for _ in codes)
    return f"({sql})", [v for c in codes for v in (c, c + ":")]
