"""The search service behind `casebot search`, the bot's /search and inline mode.

parse → correct typos (only when nothing matched) → filters → FTS5 (BM25, bounded) →
rerank the best candidates (depth, case practices, places) → collapse repeats → snippets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.extract.topics import get_taxonomy
from bot.library import CaseCard, article_detail, case_object
from bot.places import get_gazetteer
from bot.search.correct import SUGGEST_SCORE, closest, correction, display_name, vocabulary
from bot.search.expression import (
    characters_expression,
    clause_expression,
    exclusion_expression,
    match_expression,
    single_characters,
    variants,
)
from bot.search.query import (
    Clause,
    Notice,
    NoticeCode,
    Place,
    Query,
    Term,
    clause_for,
    parse_query,
)
from bot.search.rank import depth, word_pattern
from bot.search.snippet import snippet
from bot.segment import get_segmenter
from bot.store import Store
from bot.store.search import SearchFilter
from bot.text import to_simplified

RERANK = 60  # best BM25 candidates reranked with what the index does not see
CASE_CANDIDATES = 300  # best matching articles whose cases a case search reads
DEPTH_BOOST = 1.5  # the article going deepest into the query's words (bot/search/rank.py)
PRACTICE_BOOST = 0.5  # its case practices name every query word (a share of it for some)
PLACE_BOOST = 0.5  # the article is mainly about the place the query names

ArticlePlaces = dict[int, list[tuple[str, bool]]]  # Store.article_places_of


@dataclass(frozen=True)
class Hit:
    article_id: int
    title: str
    date: str
    source_file: str
    snippet: list[tuple[str, bool]]  # (piece, is_match) runs; bot.render marks them up
    score: float
    places: list[str] = field(default_factory=list)  # names, the article's main places first
    column: str | None = None
    duplicates: int = 0  # near-duplicate reprints folded into this hit
    source: str | None = None  # the newspaper or site (--source, the file's metadata)

    @property
    def origin(self) -> str:
        """Where the article comes from as people name it: the paper, else the file."""
        return self.source or self.source_file


@dataclass(frozen=True)
class SearchPage:
    query: str
    total: int
    hits: list[Hit]
    kind: str = "articles"  # or "cases"
    cases: list[CaseCard] = field(default_factory=list)  # for kind "cases"
    corrected: str | None = None  # the query as searched, when words were corrected
    suggestions: list[str] = field(default_factory=list)  # when nothing was found
    notices: list[Notice] = field(default_factory=list)

    @property
    def searched(self) -> str:
        """What the results are for: the corrected query, if it was corrected."""
        return self.corrected or self.query


async def search(
    store: Store,
    text: str,
    limit: int = 10,
    offset: int = 0,
    *,
    published: tuple[date, date] | None = None,
) -> SearchPage:
    """One page of results for what the user typed, with the total number of matches.
    `published` (first and last day) replaces any 时间: of the text."""
    query = parse_query(text)
    if published is not None:
        query.date_from, query.date_to = (day.isoformat() for day in published)
        query.notices = [n for n in query.notices if n.code is not NoticeCode.TIME_UNREAD]
    page = await _run(store, query, limit, offset)
    if page.total or not (query.clauses or query.places):
        return page
    corrected, changed = await _corrected(store, query)
    if changed:
        retry = await _run(store, corrected, limit, offset)
        if retry.total:
            return replace(retry, corrected=_describe(corrected))
    return replace(page, suggestions=await _suggestions(store, query))


def filter_problems(text: str) -> list[Notice]:
    """What is wrong with the 地区: and 主题: filters of `text`: places that name no division,
    topics that name none (places and topics resolve exactly as in a search)."""
    query = parse_query(text)
    notices = _unknown_places(query)
    topic_named(query.topic, notices)
    return [n for n in notices if n.code in (NoticeCode.UNKNOWN_PLACE, NoticeCode.UNKNOWN_TOPIC)]


def _unknown_places(query: Query) -> list[Notice]:
    unknown = [p.name for p in query.places if not p.codes]
    if not unknown:
        return []
    return [Notice(NoticeCode.UNKNOWN_PLACE, f"未找到地区“{'、'.join(unknown)}”。")]


async def _run(store: Store, query: Query, limit: int, offset: int) -> SearchPage:
    notices = list(query.notices)
    if unknown := _unknown_places(query):
        return SearchPage(query.text, 0, [], query.kind, notices=notices + unknown)
    words = [c for c in query.clauses if not c.place]
    match = match_expression(words, query.excluded)
    where = SearchFilter(
        chars=characters_expression(single_characters(words)),
        places=tuple(
            [(p.codes, None) for p in query.places]
            + [(c.place.codes, clause_expression(c.alternatives)) for c in _placed(query)]
        ),
        date_from=query.date_from,
        date_to=query.date_to,
        column=query.column,
        topic=topic_named(query.topic, notices),
        exclude=None if match else exclusion_expression(query.excluded),
    )
    if match is None and not (where.places or query.has_filters or where.exclude or where.chars):
        return SearchPage(query.text, 0, [], query.kind, notices=notices)
    rank_match = match_expression(words, query.excluded, words_only=True)
    # Places typed as words filter, and their names rank: as words or inside longer names
    # (查干沐沦 in 查干沐沦苏木, which jieba indexes whole).
    named = match_expression(_placed(query), query.excluded)
    if query.kind == "cases":
        expressions = (match, rank_match, named)
        return await _case_page(store, query, expressions, where, limit, offset, notices)
    wanted = max(RERANK, offset + limit)
    total, ranked = await store.search_articles(match, rank_match, where, wanted, named)
    ids = [i for i, _ in ranked]
    places = await store.article_places_of(ids) if ids else {}
    rows = await store.articles_by_id(ids) if ids else {}
    cases = await store.cases_of(ids) if ids else []
    ranked = _reranked(query, ranked, places, rows, cases)
    hits = await _hits(store, query, ranked[offset : offset + limit], places, rows)
    return SearchPage(query.text, total, hits, notices=notices)


def topic_named(name: str | None, notices: list[Notice]) -> str | None:
    """The taxonomy topic a 主题: filter names, allowing near misses."""
    if name is None:
        return None
    names = get_taxonomy().names
    if name in names:
        return name
    near = closest(name, names, score=SUGGEST_SCORE, limit=1)
    if near:
        notices.append(Notice(NoticeCode.TOPIC_CORRECTED, f"主题已按“{near[0]}”筛选。"))
        return near[0]
    notices.append(
        Notice(NoticeCode.UNKNOWN_TOPIC, f"没有主题“{name}”。可选主题：{'、'.join(names)}。")
    )
    return name


def _reranked(
    query: Query,
    ranked: list[tuple[int, float]],
    places: ArticlePlaces,
    rows: dict[int, dict[str, Any]],
    cases: list[dict[str, Any]],
) -> list[tuple[int, float]]:
    """BM25 order adjusted by what the index does not see: how deep the article goes into
    the query's words (bot/search/rank.py), the share of them its case practices name,
    and the article being mainly about a place the query names."""
    if not ranked:
        return ranked
    forms = _word_forms(query)
    patterns = [word_pattern(f) for f in forms]
    practiced: dict[int, set[int]] = {}
    for case in cases:
        named = {n for n, f in enumerate(forms) if any(w in case["practice"] for w in f)}
        practiced.setdefault(case["article_id"], set()).update(named)
    texts = {i: _searchable(rows[i]) for i, _ in ranked}
    average = sum(map(len, texts.values())) / len(texts)
    depths = {i: depth(text, patterns, average) for i, text in texts.items()}
    deepest = max(depths.values()) or 1.0
    codes = [c for p in _query_places(query) for c in p.codes]
    scored = []
    for rank, (article_id, score) in enumerate(ranked):
        boost = 1.0 + DEPTH_BOOST * depths[article_id] / deepest
        if forms:
            boost += PRACTICE_BOOST * len(practiced.get(article_id, ())) / len(forms)
        about = [code for code, primary in places.get(article_id, ()) if primary]
        if any(code.startswith(tuple(codes)) for code in about):
            boost += PLACE_BOOST
        scored.append((-(max(score, 0.01) * boost), rank, article_id, score))
    scored.sort()
    return [(article_id, round(-s, 4)) for s, _, article_id, _ in scored]


def _word_forms(query: Query) -> list[list[str]]:
    """Each positive term as the strings that count as it: a phrase as typed, a word with
    its synonyms, a place with its other names."""
    return [[t.text] if t.phrase else variants(t.text) for t in query.terms]


def _searchable(row: dict[str, Any]) -> str:
    """The body as query words are compared with it: simplified (when written otherwise)
    and lower case."""
    text: str = row["text"]
    return (to_simplified(text) if row["script"] == "traditional" else text).lower()


def _placed(query: Query) -> list[Clause]:
    return [c for c in query.clauses if c.place]


def _query_places(query: Query) -> list[Place]:
    return [*query.places, *(c.place for c in _placed(query) if c.place)]


async def _hits(
    store: Store,
    query: Query,
    ranked: list[tuple[int, float]],
    places: ArticlePlaces,
    rows: dict[int, dict[str, Any]],
) -> list[Hit]:
    """The page's hits; `places` and `rows` (Store.articles_by_id) hold at least theirs."""
    ids = [i for i, _ in ranked]
    if not ids:
        return []
    duplicates = await store.duplicate_counts(ids)
    needles = _needles(query)
    gazetteer = get_gazetteer()
    return [
        Hit(
            article_id=i,
            title=rows[i]["title"],
            date=rows[i]["date"],
            source_file=rows[i]["source_file"],
            snippet=snippet(rows[i]["text"], needles),
            score=score,
            places=[gazetteer.display_name(c) for c, _ in places.get(i, [])[:3]],
            column=rows[i]["column"],
            duplicates=duplicates.get(i, 0),
            source=rows[i]["source"],
        )
        for i, score in ranked
    ]


