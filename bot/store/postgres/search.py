"""PostgreSQL's search index: a tsvector per article in article_fts and its one-character
words in article_chars (migrations 0001 and 0004), each with a GIN index; literals built
in Python (postgres/tsquery.py), so no text search configuration or extension is needed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.store.postgres.tsquery import characters, tokens, tsquery, tsvector
from bot.store.search import COUNT_CAP, IndexTerms, SearchQueries

# ts_rank's weights for {D, C, B, A}: FTS5's bm25 weights of migration 0001 (title words
# 10, body words 2, title grams 3, body grams 0.5), scaled to at most 1.
_WEIGHTS = "{0.05, 0.3, 0.2, 1.0}"
# Rank normalisation 1: divided by 1 + log(the article's length), where BM25 has its
# length normalisation.
_RANK = f"ts_rank('{_WEIGHTS}', terms, CAST(? AS tsquery), 1)"


class TsvectorIndex(SearchQueries):
    INDEX_ID = "article_fts.article_id"
    INDEX_MATCH = "article_fts.terms @@ CAST(? AS tsquery)"
    CHARS_MATCHING = "SELECT article_id FROM article_chars WHERE chars @@ CAST(? AS tsquery)"
    UNINDEXED = "{}"

    def _expression(self, expression: str) -> str:
        return tsquery(expression)

    async def _scores_among(
        self, expression: str, ids: list[int], limit: int = -1
    ) -> list[tuple[int, float]]:
        query = tsquery(expression)
        rows = await self.conn.execute_fetchall(
            f"SELECT article_id, {_RANK} AS score FROM article_fts"
            " WHERE article_id = ANY(?) AND terms @@ CAST(? AS tsquery)"
            " ORDER BY score DESC, article_id DESC LIMIT ?",
            (query, list(ids), query, None if limit < 0 else limit),
        )
        return [(r[0], float(r[1])) for r in rows]

    async def matches_any(self, match: str) -> bool:
        """Asked as the candidates are, newest first up to COUNT_CAP + 1, not with LIMIT 1:
        the planner does not count reading each article's tsvector (stored apart, TOAST),
        so for LIMIT 1 it scans the table hoping for an early match, and a word no article
        holds read all of them (197 ms on 10,000 articles, against 0.1 ms through GIN)."""
        rows = await self.conn.execute_fetchall(
            f"SELECT article_id FROM article_fts WHERE {self.INDEX_MATCH}"
            f" ORDER BY article_id DESC LIMIT {COUNT_CAP + 1}",
            (tsquery(match),),
        )
        return bool(rows)

    async def vocabulary(self, min_docs: int = 2) -> list[str]:
        rows = await self.conn.execute_fetchall(
            "SELECT word FROM index_words WHERE docs >= ? ORDER BY docs DESC, word", (min_docs,)
        )
        return [r[0] for r in rows]

    async def index_articles(self, rows: Sequence[tuple[int, IndexTerms]]) -> None:
        await self.conn.executemany(
            "INSERT INTO article_fts (article_id, terms) VALUES (?, CAST(? AS tsvector))",
            [(i, tsvector(terms)) for i, terms in rows],
        )
        await self.conn.executemany(
            "INSERT INTO article_chars (article_id, chars) VALUES (?, CAST(? AS tsvector))",
            [(i, characters(terms[4])) for i, terms in rows],
        )
        await self._count_words(rows, 1)

    async def unindex_articles(self, rows: Sequence[tuple[int, IndexTerms]]) -> None:
        for table in ("article_fts", "article_chars"):
            await self.conn.executemany(
                f"DELETE FROM {table} WHERE article_id = ?", [(i,) for i, _ in rows]
            )
        await self._count_words(rows, -1)

    async def _count_words(self, rows: Sequence[tuple[int, IndexTerms]], sign: int) -> None:
        """index_words follows the articles indexed (+1) or unindexed (-1): each word once
        per article, one row written per distinct word of the batch."""
        docs = Counter(w for _, terms in rows for w in set(tokens(f"{terms[0]} {terms[1]}")))
        if not docs:
            return
        # One statement over two arrays: a row each took 7.4 of 24.9 s of a 2,000-article
        # ingest (cProfile of bench/ingest_bench.py).
        await self.conn.execute(
            "INSERT INTO index_words (word, docs)"
            " SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS integer[])) ON CONFLICT (word)"
            " DO UPDATE SET docs = index_words.docs + excluded.docs",
            (list(docs), [sign * n for n in docs.values()]),
        )
