"""Statistics by locality: how often each 盟市, 旗县区 … is reported on, what it did, and how
that changes, for `casebot stats` and the bot's /stats.

Counting rules (README, /help): an article counts once for each place it is primarily
about (its primary places are a chain from one 盟市 down), not for places it only
mentions; near-duplicates count once (their original); ambiguous and inferred names and
places outside Inner Mongolia never count. A case counts for its most specific place and
every place above it. The counts come from the stat_counts aggregate (migrations 0008, 0010).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from bot.extract.topics import get_taxonomy
from bot.library import case_object
from bot.places import Division, get_gazetteer
from bot.search.correct import SUGGEST_SCORE, closest, correction, display_name
from bot.search.query import Notice, NoticeCode, parse_query
from bot.search.service import topic_named
from bot.store import Store
from bot.store import stats as queries

PERIOD_DAYS = 30  # the default period: this many days up to today
REGION_CODE = "15"  # the code every division of Inner Mongolia starts with
TREND_MONTHS = 12  # the monthly trend ends with the period's month
TOP = 5  # topics, practices and articles shown
PRACTICE_ARTICLES = 100  # newest articles about the place whose cases' practices are ranked
LEVEL_NAMES = {
    "prefecture": "盟市",
    "county": "旗县区",
    "township": "苏木乡镇",
    "village": "嘎查村",
}


class StatsError(ValueError):
    """What the user asked cannot be counted; the message is for the user (Chinese)."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


@dataclass(frozen=True)
class StatsRequest:
    code: str | None  # the place's division; None for the whole region
    date_from: str | None  # None: from the first article on
    date_to: str
    topic: str | None = None
    recent_days: int | None = None  # the default period: "近30天"
    notices: tuple[Notice, ...] = ()

    def context(self) -> str:
        """What drill-down buttons carry over: the default period's length, if it is one,
        then the period and topic as query text (`30|时间:2024-06-02..2024-07-01`)."""
        text = f"时间:{self.date_from or ''}..{self.date_to}"
        text = f"{text} 主题:{self.topic}" if self.topic else text
        return f"{self.recent_days or ''}|{text}"

    @classmethod
    def from_context(cls, context: str, code: str | None) -> StatsRequest:
        days, _, text = context.partition("|")
        # The period is explicit, so "today" plays no part.
        request = request_from_text(text, date.today())
        return replace(request, code=code, recent_days=int(days) if days.isdigit() else None)


@dataclass(frozen=True)
class Row:
    name: str
    code: str
    articles: int
    cases: int
    previous_articles: int | None  # None without a previous period
    official_name: str | None = None  # the register's name, when `name` is the common one


@dataclass
class Stats:
    request: StatsRequest
    date_from: str
    previous: tuple[str, str] | None
    place: Division | None  # named as people write it (和平村); see `official_name`
    chain: list[str]  # the place's divisions' names from its 盟市 down
    totals: Row
    rows: list[Row]  # the next level down (盟市 for the region), most reported first
    trend: list[tuple[str, int, int]]  # (YYYY-MM, articles, cases)
    topics: list[tuple[str, int]]
    practices: list[dict[str, Any]]
    recent: list[dict[str, Any]]
    notices: list[Notice] = field(default_factory=list)

    @property
    def uncovered(self) -> list[str]:
        return [r.name for r in self.rows if not r.articles and not r.cases]

    @property
    def child_level(self) -> str | None:
        return _child_level(self.place.code if self.place else None)


def request_from_text(text: str, today: date) -> StatsRequest:
    """What `/stats 赤峰 时间:2024 主题:基层治理` asks: one place (any name, alias or code; a
    typo is corrected), a period (default: the last PERIOD_DAYS days) and a topic."""
    query = parse_query(text)
    notices = [n for n in query.notices if n.code is not NoticeCode.TIME_UNREAD]
    names = [p.name for p in query.places]
    for clause in query.clauses:
        if clause.text.startswith(("时间:", "日期:")):  # a time parse_query could not read
            raise StatsError(
                f"无法识别“{clause.text}”。"
                "时间写法如 时间:2024、时间:2024-07、时间:2024-01..2024-06。"
            )
        names.append(clause.text)
    if query.column or query.kind != "articles":
        notices.append(
            Notice(NoticeCode.IGNORED_FILTER, "统计只按地区、时间和主题筛选，栏目和类型已忽略。")
        )
    codes = [_place_code(name, notices) for name in names]
    if len(set(codes)) > 1:
        raise StatsError("一次只能统计一个地区，请只写一个地名。")
    topic = None
    if query.topic:
        topic = topic_named(query.topic, notices)
        if topic not in get_taxonomy().names:
            raise StatsError(
                f"没有主题“{query.topic}”。可选主题：{'、'.join(get_taxonomy().names)}。"
            )
    if query.date_from is None and query.date_to is None:
        end = today.isoformat()
        start = (today - timedelta(days=PERIOD_DAYS - 1)).isoformat()
        return StatsRequest(codes[0] if codes else None, start, end, topic, PERIOD_DAYS,
                            tuple(notices))  # fmt: skip
    end = query.date_to or today.isoformat()
    return StatsRequest(codes[0] if codes else None, query.date_from, end, topic,
                        notices=tuple(notices))  # fmt: skip