def _needles(query: Query) -> list[str]:
    """What to mark in snippets: the words, their synonyms and the places' names."""
    return list(dict.fromkeys(w for forms in _word_forms(query) for w in forms))


async def _case_page(
    store: Store,
    query: Query,
    match: tuple[str | None, str | None, str | None],
    where: SearchFilter,
    limit: int,
    offset: int,
    notices: list[Notice],
) -> SearchPage:
    """Case cards: the cases of the best matching articles that name a query word in their
    practice, actor or summary (practice counts most), in the query's places."""
    words, rank_match, named = match
    _, ranked = await store.search_articles(words, rank_match, where, CASE_CANDIDATES, named)
    order = {article_id: n for n, (article_id, _) in enumerate(ranked)}
    rows = await store.cases_of(list(order)) if order else []
    codes = [p.codes for p in _query_places(query)]
    needles = _needles(query)
    gazetteer = get_gazetteer()
    scored = []
    for row in rows:
        if not all(row["place"] and row["place"].startswith(c) for c in codes):
            continue
        score = sum(
            3 * (n in row["practice"]) + 2 * (n in row["actor"]) + (n in row["summary"])
            for n in needles
        )
        if needles and not score:
            continue
        scored.append((-score, order[row["article_id"]], row["case_id"], row))
    scored.sort(key=lambda s: s[:3])
    cases = [case_object(row, gazetteer) for *_, row in scored[offset : offset + limit]]
    return SearchPage(query.text, len(scored), [], "cases", cases=cases, notices=notices)


