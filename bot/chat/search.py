"""What the bot answers: each user action becomes replies (HTML text and buttons).

Handlers parse an update and call one function here; nothing here knows Telegram. Button
callback data is short text the handlers parse back:

    pg:<key>:<page>   a page of the search saved under <key>
    art:<id>          open an article
    sim:<id>          articles similar to one
    ch:<chat>:<what>  a channel setting (admins)
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from html import escape

from bot.access import now_iso
from bot.chat.html import (
    article_messages,
    citation_html,
    search_page_html,
)
from bot.chat.links import OpenArticle, PageHint, SearchPage, SimilarArticles
from bot.chat.reply import Button, InlineResult, Reply, query_key, short_label
from bot.library import CaseCard, article_detail, case_object
from bot.places import get_gazetteer
from bot.search import more_like_this, search
from bot.store import Store
from bot.store.search import COUNT_CAP

PAGE_SIZE = 5  # results per search page in a chat
INLINE_PAGE = 20  # results per inline answer (Telegram allows 50)
KEEP_QUERIES = timedelta(days=90)  # paging buttons older than this say "请重新搜索"
CASES_ONLY = "类型:案例"


async def search_reply(store: Store, query: str, page: int = 1) -> Reply:
    """The first (or given) page of a search, its query saved for the paging buttons."""
    key = query_key(query)
    await store.save_query(key, query.strip(), now_iso())
    return await _search_page(store, key, query, page)


async def page_reply(store: Store, key: str, page: int) -> Reply | None:
    """Another page of a saved search; None when the search is no longer saved."""
    query = await store.saved_query(key)
    return None if query is None else await _search_page(store, key, query, page)


async def _search_page(store: Store, key: str, query: str, number: int) -> Reply:
    number = max(number, 1)
    found = await search(store, query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    shown = min(found.total, COUNT_CAP)
    pages = max(1, math.ceil(shown / PAGE_SIZE))
    if number > pages:  # a button from before the library changed
        return await _search_page(store, key, query, pages)
    offset = (number - 1) * PAGE_SIZE
    pages_text = f"{pages}+" if found.total > COUNT_CAP else str(pages)
    text = search_page_html(found, number=number, pages=pages_text, offset=offset)
    if found.kind == "cases":
        opens = [(c.article_id, c.practice) for c in found.cases]
    else:
        opens = [(h.article_id, h.title) for h in found.hits]
    rows: list[tuple[Button, ...]] = [
        (Button(f"{n}. {short_label(label)}", OpenArticle(article_id)),)
        for n, (article_id, label) in enumerate(opens, start=offset + 1)
    ]
    if pages > 1:
        rows.append(
            (
                Button("◀", SearchPage(key, number - 1) if number > 1 else PageHint("first")),
                Button(f"{number}/{pages_text}", PageHint("count")),
                Button("▶", SearchPage(key, number + 1) if number < pages else PageHint("last")),
            )
        )
    return Reply(text, tuple(rows))


async def article_replies(store: Store, article_id: int) -> list[Reply] | None:
    """An article as one or more messages; the last one carries the "similar" button."""
    detail = await article_detail(store, article_id, with_keywords=False)
    if detail is None:
        return None
    texts = article_messages(detail)
    last = Reply(texts[-1], ((Button("相近文章和案例", SimilarArticles(article_id)),),))
    return [Reply(t) for t in texts[:-1]] + [last]


async def similar_reply(store: Store, article_id: int) -> Reply | None:
    found = await more_like_this(store, article_id, limit=PAGE_SIZE)
    if found is None:
        return None
    if not found.hits:
        return Reply(f"没有找到与《{escape(found.title)}》相近的文章。")
    lines = [f"与《{escape(found.title)}》相近的文章："]
    lines += [f"{n}. {escape(h.title)}（{h.date}）" for n, h in enumerate(found.hits, start=1)]
    rows = tuple(
        (Button(f"{n}. {short_label(h.title)}", OpenArticle(h.article_id)),)
        for n, h in enumerate(found.hits, start=1)
    )
    return Reply("\n".join(lines), rows)


async def inline_answer(store: Store, query: str, offset: str) -> tuple[list[InlineResult], str]:
    """Up to INLINE_PAGE citations from `offset` on, and the next offset ("" at the end)."""
    start = int(offset) if offset.isdigit() else 0
    if not query.strip() or start >= COUNT_CAP:
        return [], ""
    found = await search(store, query, limit=INLINE_PAGE, offset=start)
    gazetteer = get_gazetteer()
    results: list[InlineResult] = []
    if found.kind == "cases":
        for c in found.cases:
            where = " › ".join(c.chain[-2:]) or c.place or ""
            results.append(
                InlineResult(
                    id=f"c{c.case_id}",
                    title=f"【{c.actor}】{c.practice}",
                    description=" · ".join(x for x in (c.date, where, c.title) if x),
                    text=citation_html(c.title, where, c.date, c, ""),
                )
            )
    else:
        ids = [h.article_id for h in found.hits]
        first_case: dict[int, CaseCard] = {}
        for row in await store.cases_of(ids):
            first_case.setdefault(row["article_id"], case_object(row, gazetteer))
        for h in found.hits:
            case = first_case.get(h.article_id)
            where = "、".join(h.places[:2])
            gist = "".join(piece for piece, _ in h.snippet)
            practice = f"{case.actor}：{case.practice}" if case else gist
            results.append(
                InlineResult(
                    id=f"a{h.article_id}",
                    title=h.title,
                    description=" · ".join(x for x in (h.date, where, practice) if x)[:200],
                    text=citation_html(h.title, where, h.date, case, gist),
                )
            )
    more = start + len(results) < min(found.total, COUNT_CAP) and results
    return results, str(start + len(results)) if more else ""


async def warm_up(store: Store) -> None:
    """Load the dictionaries, the gazetteer and the topic model before the first user
    arrives: loaded lazily, they would make the first replies after a start take seconds."""
    await search(store, "党建引领 地区:赤峰", limit=1)
    page = await search(store, f"{CASES_ONLY} 党建", limit=1)
    if page.cases:
        await article_detail(store, page.cases[0].article_id, with_keywords=False)


async def forget_old_queries(store: Store) -> int:
    before = (datetime.now(UTC) - KEEP_QUERIES).isoformat(timespec="seconds")
    return await store.forget_queries_before(before)