def _place_code(name: str, notices: list[Notice]) -> str:
    """The division a typed place name means, correcting one typo; a name several divisions
    share means the highest (then first) of them, with a notice."""
    gazetteer = get_gazetteer()
    codes = gazetteer.codes_meant(name, risky=True)
    if not codes and name in gazetteer.outside_names():
        # A near village name (北京铺子村 for 北京) would only mislead.
        raise StatsError(f"未找到地区“{name}”：它不在内蒙古，统计只含区内地区。")
    if not codes:
        near = correction(name, gazetteer.query_names())
        if near is None:
            found = closest(name, gazetteer.query_names(), score=SUGGEST_SCORE, limit=5)
            suggestions = list(dict.fromkeys(display_name(w) for w in found))
            raise StatsError(f"未找到地区“{name}”。", suggestions)
        notices.append(
            Notice(
                NoticeCode.PLACE_CORRECTED, f"未找到地区“{name}”，已按“{display_name(near)}”统计。"
            )
        )
        codes = gazetteer.codes_meant(near)
    chosen = sorted(codes, key=lambda c: (len(c), c))
    if len(chosen) > 1:
        others = "、".join(gazetteer.display_name(c) for c in chosen[1:])
        notices.append(
            Notice(
                NoticeCode.PLACE_AMBIGUOUS,
                f"“{name}”也可指{others}，已按{gazetteer.display_name(chosen[0])}统计"
                "（可写全称或代码）。",
            )
        )
    return chosen[0]


async def compute(store: Store, request: StatsRequest) -> Stats:
    gazetteer = get_gazetteer()
    place = None
    if request.code:
        division = gazetteer.divisions[request.code]
        place = replace(division, name=gazetteer.display_name(division.code))
    prefix = request.code or REGION_CODE
    start = request.date_from or await queries.first_date(store) or request.date_to
    end, topic = request.date_to, request.topic
    previous = None
    if request.date_from:
        days = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
        before = date.fromisoformat(start) - timedelta(days=1)
        previous = ((before - timedelta(days=days - 1)).isoformat(), before.isoformat())
    children = _children(request.code)
    lengths = {len(d.code) for d in children} | {len(prefix)}
    now = _rollup(await queries.place_counts(store, prefix, start, end, topic), lengths)
    then = None
    if previous:
        then = _rollup(await queries.place_counts(store, prefix, *previous, topic), lengths)
    rows = [_row(d, now, then) for d in children]
    rows.sort(key=lambda r: (-r.articles, -r.cases, r.code))
    if place:
        totals = _row(place, now, then)
    else:
        totals = Row(
            "全区",
            REGION_CODE,
            sum(r.articles for r in rows),
            sum(r.cases for r in rows),
            sum(r.previous_articles or 0 for r in rows) if then is not None else None,
        )
    about = [place.code] if place else [d.code for d in children]
    recent = await queries.recent_articles(
        store, request.code, start, end, topic, PRACTICE_ARTICLES
    )
    cases = await queries.cases_under(store, [a["article_id"] for a in recent], prefix)
    return Stats(
        request=request,
        date_from=start,
        previous=previous,
        place=place,
        chain=gazetteer.display_chain(place.code) if place else [],
        totals=totals,
        rows=rows,
        trend=await _trend(store, prefix, len(request.code or "1501"), end, topic),
        topics=(await queries.topic_counts(store, about, start, end))[:TOP],
        practices=_practices(cases),
        recent=recent[:TOP],
        notices=list(request.notices),
    )


async def stats_for(store: Store, text: str, today: date) -> Stats:
    return await compute(store, request_from_text(text, today))


