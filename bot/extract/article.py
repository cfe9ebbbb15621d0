"""Everything extracted from one article, in one pure call (run in ingest workers)."""

from __future__ import annotations

from bot.extract.cases import find_cases
from bot.extract.figures import find_figures
from bot.extract.model import Extraction
from bot.extract.places import get_place_matcher
from bot.extract.speakers import find_speakers
from bot.extract.topics import topics_of
from bot.ingest.normalize import to_simplified

# Bump when extraction changes: `casebot reindex` redoes articles extracted by an older one.
EXTRACT_VERSION = 1


def extract_article(title: str, text: str, simplified: tuple[str, str] | None = None) -> Extraction:
    """Places, figures, speakers, cases and topics of an article. Offsets are into
    `text`; traditional-script articles are read through their simplified form, which keeps
    offsets where the conversion keeps the length (it does for nearly all text).
    `simplified` is `to_simplified` of the title and the text, for a caller that has it
    already (ingest indexes it), which spares converting twice."""
    title_s, text_s = simplified or (to_simplified(title), to_simplified(text))
    title, text = _same_length(title, title_s), _same_length(text, text_s)
    matcher = get_place_matcher()
    mentions, primary = matcher.find(title, text)
    figures = find_figures(text)
    speakers = find_speakers(text)
    home = next((m for m in reversed(mentions) if primary and m.code == primary[-1]), None)
    return Extraction(
        mentions=mentions,
        places=matcher.article_places(mentions, primary),
        cases=find_cases(text, mentions, figures, speakers, home),
        figures=figures,
        speakers=speakers,
        topics=topics_of(f"{title}\n{text}"),
    )


def _same_length(s: str, converted: str) -> str:
    return converted if len(converted) == len(s) else s
