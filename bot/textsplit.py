"""Cutting long text into Telegram messages.

Telegram refuses a message over 4,096 characters (counted in UTF-16 code units after the
HTML is parsed). We measure the escaped HTML instead, which is never shorter, and cut
plain text before escaping it, so an entity like ``&amp;`` or a tag is never cut in two.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

MESSAGE_LIMIT = 4096
_SENTENCE_ENDS = "。！？；!?;…\n"
_CLAUSE_ENDS = "，、：,:） "


def html_length(markup: str) -> int:
    """Length as Telegram limits it, in UTF-16 code units, of HTML as sent (an upper bound
    of the parsed text's length)."""
    return len(markup.encode("utf-16-le")) // 2


def escaped_length(text: str) -> int:
    return html_length(html.escape(text, quote=False))


def split_plain(text: str, limit: int) -> list[str]:
    """Pieces of `text` whose escaped length is at most `limit`, cut after the last sentence
    end that fits, else after a clause mark, else at the limit."""
    pieces: list[str] = []
    rest = text
    while escaped_length(rest) > limit:
        fit = _longest_prefix(rest, limit)
        cut = _last_mark(rest[:fit], _SENTENCE_ENDS) or _last_mark(rest[:fit], _CLAUSE_ENDS) or fit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def _longest_prefix(text: str, limit: int) -> int:
    """The largest n with escaped_length(text[:n]) <= limit (binary search: the length only
    grows with n)."""
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if escaped_length(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return low


def _last_mark(prefix: str, marks: str) -> int:
    """Position just after the last mark in the second half of `prefix`; 0 if none (a cut in
    the first half would leave a message mostly empty)."""
    for i in range(len(prefix) - 1, len(prefix) // 2 - 1, -1):
        if prefix[i] in marks:
            return i + 1
    return 0


def pack_html(blocks: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Messages made of whole blocks (each balanced HTML no longer than `limit`), joined by
    newlines, as few as fit."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if html_length(block) > limit:
            raise ValueError("block longer than a message; split its text first")
        joined = f"{current}\n{block}" if current else block
        if html_length(joined) <= limit:
            current = joined
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages
