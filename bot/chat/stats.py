"""What the bot answers to /stats and its buttons. Button callback data:

st:<code>:<key>    statistics of a place (empty code: the whole region) for the period
                   and topic saved under <key> (drill down, back up)
stc:<code>:<key>   the same table as a CSV file
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access import now_iso
from bot.charts import draw_in_background
from bot.chat.html import stats_error_html, stats_html
from bot.chat.links import OpenArticle, StatsCsv, StatsPlace
from bot.chat.reply import Button, Reply, query_key, short_label
from bot.places import get_gazetteer
from bot.stats import (
    REGION_CODE,
    Stats,
    StatsError,
    StatsRequest,
    compute,
    csv_name,
    request_from_text,
    stats_csv,
)
from bot.store import Store

DRILL_BUTTONS = 15  # places below with a button, most reported first
PER_ROW = 3


FRESH = timedelta(seconds=60)  # how old a shared answer may be (StatsAnswers)
KEPT = 64  # answers kept, each with its chart (~80 KB)


@dataclass(frozen=True)
class StatsAnswer:
    reply: Reply
    chart: bytes | None = None  # PNG, sent as a photo with (or above) the text


@dataclass(frozen=True)
class _Kept:
    answer: StatsAnswer
    at: datetime
    library_edits: int  # the store's count when it was computed


class StatsAnswers:
    """/stats answers of one bot process, each shared between chats for up to a minute.

    While an ingest in another process runs, the counts change every half second: drawing a
    chart for every answer then queues the charts behind each other, and with 200 chats
    each reply took seconds. So an answer is reused while it is younger than FRESH and
    nothing was stored through the bot since (an upload or /reindex through any replica
    shows at once: Store.edit_count); its text says when it was counted. Chats asking the
    same thing at once wait for one computation.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: OrderedDict[StatsRequest, _Kept] = OrderedDict()
        self._computing: dict[StatsRequest, asyncio.Task[_Kept]] = {}

    async def answer(self, text: str, now: datetime) -> StatsAnswer:
        """/stats with what the user typed after it; `now` in the bot's timezone."""
        try:
            request = request_from_text(text, now.date())
        except StatsError as exc:
            return StatsAnswer(Reply(stats_error_html(exc)))
        return await self._shared(request, now)

    async def button_answer(self, code: str, key: str, now: datetime) -> StatsAnswer | None:
        """Another place's statistics for the period and topic of the message whose button
        was pressed; None when that message's context is no longer saved."""
        request = await _saved_request(self.store, code, key)
        return None if request is None else await self._shared(request, now)

    async def _shared(self, request: StatsRequest, now: datetime) -> StatsAnswer:
        kept = self._kept.get(request)
        if kept and now - kept.at < FRESH and kept.library_edits == await self.store.edit_count():
            self._kept.move_to_end(request)
            return kept.answer
        task = self._computing.get(request)
        if task is None:
            task = asyncio.create_task(self._compute(request, now))
            self._computing[request] = task
        # One chat giving up (its update cancelled) must not cancel the others' answer.
        return (await asyncio.shield(task)).answer

    async def _compute(self, request: StatsRequest, now: datetime) -> _Kept:
        try:
            edits = await self.store.edit_count()  # first: an edit while counting is newer
            stats = await compute(self.store, request)
            kept = _Kept(await _answer(self.store, stats, now), now, edits)
        finally:
            del self._computing[request]
        self._kept[request] = kept
        self._kept.move_to_end(request)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return kept


async def stats_csv_file(store: Store, code: str, key: str) -> tuple[str, bytes] | None:
    """(file name, CSV bytes) of a statistics table, counted now; None when no longer
    saved."""
    request = await _saved_request(store, code, key)
    if request is None:
        return None
    stats = await compute(store, request)
    return csv_name(stats), stats_csv(stats)


async def _saved_request(store: Store, code: str, key: str) -> StatsRequest | None:
    """None also for a code that names no division: callback data can be forged."""
    context = await store.saved_query(key)
    if context is None or (code and code not in get_gazetteer().divisions):
        return None
    return StatsRequest.from_context(context, code or None)


async def _answer(store: Store, stats: Stats, now: datetime) -> StatsAnswer:
    context = stats.request.context()
    key = query_key(context)
    await store.save_query(key, context, now_iso())
    reported = stats.totals.articles or stats.totals.cases
    chart = await draw_in_background(stats) if reported else None
    return StatsAnswer(Reply(stats_html(stats, now), _buttons(stats, key)), chart)


def _buttons(stats: Stats, key: str) -> tuple[tuple[Button, ...], ...]:
    code = stats.place.code if stats.place else ""
    reported = [r for r in stats.rows if r.articles or r.cases][:DRILL_BUTTONS]
    drill = [Button(f"{r.name} {r.articles}/{r.cases}", StatsPlace(r.code, key)) for r in reported]
    rows = [tuple(drill[i : i + PER_ROW]) for i in range(0, len(drill), PER_ROW)]
    rows += [
        (Button(f"📄 {n}. {short_label(a['title'])}", OpenArticle(a["article_id"])),)
        for n, a in enumerate(stats.recent, start=1)
    ]
    last = [Button("导出 CSV", StatsCsv(code, key))]
    if stats.place:
        parent = stats.place.parent_code
        name = "全区" if parent == REGION_CODE else stats.chain[-2]
        last.insert(
            0, Button(f"⬆ 返回{name}", StatsPlace("" if parent == REGION_CODE else parent, key))
        )
    rows.append(tuple(last))
    return tuple(rows)
