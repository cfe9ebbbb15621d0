"""SQLite's search index: FTS5 tables (migrations 0001, 0003, 0004), contentless, the rowid
an article's id: words and grams in article_fts, one-character words in article_chars."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.store.search import IndexTerms, SearchQueries


class Fts5Index(SearchQueries):
    INDEX_ID = "article_fts.rowid"
    INDEX_MATCH = "article_fts MATCH ?"
    CHARS_MATCHING = "SELECT rowid FROM article_chars WHERE article_chars MATCH ?"
    UNINDEXED = "+{}"

    def _expression(self, expression: str) -> str:
        return expression

    async def _scores_among(
        self, expression: str, ids: list[int], limit: int = -1
    ) -> list[tuple[int, float]]:
        """BM25 with the weights set in migration 0001. The rowid bound lets FTS5 skip the
        doclists below the ids."""
        rows = await self.conn.execute_fetchall(
            "SELECT rowid, -rank FROM article_fts WHERE article_fts MATCH ?"
            " AND rowid >= ? AND +rowid IN (SELECT value FROM json_each(?))"
            " ORDER BY rank LIMIT ?",
            (expression, min(ids), json.dumps(ids), limit),
        )
        return [(r[0], float(r[1])) for r in rows]

    async def vocabulary(self, min_docs: int = 2) -> list[str]:
        rows = await self.conn.execute_fetchall(
            "SELECT term FROM article_vocab WHERE col IN ('title_words', 'body_words')"
            " GROUP BY term HAVING sum(doc) >= ? ORDER BY sum(doc) DESC",
            (min_docs,),
        )
        return [r[0] for r in rows]

    async def index_articles(self, rows: Sequence[tuple[int, IndexTerms]]) -> None:
        await self.conn.executemany(
            "INSERT INTO article_fts (rowid, title_words, body_words, title_grams, body_grams)"
            " VALUES (?, ?, ?, ?, ?)",
            [(i, *terms[:4]) for i, terms in rows],
        )
        await self.conn.executemany(
            "INSERT INTO article_chars (rowid, chars) VALUES (?, ?)",
            [(i, terms[4]) for i, terms in rows],
        )

    async def unindex_articles(self, rows: Sequence[tuple[int, IndexTerms]]) -> None:
        # Contentless tables forget a row only when told the terms it was indexed with.
        await self.conn.executemany(
            "INSERT INTO article_fts (article_fts, rowid, title_words, body_words, title_grams,"
            " body_grams) VALUES ('delete', ?, ?, ?, ?, ?)",
            [(i, *terms[:4]) for i, terms in rows],
        )
        await self.conn.executemany(
            "INSERT INTO article_chars (article_chars, rowid, chars) VALUES ('delete', ?, ?)",
            [(i, terms[4]) for i, terms in rows],
        )