@lru_cache(maxsize=1)
def _children_by_parent() -> dict[str, list[Division]]:
    out: dict[str, list[Division]] = {}
    for d in get_gazetteer().divisions.values():
        out.setdefault(d.parent_code, []).append(d)
    return out


def _children(code: str | None) -> list[Division]:
    return _children_by_parent().get(code or REGION_CODE, [])


def _child_level(code: str | None) -> str | None:
    children = _children(code)
    return children[0].level if children else None


Rollup = dict[str, tuple[int, int]]  # code -> (articles, cases)


def _row(d: Division, now: Rollup, then: Rollup | None) -> Row:
    articles, cases = now.get(d.code, (0, 0))
    previous = then.get(d.code, (0, 0))[0] if then is not None else None
    gazetteer = get_gazetteer()
    official = gazetteer.divisions[d.code].name
    return Row(gazetteer.display_name(d.code), d.code, articles, cases, previous, official)


def _rollup(counts: list[tuple[str, int, int]], lengths: set[int]) -> Rollup:
    """(articles, cases) of each division whose code is as long as one of `lengths`:
    articles counted on its own code (an article about it or anything below it has its code
    among its primary places), cases on its code and every code below it."""
    articles: Counter[str] = Counter()
    cases: Counter[str] = Counter()
    for code, a, c in counts:
        for n in lengths:
            if len(code) >= n:
                cases[code[:n]] += c
        articles[code] += a
    return {code: (articles[code], n) for code, n in cases.items()} | {
        code: (a, cases[code]) for code, a in articles.items()
    }


async def _trend(
    store: Store, prefix: str, depth: int, end: str, topic: str | None
) -> list[tuple[str, int, int]]:
    """Articles and cases per month, the TREND_MONTHS months up to the period's end."""
    last = date.fromisoformat(end)
    months = []
    year, month = last.year, last.month
    for _ in range(TREND_MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    found = {
        m: (a, c)
        for m, a, c in await queries.monthly_counts(
            store, prefix, depth, f"{months[0]}-01", end, topic
        )
    }
    return [(m, *found.get(m, (0, 0))) for m in months]


def _practices(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The practices most often reported in the newest articles about the place (cases in
    it or below it), each with its newest case's actor, place and key figures."""
    gazetteer = get_gazetteer()
    counted = Counter(r["practice"] for r in rows)
    newest: dict[str, dict[str, Any]] = {}
    for r in rows:
        newest.setdefault(r["practice"], r)
    out = []
    for practice, n in counted.most_common(TOP):
        case = case_object(newest[practice], gazetteer)
        out.append(
            {
                "practice": practice,
                "cases": n,
                "actor": case.actor,
                "place": case.place,
                "figures": case.figures[:3],
                "article_id": case.article_id,
            }
        )
    return out


def _row_json(row: Row) -> dict[str, Any]:
    return {**dataclasses.asdict(row), "official_name": row.official_name or row.name}


def stats_json(stats: Stats) -> dict[str, Any]:
    place = None
    if stats.place:
        place = {
            "name": stats.place.name,
            "official_name": get_gazetteer().divisions[stats.place.code].name,
            "code": stats.place.code,
            "level": stats.place.level,
            "chain": stats.chain,
        }
    previous = stats.previous
    return {
        "period": {"from": stats.date_from, "to": stats.request.date_to},
        "previous_period": {"from": previous[0], "to": previous[1]} if previous else None,
        "place": place,
        "topic": stats.request.topic,
        "totals": _row_json(stats.totals),
        "rows": [_row_json(r) for r in stats.rows],
        "uncovered": stats.uncovered,
        "trend": [{"month": m, "articles": a, "cases": c} for m, a, c in stats.trend],
        "topics": [{"topic": t, "articles": n} for t, n in stats.topics],
        "practices": stats.practices,
        "recent": stats.recent,
        "notices": [n.text for n in stats.notices],
    }


CSV_HEADER = ("地区", "代码", "文章数", "案例数", "上期文章数")


def stats_csv(stats: Stats) -> bytes:
    """The table as CSV in UTF-8 with a BOM, which Excel needs to read Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for r in [*stats.rows, stats.totals]:
        previous = "" if r.previous_articles is None else r.previous_articles
        writer.writerow((r.name, r.code, r.articles, r.cases, previous))
    return out.getvalue().encode("utf-8-sig")


def csv_name(stats: Stats) -> str:
    where = stats.place.name if stats.place else "全区"
    return f"统计_{where}_{stats.date_from}_{stats.request.date_to}.csv"