async def _corrected(store: Store, query: Query) -> tuple[Query, bool]:
    """The query with each word that occurs nowhere replaced by the closest known word or
    place, and each unknown 地区: by the closest place name."""
    changed = False
    clauses: list[Clause] = []
    words = None
    for clause in query.clauses:
        alternative = clause.alternatives[0] if len(clause.alternatives) == 1 else ()
        if clause.place or not alternative or any(t.phrase for t in alternative):
            clauses.append(clause)
            continue
        expression = clause_expression(clause.alternatives)
        if expression and await store.matches_any(expression):
            clauses.append(clause)
            continue
        words = words or await vocabulary(store)
        near = correction(clause.text, words)
        fixed = clause_for(near) if near else None
        clauses.append(fixed or clause)
        changed = changed or fixed is not None
    places = []
    names = get_gazetteer().query_names()
    for place in query.places:
        near = None if place.codes else correction(place.name, names)
        if near:
            place = Place(near, tuple(sorted(get_gazetteer().codes_meant(near))))
            changed = True
        places.append(place)
    return replace(query, clauses=clauses, places=places or query.places), changed


def _describe(query: Query) -> str:
    """The corrected query as the user would have typed it (places by official name)."""
    parts = [display_name(c.text) if c.place else c.text for c in query.clauses]
    parts += [f"地区:{display_name(p.name)}" for p in query.places]
    return " ".join(parts)


