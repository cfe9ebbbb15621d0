"""Word segmentation shared by the index and the queries.

Two token streams are indexed for every article:

* **words**: jieba search-mode tokens (rjieba, the jieba-rs binding: same dictionary and
  output as jieba, about eleven times faster), with a domain dictionary of place names and
  party-building terms. They carry the ranking.
* **grams**: overlapping character bigrams of every Han run, plus the run's last character
  on its own, and Latin/digit runs whole. A phrase of grams matches exactly where the query
  is a substring of the text, so what a user types is found even where jieba cut the text
  differently (赤峰 inside 赤峰市, 葡萄 inside 温棚葡萄, 知 alone).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import rjieba

from bot.config import default_data_dir
from bot.text import HAN

_RUN = re.compile(rf"([{HAN}]+)|([^\W_{HAN}]+)")
_TOKEN = re.compile(r"[^\W_]")
_HAN_CHAR = re.compile(f"[{HAN}]")


def domain_words(data_dir: Path) -> list[str]:
    """Place names and aliases from the gazetteer, and the curated term list."""
    words: set[str] = set()
    places = data_dir / "places"
    with open(places / "nmg_divisions.csv", encoding="utf-8") as fh:
        words.update(row["name"] for row in csv.DictReader(fh))
    with open(places / "nmg_aliases.csv", encoding="utf-8") as fh:
        words.update(row["alias"] for row in csv.DictReader(fh))
    with open(places / "nmg_village_aliases.csv", encoding="utf-8") as fh:
        words.update(row["alias"] for row in csv.DictReader(fh))
    with open(places / "nmg_special_areas.csv", encoding="utf-8") as fh:
        words.update(row["name"] for row in csv.DictReader(fh))
    words.update(read_word_list(data_dir / "terms.txt"))
    return sorted(w for w in words if len(w) >= 2)


def read_word_list(path: Path) -> list[str]:
    """Words separated by spaces or lines; `#` starts a comment."""
    return [word for group in read_word_groups(path) for word in group]


def read_word_groups(path: Path) -> list[list[str]]:
    """The words of each line that has any, separated by spaces; `#` starts a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [words for line in lines if (words := line.split("#", 1)[0].split())]


class Segmenter:
    """jieba with the domain dictionary; one per process (see `get_segmenter`)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._jieba = rjieba.Jieba()
        for word in words:
            self._jieba.add_word(word, None, None)

    def cut(self, text: str) -> list[str]:
        """Default-mode tokens (used to split a query into its terms)."""
        return [t.lower() for t in self._jieba.cut(text) if _TOKEN.search(t)]

    def plain_cut(self, text: str) -> list[str]:
        """Default-mode words exactly as jieba gives them, punctuation included."""
        return self._jieba.cut(text)

    def boundaries(self, text: str) -> set[int]:
        """Offsets where a default-mode word starts or ends."""
        return {i for _, start, end in self._jieba.tokenize(text) for i in (start, end)}

    def tag(self, text: str) -> list[tuple[str, str]]:
        """Default-mode words with jieba's part-of-speech tags."""
        return self._jieba.tag(text)

    def knows(self, word: str) -> bool:
        """Whether `word` is in the dictionary (unknown words are guessed, names often are)."""
        return bool(self._jieba.has_word(word))

    def words(self, text: str) -> list[str]:
        """Search-mode tokens: each word plus the dictionary words inside it."""
        return [t.lower() for t in self._jieba.cut_for_search(text) if _TOKEN.search(t)]


@lru_cache(maxsize=1)
def get_segmenter(data_dir: Path | None = None) -> Segmenter:
    return Segmenter(domain_words(data_dir or default_data_dir()))


def grams(text: str) -> list[str]:
    """Index grams: bigrams of each Han run, the run's last character, Latin/digit runs."""
    return list(_grams(text, close_last_run=True))


def han_set(text: str) -> str:
    """The distinct Han characters of `text`, space separated: the single-character index,
    where a one-character query is one lookup instead of a prefix scan over all bigrams."""
    return " ".join(sorted(set(_HAN_CHAR.findall(text))))


def query_grams(text: str) -> tuple[list[str], bool]:
    """The gram phrase that matches `text` as a substring, and whether its last gram is a
    prefix (a query ending in a single Han character matches any bigram starting with it)."""
    tokens = list(_grams(text, close_last_run=False))
    runs = _RUN.findall(text)
    last_han = runs[-1][0] if runs else ""
    if len(last_han) == 1:
        return [*tokens, last_han], True
    return tokens, False


def _grams(text: str, *, close_last_run: bool) -> Iterator[str]:
    runs = list(_RUN.finditer(text))
    for i, run in enumerate(runs):
        han, other = run.group(1), run.group(2)
        if other:
            yield other.lower()
            continue
        yield from (han[j : j + 2] for j in range(len(han) - 1))
        # A run's last character is indexed alone so a query may end or start there; a query
        # only emits it when its own run ends there too (text follows in the query).
        if close_last_run or i < len(runs) - 1:
            yield han[-1]
