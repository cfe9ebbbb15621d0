"""The store: opening a database, migrating it, and every query class joined in one
`Store` (articles and ingest writes in articles.py, search in search.py, chats, access and
the audit log in chats.py; subscriptions.py and stats.py hold functions over a Store)."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.segment import han_set
from bot.store.articles import ArticleQueries
from bot.store.base import BUSY_TIMEOUT_S, StoreError
from bot.store.chats import ChatQueries
from bot.store.search import SearchQueries
from bot.text import to_simplified


def migrations() -> list[tuple[int, str]]:
    """(version, sql) for every file in migrations/, in order."""
    folder = resources.files("bot.store") / "migrations"
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text("utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


class Store(ArticleQueries, SearchQueries, ChatQueries):
    @classmethod
    async def open(cls, path: Path | str) -> Store:
        path = Path(path)
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

    async def data_version(self) -> int:
        """Changes whenever the article table does: what cached search data is keyed on."""
        ((n, top),) = await self.conn.execute_fetchall(
            "SELECT count(*), coalesce(max(id), 0) FROM articles"
        )
        return n * 1_000_003 + top

    async def integrity_check(self) -> str:
        ((result,),) = await self.conn.execute_fetchall("PRAGMA integrity_check")
        return result


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
