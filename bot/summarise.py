"""One- or two-sentence extractive summaries of an article, for the daily digest.

Written for party-building reports: their lead is often a slogan paragraph (深入贯彻…, 近年来…)
that says little, while the sentence worth quoting names the practice (推行“…”) and its
result (132个…, 户均增收5250元). Sentences are ranked by centrality (how many content words
they share with the rest of the article and its title), by carrying a case practice or a
key figure, and lightly by position; the lead sentence is the fallback. Pure functions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.segment import get_segmenter

SUMMARY_LIMIT = 120  # characters: one line on a phone, two sentences at most
MIN_SENTENCE = 10  # shorter pieces are headings, datelines or fragments
PRACTICE_WEIGHT = 1.0
FIGURE_WEIGHT = 0.6
LEAD_WEIGHT = 0.15
# Openings of sentences that frame rather than report.
_VAGUE_OPENINGS = ("近年来", "近日", "今年以来", "为此", "此外", "同时", "与此同时", "下一步")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?[”」』]?")
_CUT_MARKS = "，；、："


@dataclass(frozen=True)
class Sentence:
    text: str
    position: int  # order in the article
    start: int = 0  # offset in the article
    end: int = 0


def sentences(text: str) -> list[Sentence]:
    """The article's sentences at 。！？ (a closing quote stays with its sentence)."""
    found = []
    for m in _SENTENCE.finditer(text):
        stripped = m.group().strip()
        if len(stripped) >= MIN_SENTENCE:
            found.append(Sentence(stripped, len(found), m.start(), m.end()))
    return found


def _content_words(text: str) -> set[str]:
    # plain_cut: punctuation comes out as one-character tokens, which the length drops.
    return {w for w in get_segmenter().plain_cut(text) if len(w) >= 2 and not w.isdigit()}


def _sentence_words(text: str, found: list[Sentence]) -> list[set[str]]:
    """Each sentence's content words, from one cut of the whole text (jieba's words join
    back into the text, so offsets follow from their lengths)."""
    words: list[set[str]] = [set() for _ in found]
    index, offset = 0, 0
    for word in get_segmenter().plain_cut(text):
        while index < len(found) and offset >= found[index].end:
            index += 1
        if index == len(found):
            break
        if offset >= found[index].start and len(word) >= 2 and not word.isdigit():
            words[index].add(word)
        offset += len(word)
    return words


def rank_sentences(
    title: str, text: str, practices: Sequence[str] = (), figures: Sequence[str] = ()
) -> list[tuple[float, Sentence]]:
    """Every sentence with its score, best first (ties: earlier first)."""
    found = sentences(text)
    if not found:
        return []
    words = _sentence_words(text, found)
    frequency = Counter(w for ws in words for w in ws)
    title_words = _content_words(title)
    practice_words = [_content_words(p) for p in practices]
    scored = []
    for sentence, ws in zip(found, words, strict=True):
        # Centrality: words the other sentences also use, over the sentence's size, so a
        # long list of everything does not win on length alone.
        shared = sum(frequency[w] - 1 for w in ws) + 2 * len(ws & title_words)
        score = shared / (1 + math.log(1 + len(ws))) / max(len(found), 1)
        if any(p and p in sentence.text for p in practices) or any(
            pw and len(pw & ws) >= max(1, len(pw) // 2) for pw in practice_words
        ):
            score += PRACTICE_WEIGHT
        if any(f and f in sentence.text for f in figures):
            score += FIGURE_WEIGHT
        if sentence.position == 0:
            score += LEAD_WEIGHT
        if sentence.text.startswith(_VAGUE_OPENINGS) or sentence.text.startswith("“"):
            score *= 0.5  # a framing opener or a quotation is rarely the news itself
        scored.append((score, sentence))
    scored.sort(key=lambda s: (-s[0], s[1].position))
    return scored


def summarise(
    title: str,
    text: str,
    practices: Sequence[str] = (),
    figures: Sequence[str] = (),
    limit: int = SUMMARY_LIMIT,
) -> str:
    """The best sentence, with the second best when both fit in `limit` characters, in
    article order; a best sentence too long is cut at a clause mark and ends with "…"."""
    ranked = rank_sentences(title, text, practices, figures)
    if not ranked:
        return _fit(text.strip().split("\n")[0], limit) if text.strip() else ""
    fitting = [s for _, s in ranked if len(s.text) <= limit]
    if not fitting:
        return _fit(ranked[0][1].text, limit)
    best = fitting[0]
    chosen = [best]
    for other in fitting[1:3]:
        if len(best.text) + len(other.text) <= limit:
            chosen.append(other)
            break
    return "".join(s.text for s in sorted(chosen, key=lambda s: s.position))


def _fit(sentence: str, limit: int) -> str:
    """`sentence` cut to `limit` characters (the ellipsis included) at the last clause mark
    in its second half, else at the limit."""
    if len(sentence) <= limit:
        return sentence
    head = sentence[: limit - 1]
    cut = max(head.rfind(mark) for mark in _CUT_MARKS)
    return (head[:cut] if cut > limit // 2 else head) + "…"
