"""Chinese text basics the whole project shares: character classes and script conversion.

Pure functions of strings; ingest, extraction, search and the store build on them.
"""

from __future__ import annotations

import re
from functools import cache

import opencc

# Han ideographs (BMP, extension A, compatibility, supplementary planes), kana, CJK symbols
# and punctuation (without U+3000, which is a space) and the full-width forms block.
CJK = (
    "\u2e80-\u2fdf\u3001-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
SPACES = " \t\u00a0\u2002-\u200a\u202f\u205f\u3000"

_HAN_CHAR = re.compile(f"[{HAN}]")
_TRADITIONAL_SHARE = 0.1


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified script, for indexing and matching; stored text stays as is."""
    return _t2s().convert(text) if text else text


def is_traditional(text: str, simplified: str | None = None) -> bool:
    """True when converting to simplified script changes a noticeable share of the Han text.

    `simplified` is `to_simplified(text)` when the caller has it already.
    """
    han = len(_HAN_CHAR.findall(text))
    if not han:
        return False
    if simplified is None:
        simplified = to_simplified(text)
    changed = sum(a != b for a, b in zip(text, simplified, strict=False))
    changed += abs(len(text) - len(simplified))
    return changed >= max(1, _TRADITIONAL_SHARE * han)
