"""What the bot answers to /stats and its buttons. Button callback data:

st:<code>:<key>    statistics of a place (empty code: the whole region) for the period
                   and topic saved under <key> (drill down, back up)
stc:<code>:<key>   the same table as a CSV file
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.access import now_iso
from bot.charts import draw_in_background
from bot.conversation import Button, Reply, query_key, short_label
from bot.places import get_gazetteer
from bot.render_chat import stats_error_html, stats_html
from bot.stats import (
    REGION,
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


@dataclass(frozen=True)
class StatsAnswer:
    reply: Reply
    chart: bytes | None = None  # PNG, sent as a photo with (or above) the text


async def stats_answer(store: Store, text: str, today: date) -> StatsAnswer:
    """/stats with what the user typed after it."""
    try:
        request = request_from_text(text, today)
    except StatsError as exc:
        return StatsAnswer(Reply(stats_error_html(exc)))
    stats = await compute(store, request)
    return await _answer(store, stats)


async def stats_button_answer(store: Store, code: str, key: str) -> StatsAnswer | None:
    """Another place's statistics for the period and topic of the message whose button was
    pressed; None when that message's context is no longer saved."""
    stats = await _saved_stats(store, code, key)
    return None if stats is None else await _answer(store, stats)


async def stats_csv_file(store: Store, code: str, key: str) -> tuple[str, bytes] | None:
    """(file name, CSV bytes) of a statistics table; None when no longer saved."""
    stats = await _saved_stats(store, code, key)
    return None if stats is None else (csv_name(stats), stats_csv(stats))


async def _saved_stats(store: Store, code: str, key: str) -> Stats | None:
    """None also for a code that names no division: callback data can be forged."""
    context = await store.saved_query(key)
    if context is None or (code and code not in get_gazetteer().divisions):
        return None
    return await compute(store, StatsRequest.from_context(context, code or None))


async def _answer(store: Store, stats: Stats) -> StatsAnswer:
    context = stats.request.context()
    key = query_key(context)
    await store.save_query(key, context, now_iso())
    reported = stats.totals.articles or stats.totals.cases
    chart = await draw_in_background(stats) if reported else None
    return StatsAnswer(Reply(stats_html(stats), _buttons(stats, key)), chart)


def _buttons(stats: Stats, key: str) -> tuple[tuple[Button, ...], ...]:
    code = stats.place.code if stats.place else ""
    covered = [r for r in stats.rows if r.articles or r.cases][:DRILL_BUTTONS]
    drill = [Button(f"{r.name} {r.articles}/{r.cases}", f"st:{r.code}:{key}") for r in covered]
    rows = [tuple(drill[i : i + PER_ROW]) for i in range(0, len(drill), PER_ROW)]
    rows += [
        (Button(f"📄 {n}. {short_label(a['title'])}", f"art:{a['article_id']}"),)
        for n, a in enumerate(stats.recent, start=1)
    ]
    last = [Button("导出 CSV", f"stc:{code}:{key}")]
    if stats.place:
        parent = stats.place.parent_code
        name = "全区" if parent == REGION else stats.chain[-2]
        last.insert(0, Button(f"⬆ 返回{name}", f"st:{'' if parent == REGION else parent}:{key}"))
    rows.append(tuple(last))
    return tuple(rows)