async def _suggestions(store: Store, query: Query) -> list[str]:
    """Known words and places closest to what the user typed, when nothing was found."""
    words = await vocabulary(store)
    typed = [c.text for c in query.clauses] + [p.name for p in query.places]
    found = [w for t in typed for w in closest(t, words, score=SUGGEST_SCORE, limit=3)]
    return [display_name(w) for w in dict.fromkeys(found)][:5]


@dataclass(frozen=True)
class Similar:
    article_id: int
    title: str
    keywords: list[str]  # what "close" was judged on
    hits: list[Hit]
    cases: list[CaseCard]


async def more_like_this(store: Store, article_id: int, limit: int = 5) -> Similar | None:
    """The articles and cases closest to an article in topic and practice: its keywords and
    its cases' practices as an OR query find candidates, ranked by `Closeness` (shared
    topics, share of its keywords named, shared practice words, BM25, a shared primary
    place); None if there is no such article."""
    detail = await article_detail(store, article_id)
    if detail is None:
        return None
    own_practices = _practice_words(c.practice for c in detail["cases"])
    words = list(dict.fromkeys([*detail["keywords"], *own_practices]))[:12]
    clauses = [Clause(tuple((Term(w),) for w in words), " | ".join(words))]
    match = match_expression(clauses)
    if match is None:
        return Similar(article_id, detail["title"], words, [], [])
    own = {article_id, detail["duplicate_of"]}
    _, ranked = await store.search_articles(match, None, SearchFilter(), RERANK)
    ranked = [(i, s) for i, s in ranked if i not in own]
    ids = [i for i, _ in ranked]
    shared = await store.article_places_of(ids) if ids else {}
    topical = await store.topics_of(ids) if ids else {}
    practices: dict[int, list[str]] = {}
    for case in await store.cases_of(ids) if ids else []:
        practices.setdefault(case["article_id"], []).append(case["practice"])
    mine = Closeness(
        set(detail["topics"]),
        set(own_practices),
        {p["code"] for p in detail["places"] if p["primary"]},
    )
    top = max((s for _, s in ranked), default=0.0) or 1.0
    rows = await store.articles_by_id(ids) if ids else {}
    scored = sorted(
        (-mine.score(s / top, _coverage(words, rows[i]), set(topical.get(i, ())),
                     set(_practice_words(practices.get(i, []))),
                     {c for c, _ in shared.get(i, ())}), n, i)
        for n, (i, s) in enumerate(ranked)
    )  # fmt: skip
    best = [(i, round(-k, 4)) for k, _, i in scored[:limit]]
    query = Query(text=" ".join(words), clauses=clauses)
    hits = await _hits(store, query, best, shared, rows)
    cases = [
        case_object(row, get_gazetteer())
        for row in await store.cases_of([i for i, _ in best])
        if mine.topics & set(json.loads(row["topics"]))
    ][:limit]
    return Similar(article_id, detail["title"], words, hits, cases)


@dataclass(frozen=True)
class Closeness:
    """What makes another article close to this one: shared topics and case practices
    first, then shared words (BM25 of its keywords), then a shared primary place. Words
    alone ranked a short article that repeats one of them above one on the same practice
    (a 92-character note on waste sorting first for an article on elderly care)."""

    topics: set[str]
    practice_words: set[str]
    places: set[str]

    def score(
        self,
        bm25: float,
        coverage: float,
        topics: set[str],
        practice_words: set[str],
        places: set[str],
    ) -> float:
        """`bm25`: the candidate's over the best candidate's (0-1]; `coverage`: the share of
        this article's keywords it names (a short text repeating one scores low here)."""
        topic = len(self.topics & topics) / len(self.topics | topics) if topics else 0.0
        practice = (
            len(self.practice_words & practice_words) / len(self.practice_words)
            if self.practice_words
            else 0.0
        )
        shared_place = bool(self.places & places)
        return 0.05 * bm25 + 0.3 * coverage + 0.5 * topic + 0.1 * practice + 0.05 * shared_place


def _coverage(words: list[str], row: dict[str, Any]) -> float:
    text = to_simplified(f"{row['title']} {row['text']}")
    return sum(1 for w in words if w in text) / len(words) if words else 0.0


def _practice_words(practices: Iterable[str]) -> list[str]:
    """The content words of an article's case practices (党建引领产业发展共同体 → 共同体 …)."""
    seg = get_segmenter()
    return [w for p in practices for w in seg.cut(p) if len(w) >= 2 and not w.isdigit()]
