"""Search: user text → FTS5 expression → ranked articles with marked snippets.

Every query word must match (AND). A word matches where jieba indexed it as a word (this
carries the ranking) or where it occurs as a substring (character grams, for recall), so
nothing a user types is missed because jieba cut the text another way. User text never
reaches FTS5 syntax: terms are rebuilt from our own tokens and quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.ingest.normalize import to_simplified
from bot.places import get_gazetteer
from bot.segment import get_segmenter, query_grams
from bot.store import Store

# Function words dropped from a query that has other terms: nearly every article has them.
QUERY_STOPWORDS = frozenset("的了和与及在是对把被等从向也都并或之")

_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”')
WORDS = "{title_words body_words}"
GRAMS = "{title_grams body_grams}"


@dataclass(frozen=True)
class Term:
    text: str  # simplified, lower case
    phrase: bool = False  # typed in quotes: matched as written, never re-segmented


def parse_query(query: str) -> list[Term]:
    """Split user text into terms: quoted phrases, and jieba words of everything else."""
    text = to_simplified(query).lower()
    terms: list[Term] = []
    for match in _PHRASE.finditer(text):
        phrase = (match.group(1) or match.group(2) or "").strip()
        if query_grams(phrase)[0]:
            terms.append(Term(phrase, phrase=True))
    rest = _PHRASE.sub(" ", text)
    seg = get_segmenter()
    words = [w for chunk in rest.split() for w in seg.cut(chunk)]
    kept = [w for w in words if w not in QUERY_STOPWORDS] or words
    terms.extend(Term(w) for w in dict.fromkeys(kept))
    return terms


def match_expression(terms: list[Term]) -> str | None:
    """The FTS5 MATCH string for these terms (all required), or None if nothing to match.

    A word matches as a jieba word or as a substring; a place name also under its other
    names (锡盟 also matches 锡林郭勒盟). A phrase matches only as a substring.
    """
    gazetteer = get_gazetteer()
    clauses = []
    for term in terms:
        if not query_grams(term.text)[0]:
            continue
        if term.phrase:
            clauses.append(_substring(term.text))
            continue
        names = [term.text, *gazetteer.equivalent_names(term.text)]
        alternatives = [f"{WORDS} : {_quote(n)} OR {_substring(n)}" for n in names]
        clauses.append(f"({' OR '.join(alternatives)})")
    return " AND ".join(clauses) or None


def _substring(text: str) -> str:
    tokens, prefix = query_grams(text)
    return f"{GRAMS} : {_quote(' '.join(tokens))}{'*' if prefix else ''}"


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def snippet(text: str, needles: list[str], width: int = 90) -> list[tuple[str, bool]]:
    """The passage of `text` holding the most distinct needles, as (piece, is_match) runs.

    Matching is done on the simplified text; positions carry over to the text as written
    when conversion kept its length (it nearly always does).
    """
    if not text:
        return []
    haystack = to_simplified(text).lower()
    if len(haystack) != len(text):
        text = haystack
    spans = _find_all(haystack, [n for n in needles if n])
    start = _best_window(len(text), spans, width)
    end = min(len(text), start + width)
    runs: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    pos = start
    for s, e, _ in spans:
        if e <= start or s >= end or s < pos:
            continue
        runs.append((text[pos:s], False))
        runs.append((text[s : min(e, end)], True))
        pos = min(e, end)
    runs.append((text[pos:end], False))
    if end < len(text):
        runs.append(("…", False))
    return [(piece.replace("\n", " "), hit) for piece, hit in runs if piece]


def _find_all(haystack: str, needles: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, needle index) of every occurrence, in text order."""
    spans = []
    for n, needle in enumerate(needles):
        start = haystack.find(needle)
        while start != -1:
            spans.append((start, start + len(needle), n))
            start = haystack.find(needle, start + 1)
    return sorted(spans)


def _best_window(length: int, spans: list[tuple[int, int, int]], width: int) -> int:
    """Start of the window covering the most distinct needles (earliest wins ties)."""
    best_start, best_score = 0, -1
    for s, _, _ in spans:
        start = max(0, s - width // 4)
        score = len({n for a, b, n in spans if a >= start and b <= start + width})
        if score > best_score:
            best_start, best_score = start, score
    return min(best_start, max(0, length - width)) if spans else 0


@dataclass(frozen=True)
class Hit:
    article_id: int
    title: str
    date: str
    source_file: str
    snippet: list[tuple[str, bool]]  # (piece, is_match) runs; bot.render marks them up
    score: float


@dataclass(frozen=True)
class SearchPage:
    query: str
    total: int
    hits: list[Hit]


async def search(store: Store, query: str, limit: int = 10, offset: int = 0) -> SearchPage:
    """One page of ranked articles for `query`, with the total number of matches."""
    terms = parse_query(query)
    expression = match_expression(terms)
    if expression is None:
        return SearchPage(query, 0, [])
    total, ranked = await store.search_fts(expression, limit, offset)
    rows = await store.articles_by_id([article_id for article_id, _ in ranked])
    needles = [t.text for t in terms]
    hits = [
        Hit(
            article_id=article_id,
            title=rows[article_id]["title"],
            date=rows[article_id]["date"],
            source_file=rows[article_id]["source_file"],
            snippet=snippet(rows[article_id]["text"], needles),
            score=round(score, 4),
        )
        for article_id, score in ranked
    ]
    return SearchPage(query, total, hits)
