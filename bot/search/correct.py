"""Typo tolerance: what a word that matches nothing was probably meant to be.

Candidates are the index's vocabulary (jieba words in at least two articles) and every
place name the gazetteer knows; rapidfuzz scores them. Only words that occur nowhere as a
substring are corrected, so a rare but real word is never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.places import get_gazetteer
from bot.store import Store

# Suggestions (nothing found): rapidfuzz ratio. Corrections: at most one wrong, missing or
# extra character (鄂尔多思, 赤锋, 查干沐伦), two in words of seven characters or more.
SUGGEST_SCORE = 50


@dataclass(frozen=True)
class Vocabulary:
    version: int
    words: list[str]  # index words, most frequent first, then place names


_cache: dict[str, Vocabulary] = {}


async def vocabulary(store: Store) -> list[str]:
    """The correction candidates for this database, rebuilt when its articles change."""
    version = await store.data_version()
    key = store.location
    cached = _cache.get(key)
    if cached is None or cached.version != version:
        words = [w for w in await store.vocabulary() if len(w) >= 2]
        places = get_gazetteer().query_names()
        cached = Vocabulary(version, list(dict.fromkeys([*words, *places])))
        _cache[key] = cached
    return cached.words


def correction(word: str, candidates: list[str]) -> str | None:
    """The candidate `word` was most likely a typo of: fewest edits, then the same length
    (a wrong character is likelier than a lost one), then the earliest (most frequent);
    None if none is close enough. One character of two or three is too much of the word to
    guess from (光伏 is not 光明, 碳中和 is not 中和): a two-character word is corrected only
    to a place name, a three-character one only by a changed character."""
    if len(word) < 2:
        return None
    if len(word) == 2:
        gazetteer = get_gazetteer()
        candidates = [c for c in candidates if gazetteer.codes_meant(c)]
    edits = 1 if len(word) < 7 else 2
    found = process.extract(
        word, candidates, scorer=Levenshtein.distance, score_cutoff=edits, limit=20
    )
    found = [f for f in found if f[0] != word and (len(word) > 3 or len(f[0]) == len(word))]
    return min(found, key=lambda f: (f[1], abs(len(f[0]) - len(word)), f[2]))[0] if found else None


def closest(word: str, candidates: list[str], *, score: float, limit: int) -> list[str]:
    """The candidates most like `word`, best first (earlier candidates win ties)."""
    if len(word) < 2:
        return []
    found = process.extract(
        word,
        candidates,
        scorer=fuzz.ratio,
        score_cutoff=score,
        limit=limit * 4,
    )
    found.sort(key=lambda f: (-f[1], f[2]))
    out = [w for w, _, _ in found if w != word]
    return list(dict.fromkeys(out))[:limit]


def display_name(word: str) -> str:
    """A township's or village's full name as people write it (查干沐沦 → 查干沐沦苏木,
    北京铺子村委会 → 北京铺子村), which a short form or the register's name hides; any other
    word as it is (鄂尔多斯, 赤峰 are what everyone calls them)."""
    gazetteer = get_gazetteer()
    codes = gazetteer.codes_meant(word)
    if len(codes) == 1:
        code = next(iter(codes))
        if gazetteer.divisions[code].level in ("township", "village"):
            return gazetteer.display_name(code)
    return word
