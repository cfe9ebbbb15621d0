"""The query language, parsed into clauses and filters. Pure; nothing a user types fails.

    集体经济 赤峰          every word required; a place name is a place filter plus a boost
    "路线决定方向"         an exact phrase (straight or Chinese quotes)
    -旅游                  exclude articles containing it
    合作社 | 联合体        either
    地区:赤峰 时间:2024-01..2024-06 栏目:看点 主题:基层治理 类型:案例

Filters whose value cannot be read are taken as words, with a notice saying so.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from bot.places import get_gazetteer
from bot.segment import get_segmenter, query_grams
from bot.text import to_simplified
from bot.values import YEARS_HINT, year_in_range

# Function words dropped from a query that has other terms: nearly every article has them.
QUERY_STOPWORDS = frozenset("的了和与及在是对把被等从向也都并或之")

MAX_QUERY = 200  # characters: longer input is a paste, not a query

FILTER_KEYS = {
    "地区": "place", "地点": "place", "地方": "place",
    "时间": "time", "日期": "time",
    "栏目": "column",
    "主题": "topic", "专题": "topic",
    "类型": "kind",
}  # fmt: skip
_KINDS = {"案例": "cases", "典型案例": "cases", "文章": "articles", "报道": "articles"}

_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|“([^”]*)”?)|(\|)|([^\s"“|]+)')
_FILTER = re.compile(rf"^({'|'.join(FILTER_KEYS)}):(.*)$")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # whitespace ones separate words
_MONTH = r"(\d{4})(?:[-/.年](\d{1,2})月?)?(?:[-/.月](\d{1,2})日?)?"
_TIME = re.compile(rf"^(?:{_MONTH})?(?:\.\.|~|至|到)?(?:{_MONTH})?$")


@dataclass(frozen=True)
class Term:
    text: str  # simplified, lower case
    phrase: bool = False  # typed in quotes: matched as written, never re-segmented


@dataclass(frozen=True)
class Place:
    """A place named in the query: every division the name may mean."""

    name: str
    codes: tuple[str, ...]


class NoticeCode(StrEnum):
    """What a notice is about, for code that acts on it (the text is for people)."""

    QUERY_CUT = "query_cut"  # the query was longer than MAX_QUERY
    TIME_UNREAD = "time_unread"  # a 时间: value taken as words
    KIND_UNREAD = "kind_unread"  # a 类型: value taken as words
    UNKNOWN_PLACE = "unknown_place"  # a 地区: names no division
    PLACE_CORRECTED = "place_corrected"  # a place name read as the closest one
    PLACE_AMBIGUOUS = "place_ambiguous"  # a name several divisions share, read as one
    TOPIC_CORRECTED = "topic_corrected"  # a 主题: read as the closest topic
    UNKNOWN_TOPIC = "unknown_topic"  # a 主题: names no topic
    IGNORED_FILTER = "ignored_filter"  # a filter that does not apply here


@dataclass(frozen=True)
class Notice:
    code: NoticeCode
    text: str  # Chinese, plain text


# One way to satisfy a clause: all of its terms (the words of one typed chunk).
Alternative = tuple[Term, ...]


@dataclass(frozen=True)
class Clause:
    """A required condition: any one of its alternatives (A | B), or the place it names."""

    alternatives: tuple[Alternative, ...]
    text: str  # as typed (alternatives joined by " | "): what a correction replaces
    place: Place | None = None  # a place typed as a word: its divisions or its name


@dataclass
class Query:
    text: str
    clauses: list[Clause] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)  # 地区: filters, all required
    date_from: str | None = None  # inclusive, YYYY-MM-DD
    date_to: str | None = None  # inclusive
    column: str | None = None
    topic: str | None = None
    kind: str = "articles"  # or "cases"
    notices: list[Notice] = field(default_factory=list)  # what the parser decided

    @property
    def terms(self) -> list[Term]:
        """Every positive term, for marking snippets and ranking."""
        seen = dict.fromkeys(t for c in self.clauses for a in c.alternatives for t in a)
        return list(seen)

    @property
    def has_filters(self) -> bool:
        return bool(self.places or self.date_from or self.date_to or self.column or self.topic)


def normalise(text: str) -> str:
    """Full-width ASCII to half-width (：｜－), traditional to simplified, lower case, control
    characters (which no article holds) taken out."""
    return to_simplified(_CONTROLS.sub("", unicodedata.normalize("NFKC", text))).lower()


def parse_query(text: str) -> Query:
    query = Query(text=text)
    # Cut after NFKC, which can multiply the length (ﷺ is 18 characters).
    text = normalise(text)
    if len(text) > MAX_QUERY:
        text = text[:MAX_QUERY]
        query.notices.append(Notice(NoticeCode.QUERY_CUT, f"检索词过长，只取前 {MAX_QUERY} 个字。"))
    # (typed chunk, its terms, the place it names) of the OR group being built, and whether
    # a `|` is waiting for its right-hand side
    group: list[tuple[str, Alternative, Place | None]] = []
    joining = False

    def close_group() -> None:
        if group:
            place = group[0][2] if len(group) == 1 else None
            text = " | ".join(chunk for chunk, _, _ in group)
            query.clauses.append(Clause(tuple(a for _, a, _ in group), text, place))
            group.clear()

    for m in _TOKEN.finditer(text):
        minus, straight, curly, bar, word = m.groups()
        if bar:
            joining = bool(group)
            continue
        if word and (f := _FILTER.match(word)) and _apply_filter(query, f[1], f[2].strip('"“”')):
            continue
        phrase = straight if straight is not None else curly
        if minus:
            query.excluded += _terms(phrase, phrase=True) if phrase is not None else []
            continue
        if word and word.startswith("-") and len(word) > 1:
            query.excluded += _terms(word[1:].strip("-"), phrase=True)
            continue
        chunk = phrase if phrase is not None else word or ""
        terms = _terms(chunk, phrase=phrase is not None)
        if not terms:
            continue
        if not joining:
            close_group()
        joining = False
        place = None if phrase is not None else place_named(chunk)
        group.append((chunk, tuple(terms), place))
    close_group()
    content = [c for c in query.clauses if not _function_words(c)]
    query.clauses = content or query.clauses
    return query


def _function_words(clause: Clause) -> bool:
    return all(t.text in QUERY_STOPWORDS for a in clause.alternatives for t in a)


def _terms(chunk: str, *, phrase: bool) -> list[Term]:
    """A phrase as one term; other text as its jieba words, function words dropped. A chunk
    jieba can only break into pieces, one a lone character (乌云毕力格 → 乌云 毕力 格, a
    typo like 鄂尔多思), is one term: its pieces apart would match unrelated articles."""
    chunk = chunk.strip()
    if phrase:
        return [Term(chunk, phrase=True)] if query_grams(chunk)[0] else []
    words = query_words(chunk)
    if len(words) >= 2 and any(len(w) == 1 and not w.isascii() for w in words):
        return [Term("".join(words))]
    kept = [w for w in words if w not in QUERY_STOPWORDS] or words
    return [Term(w) for w in dict.fromkeys(kept)]


def query_words(text: str) -> list[str]:
    """The jieba words of typed text that can match anything (punctuation dropped)."""
    return [w for w in get_segmenter().cut(text) if query_grams(w)[0]]


def clause_for(chunk: str) -> Clause | None:
    """The clause a single typed chunk makes (used for corrected words)."""
    terms = _terms(chunk, phrase=False)
    return Clause((tuple(terms),), chunk, place_named(chunk)) if terms else None


def place_named(name: str) -> Place | None:
    """The place a typed word names, if it names one as a whole (赤峰, 锡盟, 杭锦 → both
    杭锦旗 and 杭锦后旗). Aliases that are also ordinary words (青山, 幸福) are not places."""
    gazetteer = get_gazetteer()
    codes = gazetteer.codes_meant(name)
    return Place(name, tuple(sorted(codes))) if codes else None


def _apply_filter(query: Query, key: str, value: str) -> bool:
    """Set the filter `key:value`; False (with a notice) if the value cannot be read."""
    kind = FILTER_KEYS[key]
    if not value:
        return False
    if kind == "time":
        span = parse_time(value)
        if span is None:
            query.notices.append(
                Notice(
                    NoticeCode.TIME_UNREAD,
                    f"无法识别时间“{value}”，已作为普通词语检索。"
                    f"时间写法如 2024、2024-07、2024-01..2024-06，{YEARS_HINT}。",
                )
            )
            return False
        query.date_from, query.date_to = span
    elif kind == "place":
        codes = get_gazetteer().codes_meant(value, risky=True)
        query.places.append(Place(value, tuple(sorted(codes))))
    elif kind == "column":
        query.column = value
    elif kind == "topic":
        query.topic = value
    else:
        if value not in _KINDS:
            query.notices.append(
                Notice(
                    NoticeCode.KIND_UNREAD,
                    f"类型只能是“案例”或“文章”，“{value}”已作为普通词语检索。",
                )
            )
            return False
        query.kind = _KINDS[value]
    return True


def parse_time(value: str) -> tuple[str | None, str | None] | None:
    """2024 · 2024-07 · 2024-07-15 · 2024-01..2024-06 · 2024-03.. · ..2024-06 →
    (first day, last day), either open; None if it is not a time."""
    m = _TIME.match(value)
    if not m or not any(m.groups()):
        return None
    ranged = any(sep in value for sep in ("..", "~", "至", "到"))
    start = _bound(m.groups()[:3], first=True)
    end = _bound(m.groups()[3:], first=False)
    if not ranged:
        if end is not None:  # "2024" matched as the right-hand side
            return None
        end = _bound(m.groups()[:3], first=False)
    if start is False or end is False or (start and end and start > end):
        return None
    return start or None, end or None


def _bound(parts: tuple[str | None, ...], *, first: bool) -> str | bool | None:
    """The first or last day a (year, month, day) names; None if absent, False if invalid."""
    year, month, day = parts
    if year is None:
        return None
    y, mo = int(year), int(month) if month else (1 if first else 12)
    if not year_in_range(y) or not 1 <= mo <= 12:
        return False
    last = calendar.monthrange(y, mo)[1]
    d = int(day) if day else 1 if first else last
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= d <= last else False
