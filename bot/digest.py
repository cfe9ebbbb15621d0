"""The digest of a day (or a week): the articles published on it, grouped by 盟市 then by
topic, each with a short extractive summary and its key figures, the day's best cases first.

A digest covers articles by their publication date (`articles.date`), the date the search
filter 时间: reads too; the daily digest sent on a morning covers the day before. Filters
(地区: 主题: words) are the search query language: the day's articles are a search for the
filters published on those days, so places and topics resolve exactly as in /search.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.library import CaseCard, case_object, figure_text
from bot.places import get_gazetteer
from bot.search import parse_query, search
from bot.store import Store
from bot.summarise import summarise

MAX_ARTICLES = 100  # a day has about 50; beyond this the digest says how many more
TOP_CASES = 3
KEY_FIGURES = 3
REGION_GROUP = "全区综合"  # the group of articles about the whole region or no one 盟市


@dataclass(frozen=True)
class DigestArticle:
    article_id: int
    title: str
    date: str
    places: list[str]  # primary places first
    topic: str | None
    summary: str
    figures: list[str]


@dataclass(frozen=True)
class Digest:
    date: str  # first day covered
    end: str  # last day covered (== date for a daily digest)
    filters: str
    groups: list[tuple[str, list[DigestArticle]]]  # (盟市 or REGION_GROUP, articles by topic)
    top_cases: list[CaseCard]
    more: int = 0  # matching articles left out beyond MAX_ARTICLES
    notices: list[str] = field(default_factory=list)

    @property
    def weekly(self) -> bool:
        return self.end != self.date

    @property
    def count(self) -> int:
        return sum(len(articles) for _, articles in self.groups)


def digest_period(day: date | None, weekly: bool, today: date) -> tuple[date, date]:
    """The first and last day a digest covers: `day` (default yesterday, the day the morning
    digest sends), or with `weekly` the Monday-to-Sunday week holding it. /digest and
    `casebot digest` share it, so 每周 and --week are the same week."""
    day = day or today - timedelta(days=1)
    return week_of(day) if weekly else (day, day)


def week_of(day: date) -> tuple[date, date]:
    """The Monday-to-Sunday week holding `day`."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


async def build_digest(
    store: Store, start: date, end: date | None = None, filters: str = ""
) -> Digest:
    """The digest of the articles published from `start` to `end` (inclusive; one day when
    `end` is None) matching `filters`."""
    end = end or start
    found = await search(store, filters, limit=MAX_ARTICLES, published=(start, end))
    notices = [n.text for n in found.notices]
    ids = [h.article_id for h in found.hits]
    rows = await store.articles_by_id(ids) if ids else {}  # search leaves out near-duplicates
    cases = await store.cases_of(ids) if ids else []
    topics = await store.topics_of(ids) if ids else {}
    places = await store.article_places_of(ids) if ids else {}
    figures = await store.figures_of(ids) if ids else {}
    practices: dict[int, list[str]] = {}
    for case in cases:
        practices.setdefault(case["article_id"], []).append(case["practice"])
    gazetteer = get_gazetteer()
    by_group: dict[str, list[DigestArticle]] = {}
    for article_id in sorted(ids):
        row = rows[article_id]
        codes = [code for code, _ in places[article_id]]
        # An article without a primary place ranges over the region: it is not one 盟市's.
        primary = [code for code, is_primary in places[article_id] if is_primary]
        own = figures.get(article_id, [])
        article = DigestArticle(
            article_id=article_id,
            title=row["title"],
            date=row["date"],
            places=[gazetteer.display_name(c) for c in (primary or codes)[:3]],
            topic=(topics.get(article_id) or [None])[0],
            summary=summarise(
                row["title"],
                row["text"],
                practices.get(article_id, []),
                [f["text"] for f in own],
            ),
            figures=list(dict.fromkeys(figure_text(f) for f in own))[:KEY_FIGURES],
        )
        group = (
            gazetteer.divisions[gazetteer.prefecture_of(primary[0])].name
            if primary
            else REGION_GROUP
        )
        by_group.setdefault(group, []).append(article)
    groups = sorted(by_group.items(), key=lambda g: (g[0] == REGION_GROUP, -len(g[1]), g[0]))
    ordered = [
        (name, sorted(articles, key=lambda a: (a.topic is None, a.topic or "", a.article_id)))
        for name, articles in groups
    ]
    return Digest(
        date=start.isoformat(),
        end=end.isoformat(),
        filters=filters.strip(),
        groups=ordered,
        top_cases=_top_cases([case_object(c, gazetteer) for c in cases], _place_codes(filters)),
        more=max(0, found.total - len(found.hits)),
        notices=notices,
    )


def _place_codes(filters: str) -> tuple[str, ...]:
    """The divisions the filters name (地区: or a place typed as a word)."""
    query = parse_query(filters)
    places = [*query.places, *(c.place for c in query.clauses if c.place)]
    return tuple(code for p in places for code in p.codes)


def _top_cases(cases: list[CaseCard], codes: tuple[str, ...]) -> list[CaseCard]:
    """The cases most worth a look: results in figures, a named speaker, a precise place;
    with a place filter, only cases in it (an article naming the place may report others)."""
    if codes:
        cases = [c for c in cases if c.place_code and c.place_code.startswith(codes)]

    def weight(case: CaseCard) -> tuple[int, int]:
        return (
            -(2 * min(len(case.figures), 3) + bool(case.speaker) + len(case.chain)),
            case.case_id,
        )

    best: list[CaseCard] = []
    for case in sorted(cases, key=weight):
        if all(c.article_id != case.article_id for c in best):  # one per article
            best.append(case)
        if len(best) == TOP_CASES:
            break
    return best


def digest_json(d: Digest) -> dict[str, Any]:
    return {
        "date": d.date,
        "end": d.end,
        "filters": d.filters,
        "groups": [
            {
                "prefecture": name,
                "articles": [dataclasses.asdict(a) for a in articles],
            }
            for name, articles in d.groups
        ],
        "top_cases": [dataclasses.asdict(c) for c in d.top_cases],
        "more": d.more,
        "notices": d.notices,
    }
