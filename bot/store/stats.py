"""The queries of statistics by locality (bot/stats.py): counts from the stat_counts
aggregate (migrations 0008, 0010), and the articles and cases behind them."""

from __future__ import annotations

from typing import Any

from bot.store.articles import _CASES
from bot.store.base import _marks
from bot.store.db import Store

ALL_TOPICS = ""  # stat_counts.topic of the rows that count every article


async def place_counts(
    store: Store, prefix: str, date_from: str, date_to: str, topic: str | None
) -> list[tuple[str, int, int]]:
    """(code, articles, cases) of every place whose code starts with `prefix` (a division's
    code, or "15" for the whole region), counted on their own code, between the dates."""
    rows = await store.conn.execute_fetchall(
        "SELECT code, sum(articles), sum(cases) FROM stat_counts"
        " WHERE topic = ? AND code >= ? AND code < ? AND date >= ? AND date <= ?"
        " GROUP BY code",
        (topic or ALL_TOPICS, prefix, prefix + ":", date_from, date_to),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def monthly_counts(
    store: Store, prefix: str, depth: int, date_from: str, date_to: str, topic: str | None
) -> list[tuple[str, int, int]]:
    """(YYYY-MM, articles, cases) under `prefix` by month: articles on the codes `depth`
    characters long (the place itself, or the 盟市 for the region: each article once),
    cases on every code under it."""
    rows = await store.conn.execute_fetchall(
        "SELECT substr(date, 1, 7) AS month,"
        " sum(CASE WHEN length(code) = ? THEN articles ELSE 0 END), sum(cases)"
        " FROM stat_counts WHERE topic = ? AND code >= ? AND code < ? AND date >= ?"
        " AND date <= ? GROUP BY month ORDER BY month",
        (depth, topic or ALL_TOPICS, prefix, prefix + ":", date_from, date_to),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def topic_counts(
    store: Store, codes: list[str], date_from: str, date_to: str
) -> list[tuple[str, int]]:
    """(topic, articles) of the articles primarily about any of `codes` (distinct levels
    never hold the same article twice: give one level), most first."""
    rows = await store.conn.execute_fetchall(
        "SELECT topic, sum(articles) AS n FROM stat_counts WHERE topic != ''"
        f" AND code IN ({_marks(codes)}) AND date >= ? AND date <= ?"
        " GROUP BY topic HAVING sum(articles) > 0 ORDER BY n DESC, topic",
        (*codes, date_from, date_to),
    )
    return [(r[0], r[1]) for r in rows]


async def recent_articles(
    store: Store, code: str | None, date_from: str, date_to: str, topic: str | None, limit: int
) -> list[dict[str, Any]]:
    """The newest articles between the dates primarily about the place `code` (None: about
    any place of the region)."""
    where = ["a.date >= ?", "a.date <= ?", "a.duplicate_of IS NULL"]
    params: list[Any] = [date_from, date_to]
    if code is None:
        # Newest first along articles_date, each checked for a primary place.
        where.append(
            "EXISTS (SELECT 1 FROM article_places p WHERE p.article_id = a.id AND p.is_primary)"
        )
    else:
        where.append(
            "a.id IN (SELECT article_id FROM article_places"
            f" {store.indexed_by('article_places_primary')} WHERE code = ? AND is_primary)"
        )
        params.append(code)
    if topic:
        where.append("a.id IN (SELECT article_id FROM article_topics WHERE topic = ?)")
        params.append(topic)
    return await store._dicts(
        f"SELECT a.id AS article_id, a.title, a.date FROM articles a WHERE {' AND '.join(where)}"
        " ORDER BY a.date DESC, a.id DESC LIMIT ?",
        (*params, limit),
    )


async def cases_under(store: Store, article_ids: list[int], prefix: str) -> list[dict[str, Any]]:
    """The cases of these articles whose place is under `prefix`, newest first, as rows for
    bot.library.case_object."""
    return await store._dicts(
        f"{_CASES} WHERE c.article_id IN ({_marks(article_ids)})"
        " AND c.place >= ? AND c.place < ? ORDER BY a.date DESC, c.id DESC",
        (*article_ids, prefix, prefix + ":"),
    )


async def first_date(store: Store) -> str | None:
    """The oldest article's date: where an open-ended period starts."""
    ((found,),) = await store.conn.execute_fetchall("SELECT min(date) FROM articles")
    return found
