"""The SQL of search: candidates under the filters, ranked by the index, and the index's
vocabulary. The steps are the same on both backends; each backend's index (FTS5 in
sqlite/search.py, tsvector in postgres/search.py) answers the few questions they ask it:
which articles match an expression, how well, and which words it holds.

Expressions are FTS5 query strings built by bot/search/expression.py; PostgreSQL's index
reads them as tsquery (postgres/tsquery.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.base import StoreBase, _marks, _under

IndexTerms = tuple[str, str, str, str, str]  # bot.ingest.pipeline.index_terms

CANDIDATES = 2000  # newest matches a search ranks


# Matches are counted as far as they are ranked; more are reported as COUNT_CAP + 1 (shown
# as "2000 余"): counting further would cost every query what the broadest one costs.
COUNT_CAP = CANDIDATES


FULL_RANK = 500  # candidates few enough to rank by BM25 over the whole expression


COMMON_PLACE = 4000  # article_places rows under a place that make it common (see _filter_sql)


@dataclass(frozen=True)
class SearchFilter:
    """What search results must satisfy besides the FTS5 expression."""

    # Each entry is required: the article names a division under one of the codes, or its
    # text matches the FTS5 expression (the place's name, where extraction did not count it).
    places: tuple[tuple[tuple[str, ...], str | None], ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    column: str | None = None
    topic: str | None = None
    exclude: str | None = None  # FTS5 expression of what must not match (no positive match)
    chars: str | None = None  # article_chars expression: one-character words required


class SearchQueries(StoreBase):
    async def search_articles(
        self,
        match: str | None,
        rank_match: str | None,
        where: SearchFilter,
        limit: int,
        named: str | None = None,
    ) -> tuple[int, list[tuple[int, float]]]:
        """The number of matches (counted up to COUNT_CAP + 1) and the best `limit` of
        (article_id, score), then the newest `limit` of the candidates mainly about the
        filter's places that are not among them, at the lowest score of the best.

        With an FTS5 expression, only the newest CANDIDATES matches are ranked, so a query
        matching most of the library costs what one matching CANDIDATES articles does.
        Up to FULL_RANK of them are ranked by BM25 over `match`; more, and matches of
        `rank_match` (the words-only expression, cheap to rank) come first by BM25, then
        the others by BM25 over `match`. The articles mainly about the filter's places are
        added so that the rerank sees them: a place filter keeps every article naming the
        place, and the few about it may rank far down among those naming it once. Without
        an expression, see `_filtered`, where `named` ranks.
        """
        if not match:
            return await self._filtered(where, limit, named)
        common = await self._common_places(where)
        conditions, params = self._filter_sql(where, self.INDEX_ID, common)
        rows = await self.conn.execute_fetchall(
            f"SELECT {self.INDEX_ID} FROM article_fts WHERE {self.INDEX_MATCH} AND {conditions}"
            f" ORDER BY {self.INDEX_ID} DESC LIMIT {COUNT_CAP + 1}",
            (self._expression(match), *params),
        )
        # Every filter is applied once, above; ranking reads only these candidates.
        candidates = [r[0] for r in rows[:CANDIDATES]]
        if not candidates:
            return 0, []
        ranked: list[tuple[int, float]] = []
        # Few candidates: BM25 over the whole expression, words and substrings alike (a text
        # jieba cut another way is not ranked below every word match). Many: words first.
        passes = (match,) if len(candidates) <= FULL_RANK else (rank_match, match)
        for expression in passes:
            if expression is None or len(ranked) >= limit:
                continue
            found = await self._scores_among(expression, candidates, limit)
            seen = {i for i, _ in ranked}
            ranked += [(i, score) for i, score in found if i not in seen]
        ranked = ranked[:limit]
        seen = {i for i, _ in ranked}
        about = [i for i in await self._about(where, candidates) if i not in seen]
        # At the pool's lowest score: BM25 among a few ids costs what it costs among all the
        # matches (FTS5 filters rowids after ranking), up to 80 ms on 100,000 articles.
        floor = min((score for _, score in ranked), default=0.0)
        ranked += [(i, floor) for i in sorted(about, reverse=True)[:limit]]
        return len(rows), ranked

    async def _filtered(
        self, where: SearchFilter, limit: int, named: str | None
    ) -> tuple[int, list[tuple[int, float]]]:
        """Articles meeting the filters alone: of the newest CANDIDATES, those mainly about
        the filter's places first, then by BM25 over `named` (the places' names, also where
        they are part of a longer name), then the newest."""
        common = await self._common_places(where)
        conditions, params = self._filter_sql(where, "a.id", common)
        rows = await self.conn.execute_fetchall(
            f"SELECT a.id FROM articles a WHERE {conditions}"
            f" ORDER BY a.date DESC, a.id DESC LIMIT {COUNT_CAP + 1}",
            params,
        )
        newest = [r[0] for r in rows[:CANDIDATES]]
        about = await self._about(where, newest)
        scores = dict(await self._scores_among(named, newest)) if named and newest else {}
        best = sorted(newest, key=lambda i: (-about.get(i, 0), -scores.get(i, 0.0)))[:limit]
        return len(rows), [(i, about.get(i, 0) + scores.get(i, 0.0)) for i in best]

    async def _about(self, where: SearchFilter, ids: list[int]) -> dict[int, int]:
        """Of `ids`, those mainly about the filter's places, with how many of them."""
        about: dict[int, int] = {}
        for codes, _ in where.places if ids else ():
            under, under_params = _under(codes, "code")
            found = await self.conn.execute_fetchall(
                "SELECT DISTINCT article_id FROM article_places WHERE is_primary AND"
                f" {under} AND article_id IN ({_marks(ids)})",
                (*under_params, *ids),
            )
            for (article_id,) in found:
                about[article_id] = about.get(article_id, 0) + 1
        return about

    async def _scores_among(
        self, expression: str, ids: list[int], limit: int = -1
    ) -> list[tuple[int, float]]:
        """(id, score) of those of `ids` matching `expression`, best first, at most `limit`
        (-1: all)."""
        raise NotImplementedError

    async def _common_places(self, where: SearchFilter) -> set[int]:
        """Which of the filter's places the library names often (COMMON_PLACE rows or more):
        cheaper checked article by article than read whole (see `_filter_sql`)."""
        common = set()
        for n, (codes, _) in enumerate(where.places):
            under, under_params = _under(codes, "code")
            ((rows,),) = await self.conn.execute_fetchall(
                f"SELECT count(*) FROM (SELECT 1 FROM article_places WHERE {under}"
                f" LIMIT {COMMON_PLACE}) AS named",
                under_params,
            )
            if rows >= COMMON_PLACE:
                common.add(n)
        return common

    async def matches_any(self, match: str) -> bool:
        rows = await self.conn.execute_fetchall(
            f"SELECT 1 FROM article_fts WHERE {self.INDEX_MATCH} LIMIT 1",
            (self._expression(match),),
        )
        return bool(rows)

    async def count_matches(self, match: str) -> int:
        """How many articles the index matches for the expression, uncounted by any cap:
        what bench/search_bench.py's recall check holds against a substring scan."""
        ((n,),) = await self.conn.execute_fetchall(
            f"SELECT count(*) FROM article_fts WHERE {self.INDEX_MATCH}",
            (self._expression(match),),
        )
        return n

    async def vocabulary(self, min_docs: int = 2) -> list[str]:
        """Words of the index (jieba words of titles and bodies) in at least `min_docs`
        articles, most frequent first."""
        raise NotImplementedError

    async def index_articles(self, rows: Sequence[tuple[int, IndexTerms]]) -> None:
        """Adds articles to the search index, in the caller's transaction."""
        raise NotImplementedError

    async def unindex_articles(self, rows: Sequence[tuple[int, IndexTerms]]) -> None:
        """Takes articles out of the search index (given the terms they were indexed with),
        in the caller's transaction."""
        raise NotImplementedError

    # What each backend's index answers to (see the module docstring).
    INDEX_ID = ""  # the article id column of article_fts
    INDEX_MATCH = ""  # the condition "article_fts matches the expression bound at ?"
    CHARS_MATCHING = ""  # the ids of article_chars rows matching the expression bound at ?
    UNINDEXED = "{}"  # an id column where the planner must not probe an index per id

    def _expression(self, expression: str) -> str:
        """An expression as this backend's index reads it."""
        raise NotImplementedError

    def _filter_sql(
        self,
        f: SearchFilter,
        id_column: str,
        common: Collection[int] = (),
    ) -> tuple[str, list[Any]]:
        """The filters as conditions on an article id. Each is a set of ids read once from
        its index (SQLite: the `+` of UNINDEXED keeps it from probing an FTS5 table once per
        id), so a filter costs what its set does, however many articles the query's words
        match. Places in `common` are the exception: read whole, their sets would cost more
        than checking, article by article, the few newest matches a search needs; for them
        only what extraction resolved counts, not the bare name (a widely named place is
        rarely missed by extraction)."""
        unindexed = self.UNINDEXED.format(id_column)
        where = [f"{unindexed} NOT IN (SELECT id FROM articles WHERE duplicate_of IS NOT NULL)"]
        params: list[Any] = []
        matching = f"SELECT {self.INDEX_ID} FROM article_fts WHERE {self.INDEX_MATCH}"

        def within(subquery: str, *values: Any, negate: bool = False) -> None:
            where.append(f"{unindexed} {'NOT ' if negate else ''}IN ({subquery})")
            params.extend(values)

        if f.date_from or f.date_to:
            within(
                "SELECT id FROM articles WHERE date >= ? AND date <= ?",
                f.date_from or "",
                f.date_to or "9999",
            )
        if f.column:
            within("SELECT id FROM articles WHERE column_name LIKE ?", f"%{f.column}%")
        if f.topic:
            within("SELECT article_id FROM article_topics WHERE topic = ?", f.topic)
        for n, (codes, literal) in enumerate(f.places):
            under, under_params = _under(codes, "code")
            if n in common:
                where.append(
                    "EXISTS (SELECT 1 FROM article_places"
                    f" WHERE article_id = {id_column} AND {under})"
                )
                params.extend(under_params)
                continue
            subquery = f"SELECT article_id FROM article_places WHERE {under}"
            if literal:
                subquery += f" UNION ALL {matching}"
            within(subquery, *under_params, *([self._expression(literal)] if literal else []))
        if f.exclude:
            within(matching, self._expression(f.exclude), negate=True)
        if f.chars:
            within(self.CHARS_MATCHING, self._expression(f.chars))
        return " AND ".join(where), params
