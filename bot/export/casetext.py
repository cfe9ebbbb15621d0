"""A case's text for a compilation, assembled from its article's own sentences: 背景 (what
led up to the practice), 做法 (the sentence naming it), 成效 (the sentences with its
figures) and 讲述 (the quoted speaker's words). Nothing is paraphrased: every part is one
or more whole sentences of the article, so a compilation can be checked against its source.
Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.summarise import Sentence, sentences

RESULT_SENTENCES = 3
BACKGROUND_SENTENCES = 2
_QUOTE = re.compile(r"“[^”]{4,}”")


@dataclass(frozen=True)
class CaseText:
    background: str
    practice: str
    results: str
    quote: str


def case_text(text: str, case: dict[str, Any]) -> CaseText:
    """The parts of a case object (bot.library.case_object) found in its article's text:
    background only from the practice's own paragraph (the paragraphs before it are often
    another case's)."""
    paragraphs = text.split("\n")
    first, last = case["paragraphs"]
    span = [
        (i, s)
        for i in range(first, min(last, len(paragraphs) - 1) + 1)
        for s in sentences(paragraphs[i])
    ]
    practice = _practice(span, case["summary"])
    quote = _quote(paragraphs, first, last, case["speaker"])
    if practice and practice.text in quote:
        quote = ""  # the practice is told in the speaker's words: once is enough
    figures = [f["text"] for f in case["figures"]]
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
        practice=practice.text if practice else case["summary"],
        results="".join(results),
        quote=quote,
    )


def _practice(span: list[tuple[int, Sentence]], summary: str) -> Sentence | None:
    """The whole sentence the case's summary was cut from (summaries stop at 160
    characters)."""
    head = summary.rstrip("…")[:30]
    return next((s for _, s in span if head and head in s.text), None)


def _quote(paragraphs: list[str], first: int, last: int, speaker: dict[str, str] | None) -> str:
    """The sentences from the speaker's quotation to their name (“……”张三说。) or from
    their name to the end of the quotation (张三说：“……”)."""
    if not speaker:
        return ""
    for i in range(first, min(last, len(paragraphs) - 1) + 1):
        paragraph = paragraphs[i]
        at = paragraph.find(speaker["name"])
        if at < 0:
            continue
        quotes = list(_QUOTE.finditer(paragraph))
        before = [q for q in quotes if q.end() <= at and at - q.end() <= len(speaker["title"]) + 4]
        after = [q for q in quotes if q.start() >= at and q.start() - at <= 20]
        if before:
            start, end = before[-1].start(), _sentence_end(paragraph, at)
        elif after:
            start, end = _sentence_start(paragraph, at), after[0].end()
        else:
            start, end = _sentence_start(paragraph, at), _sentence_end(paragraph, at)
        found = paragraph[start:end].strip()
        return found if found.endswith(("。", "！", "？", "”")) else found + "。"
    return ""


def _sentence_start(text: str, at: int) -> int:
    return max(text.rfind(mark, 0, at) for mark in "。！？") + 1


def _sentence_end(text: str, at: int) -> int:
    ends = [n for n in (text.find(mark, at) for mark in "。！？") if n >= 0]
    return min(ends) + 1 if ends else len(text)
