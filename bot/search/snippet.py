"""The passage of a text that best shows why it matched, with the matched words marked."""

from __future__ import annotations

from bisect import bisect_left

from bot.text import to_simplified


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
    starts = [a for a, _, _ in spans]
    for s, _, _ in spans[:300]:  # a one-character query may occur thousands of times
        start = max(0, s - width // 4)
        window = spans[bisect_left(starts, start) : bisect_left(starts, start + width)]
        score = len({n for _, b, n in window if b <= start + width})
        if score > best_score:
            best_start, best_score = start, score
    return min(best_start, max(0, length - width)) if spans else 0
