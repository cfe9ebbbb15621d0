"""A case's text for a compilation, assembled from its article's own sentences: 背景 (what
led up to the practice), 做法 (the sentence naming it), 成效 (the sentences with its
figures) and 讲述 (the quoted speaker's words). Nothing is paraphrased: every part is one
or more whole sentences of the article, so a compilation can be checked against its source.
Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.library import CaseCard, Speaker
from bot.summarise import Sentence, sentences

RESULT_SENTENCES = 3
BACKGROUND_SENTENCES = 2
_SAID = re.compile(r"“[^”]{4,}?[。！？…]”")  # a quotation of whole sentences, then the name
_SAYS = re.compile(r"[：:]“[^”]{4,}”")  # the name, then 说：“……”


@dataclass(frozen=True)
class CaseText:
    background: str
    practice: str
    results: str
    quote: str


def case_text(text: str, case: CaseCard) -> CaseText:
    """The parts of a case found in its article's text:
    background only from the practice's own paragraph (the paragraphs before it are often
    another case's)."""
    paragraphs = text.split("\n")
    first, last = case.paragraphs
    span = [
        (i, s)
        for i in range(first, min(last, len(paragraphs) - 1) + 1)
        for s in sentences(paragraphs[i])
    ]
    practice = _practice(span, case.summary)
    quote = _quote(paragraphs, first, last, case.speaker)
    if practice and practice.text in quote:
        quote = ""  # the practice is told in the speaker's words: once is enough
    figures = [f["text"] for f in case.figures]
    results = [
        s.text
        for _, s in span
        if s is not practice and s.text not in quote and any(f in s.text for f in figures)
    ][:RESULT_SENTENCES]
    at = next((k for k, (_, s) in enumerate(span) if s is practice), 0)
    background = [s.text for i, s in span[:at] if i == span[at][0]] if practice else []
    if practice is None or any(s in quote or s in results for s in background):
        background = []  # what comes before the practice is already told as a result or quote
    return CaseText(
        background="".join(background[-BACKGROUND_SENTENCES:]),
        practice=practice.text if practice else case.summary,
        results="".join(results),
        quote=quote,
    )


def _practice(span: list[tuple[int, Sentence]], summary: str) -> Sentence | None:
    """The whole sentence the case's summary was cut from (summaries stop at 160
    characters)."""
    head = summary.rstrip("…")[:30]
    return next((s for _, s in span if head and head in s.text), None)


def _quote(paragraphs: list[str], first: int, last: int, speaker: Speaker | None) -> str:
    """The speaker's words with their name: from the quotation to the end of the sentence
    naming them (“……。”张三说。) or from that sentence's start to the end of the quotation
    (张三说：“……”); "" when no quotation is theirs (a name in a quoted term, 推进“…”, is not
    speech)."""
    if not speaker:
        return ""
    for i in range(first, min(last, len(paragraphs) - 1) + 1):
        paragraph = paragraphs[i]
        at = paragraph.find(speaker.name)
        if at < 0:
            continue
        near = len(speaker.title) + 4  # the title stands between quotation and name
        before = [q for q in _SAID.finditer(paragraph) if 0 <= at - q.end() <= near]
        after = [q for q in _SAYS.finditer(paragraph) if 0 <= q.start() - at <= 20]
        if before:
            return paragraph[before[-1].start() : _sentence_end(paragraph, at)].strip()
        if after:
            return paragraph[_sentence_start(paragraph, at) : after[0].end()].strip()
    return ""


def _sentence_start(text: str, at: int) -> int:
    return max(text.rfind(mark, 0, at) for mark in "。！？") + 1


def _sentence_end(text: str, at: int) -> int:
    ends = [n for n in (text.find(mark, at) for mark in "。！？") if n >= 0]
    return min(ends) + 1 if ends else len(text)
