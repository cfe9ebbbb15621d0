"""Pure text clean-up for Chinese newspaper text extracted from PDF, OCR, Word or markdown.

Every function takes and returns plain strings and never raises on odd input.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from bot.text import CJK, HAN, SPACES, to_simplified

_CJK_SPACE = re.compile(f"(?<=[{CJK}])[{SPACES}]+|[{SPACES}]+(?=[{CJK}])")
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_MARKDOWN_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_NOT_COMPACT = re.compile(r"[\W_]+")
_PAIRED_PARENS = re.compile(r"\(([^()]*)\)")
_IS_CJK = re.compile(f"[{CJK}]")

_SEE_THROUGH = re.compile(f"[{SPACES}“”‘’\"']")
_FULL_WIDTH_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_PLAIN_FORMS = {
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
    ord("⋯"): "…",
}

# Mirror sites print each character's reading after it: 集體經(jīng)濟(jì), 工业（yè）园区. A
# reading has a tone mark (plain letters in brackets are text: `（AI）`, `(app)`).
_PINYIN = re.compile(
    f"(?<=[{HAN}])[(（]\\s*(?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ])"
    "[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}\\s*[)）]"
)

# Undoubling compares every chunk length at every position; real doubled lines are PDF
# lines (tens of characters), so longer lines are not worth the quadratic cost.
_UNDOUBLE_MAX = 600


def remove_invisible(s: str) -> str:
    """Drop control characters, zero-width spaces and BOMs, which carry no text."""
    return _INVISIBLE.sub("", s)


def remove_pinyin(s: str) -> str:
    """Drop the pinyin readings a mirror site prints after characters (`經(jīng)濟(jì)` → `經濟`),
    so that the text reads, and matches queries, as the original does."""
    return _PINYIN.sub("", s) if "(" in s or "（" in s else s


def remove_cjk_spaces(s: str) -> str:
    """Remove the spaces a PDF put next to CJK characters; spaces between Latin words stay."""
    return _CJK_SPACE.sub("", s)


def _is_cjk(ch: str) -> bool:
    return bool(_IS_CJK.match(ch))


def _next_visible(s: str, i: int, step: int) -> str:
    """The first character from s[i] in direction `step` that is neither a space nor a quote
    mark (quotes sit between Chinese text and its punctuation: `“大舞台”,`), or ''."""
    while 0 <= i < len(s):
        if not _SEE_THROUGH.match(s[i]):
            return s[i]
        i += step
    return ""


def _widen_pair(m: re.Match[str]) -> str:
    s, (start, end), inner = m.string, m.span(), m.group(1)
    outside = _next_visible(s, start - 1, -1) + _next_visible(s, end, 1)
    if any(_is_cjk(c) for c in inner + outside):
        return f"（{inner}）"
    return m.group(0)


def _widen_single(s: str) -> str:
    out = list(s)
    for i, ch in enumerate(s):
        if ch in _FULL_WIDTH_PUNCT and (
            _is_cjk(_next_visible(s, i - 1, -1)) or _is_cjk(_next_visible(s, i + 1, 1))
        ):
            out[i] = _FULL_WIDTH_PUNCT[ch]
    return "".join(out)


def unify_punctuation(s: str) -> str:
    """ASCII punctuation next to CJK becomes full width; full-width digits and letters ASCII.

    Parentheses are converted as a pair so `(1)` before Chinese text stays balanced; a
    separator between digits or Latin letters (`1,000`, `12:30`) is left alone.
    """
    s = s.translate(_PLAIN_FORMS)
    if not any(c in _FULL_WIDTH_PUNCT for c in s):
        return s
    return _widen_single(_PAIRED_PARENS.sub(_widen_pair, s))


def _doubled_chunks(s: str) -> list[str] | None:
    """Split s into chunks each printed twice in a row (spaces once), or None if impossible.

    reach[i] holds the chunk that got us to position i (a DP over positions), so the first
    decomposition found is rebuilt by walking back from the end.
    """
    n = len(s)
    reach: list[tuple[int, str] | None] = [None] * (n + 1)
    reach[0] = (0, "")
    for i in range(n):
        if reach[i] is None:
            continue
        if s[i].isspace():
            reach[i + 1] = reach[i + 1] or (i, s[i])
            continue
        for size in range(1, (n - i) // 2 + 1):
            if s[i + size - 1].isspace():
                break
            if s[i + size] == s[i] and s.startswith(s[i : i + size], i + size):
                reach[i + 2 * size] = reach[i + 2 * size] or (i, s[i : i + size])
    if reach[n] is None:
        return None
    chunks, i = [], n
    while i:
        i, chunk = reach[i]  # type: ignore[misc]
        chunks.append(chunk)
    return chunks[::-1]


def undouble(line: str) -> str:
    """Undo a PDF text layer that printed every run twice (`近日近日，，` → `近日，`).

    Only a line that decomposes completely into doubled chunks is changed: ordinary text
    with reduplication (`干干净净做事`) always has an undoubled run somewhere.
    """
    visible = len("".join(line.split()))
    if visible < 4 or visible % 2 or len(line) > _UNDOUBLE_MAX:
        return line
    chunks = _doubled_chunks(line)
    return line if chunks is None else "".join(chunks)


def strip_markdown(line: str) -> tuple[str, int]:
    """The line without `#` heading markers and hard-break spaces, and its heading level."""
    m = _MARKDOWN_HEADING.match(line)
    if m:
        return (m.group(2) or "").strip(), len(m.group(1))
    return line.rstrip(), 0


def compact_text(text: str) -> str:
    """Simplified text without whitespace and punctuation: what duplicates are judged on."""
    return compact_simplified(to_simplified(text))


def compact_simplified(simplified: str) -> str:
    """`compact_text` of text already converted by `to_simplified` (saves a conversion)."""
    return _NOT_COMPACT.sub("", unicodedata.normalize("NFKC", simplified)).casefold()


def fingerprint(text: str) -> str:
    """A hash that ignores script, wrapping, spacing and punctuation."""
    return fingerprint_compact(compact_text(text))


def fingerprint_compact(compact: str) -> str:
    """`fingerprint` of text already reduced by `compact_text`."""
    return hashlib.sha1(compact.encode()).hexdigest()
