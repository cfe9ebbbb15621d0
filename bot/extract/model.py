"""The extraction's results. Offsets are into the article's normalised text
(`articles.text`: paragraphs joined by "\n"); `paragraph` is the paragraph's index.

Results are built once and not changed afterwards, but the classes are not frozen: a
frozen dataclass costs four times as much to build, and each article builds dozens."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Figure:
    """A key figure: 132个党建引领产业发展共同体 → value 132, unit 个,
    counts 党建引领产业发展共同体."""

    text: str  # as written, the number with its unit and what it counts
    value: float  # normalised: 1.6万 → 16000, 2090万元 → 20900000
    unit: str  # 个, 元, %, 亩, 人次 … ("" if none)
    counts: str  # what is counted or measured (户均增收, 覆盖率, 党建引领产业发展共同体)
    start: int
    end: int
    paragraph: int


@dataclass(slots=True)
class Speaker:
    """A quoted person: “……”赤峰市委组织部副部长张广智介绍 → name 张广智,
    title 赤峰市委组织部副部长."""

    name: str
    title: str  # role as written before the name ("" if none)
    start: int  # span of the name
    end: int
    paragraph: int


@dataclass(slots=True)
class PlaceMention:
    name: str  # as written (赤峰, 白音汉嘎查, 金桥电子商务产业园)
    code: str | None  # gazetteer code; None if ambiguous, inferred without code, or outside
    level: str  # prefecture, county, township, village, area, outside
    start: int
    end: int
    paragraph: int
    inferred: bool = False  # captured by pattern, not in the gazetteer
    ambiguous: bool = False  # several candidates and nothing in the text decides
    candidates: tuple[str, ...] = ()  # codes, when ambiguous
    parent: str | None = None  # enclosing division's code, for inferred places
    prefecture: str | None = None  # 盟市 of code (or of parent)


@dataclass(slots=True)
class ArticlePlace:
    """A distinct division an article names or is about: what statistics count."""

    code: str
    name: str  # official name
    level: str
    prefecture: str
    primary: bool
    mentions: int  # 0 for a primary place implied by the places below it


@dataclass(slots=True)
class Case:
    actor: str  # 查干沐沦苏木党委
    place: str | None  # code of the most specific place
    place_name: str
    prefecture: str | None
    practice: str  # 党建引领产业发展共同体
    summary: str  # one sentence
    figures: list[Figure]
    speaker: Speaker | None
    paragraphs: tuple[int, int]  # first and last paragraph index it comes from
    topics: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    mentions: list[PlaceMention]
    places: list[ArticlePlace]
    cases: list[Case]
    figures: list[Figure]
    speakers: list[Speaker]
    topics: list[str]
