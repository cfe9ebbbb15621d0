"""Everything extracted from an article, in one pure call (run in ingest workers)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.extract.cases import cases_in
from bot.extract.figures import find_figures
from bot.extract.model import Extraction, PlaceMention
from bot.extract.places import get_place_matcher
from bot.extract.speakers import find_speakers
from bot.extract.topics import topics_of
from bot.text import to_simplified

# Bump when extraction changes: `casebot reindex` redoes articles extracted by an older one.
EXTRACT_VERSION = 3


def extract_article(title: str, text: str, simplified: tuple[str, str] | None = None) -> Extraction:
    """Places, figures, speakers, cases and topics of an article. Offsets are into
    `text`; traditional-script articles are read through their simplified form, which keeps
    offsets where the conversion keeps the length (it does for nearly all text).
    `simplified` is `to_simplified` of the title and the text, for a caller that has it
    already (ingest indexes it), which spares converting twice."""
    return extract_articles([(title, text)], [simplified] if simplified else None)[0]


def extract_articles(
    articles: Sequence[tuple[str, str]], simplified: Sequence[tuple[str, str]] | None = None
) -> list[Extraction]:
    """`extract_article` of each (title, text), with `simplified` for all or none of them.

    They are read stage by stage (all places, then all figures, ...), not article by
    article: each stage then finds its automata and tables still in the CPU caches, which
    made extraction about a fifth cheaper on a page of ten articles."""
    if simplified is None:
        simplified = [(to_simplified(title), to_simplified(text)) for title, text in articles]
    texts = [
        (_same_length(title, title_s), _same_length(text, text_s))
        for (title, text), (title_s, text_s) in zip(articles, simplified, strict=True)
    ]
    matcher = get_place_matcher()
    found = [matcher.find(title, text) for title, text in texts]
    figures = [find_figures(text) for _, text in texts]
    speakers = [find_speakers(text) for _, text in texts]
    cases = [
        cases_in(text, mentions, figs, said, _home(mentions, primary))
        for (_, text), (mentions, primary), figs, said in zip(
            texts, found, figures, speakers, strict=True
        )
    ]
    topics = [topics_of(f"{title}\n{text}") for title, text in texts]
    return [
        Extraction(
            mentions=mentions,
            places=matcher.article_places(mentions, primary),
            cases=article_cases,
            figures=figs,
            speakers=said,
            topics=article_topics,
        )
        for (mentions, primary), article_cases, figs, said, article_topics in zip(
            found, cases, figures, speakers, topics, strict=True
        )
    ]


def _home(mentions: list[PlaceMention], primary: list[str]) -> PlaceMention | None:
    """The last mention of the article's main primary place."""
    return next((m for m in reversed(mentions) if primary and m.code == primary[-1]), None)


def _same_length(s: str, converted: str) -> str:
    return converted if len(converted) == len(s) else s
