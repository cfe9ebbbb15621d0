"""The store: every query class joined in one `Store` (articles and ingest writes in
articles.py, search in search.py, chats, access and the audit log in chats.py;
subscriptions.py, stats.py, sources.py and edits.py hold functions over a Store), opened on
SQLite (bot/store/sqlite/) or PostgreSQL (bot/store/postgres/)."""

from __future__ import annotations

from pathlib import Path

from bot.store.articles import ArticleQueries
from bot.store.chats import ChatQueries
from bot.store.search import SearchQueries
from bot.values import is_database_url


class Store(ArticleQueries, SearchQueries, ChatQueries):
    @staticmethod
    async def open(target: Path | str) -> Store:
        """The library at `target`: a SQLite file's path, or a postgresql:// URL."""
        if is_database_url(target):
            from bot.store.postgres import PostgresStore  # psycopg's pool only when asked for

            return await PostgresStore.connect(str(target))
        from bot.store.sqlite import SqliteStore

        return await SqliteStore.connect(Path(target))

    async def close(self) -> None:
        raise NotImplementedError

    async def data_version(self) -> int:
        """Changes whenever the article table does: what cached search data is keyed on."""
        ((n, top),) = await self.conn.execute_fetchall(
            "SELECT count(*), coalesce(max(id), 0) FROM articles"
        )
        return n * 1_000_003 + top
