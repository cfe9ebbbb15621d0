"""FTS5 expressions built from parsed terms. User text never reaches FTS5 syntax: every
string is rebuilt from our own tokens and quoted.

A word matches where jieba indexed it as a word (this carries the ranking) or where it occurs
as a substring (character grams, for recall), so nothing a user types is missed because
jieba cut the text another way. A word also matches under its synonyms (data/synonyms.txt)
and a place under its other names (锡盟 also matches 锡林郭勒盟). A phrase matches only as
a substring.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from bot.config import default_data_dir
from bot.places import get_gazetteer
from bot.search.query import Alternative, Clause, Term, query_words
from bot.segment import query_grams, read_word_groups
from bot.text import HAN

WORDS = "{title_words body_words}"
_HAN = re.compile(f"[{HAN}]")
GRAMS = "{title_grams body_grams}"


def match_expression(
    clauses: list[Clause], excluded: Sequence[Term] = (), *, words_only: bool = False
) -> str | None:
    """All clauses required, none of the excluded terms; None if nothing positive to match.
    `words_only`: words match only as jieba words, the cheap expression results are ranked
    by first (its matches are a subset: a word of the text is also a substring of it)."""
    parts = (clause_expression(c.alternatives, words_only=words_only) for c in clauses)
    positive = [p for p in parts if p]
    if not positive:
        return None
    expression = " AND ".join(positive)
    negative = [_substring(t.text) for t in excluded if query_grams(t.text)[0]]
    return f"({expression}) NOT ({' OR '.join(negative)})" if negative else expression


def single_characters(clauses: list[Clause]) -> list[str]:
    """One-character words required on their own (党, 村): matched in the character index,
    not by a prefix scan over the bigrams; `clause_expression` leaves them out."""
    return [
        t.text for c in clauses if len(c.alternatives) == 1 for t in c.alternatives[0] if _single(t)
    ]


def characters_expression(chars: Sequence[str]) -> str | None:
    """The article_chars MATCH string requiring every one of `chars`."""
    return " AND ".join(_quote(c) for c in chars) or None


def _single(term: Term) -> bool:
    return len(term.text) == 1 and bool(_HAN.match(term.text))


def exclusion_expression(excluded: Sequence[Term]) -> str | None:
    """What an article must not contain, for queries with nothing positive to match."""
    negative = [_substring(t.text) for t in excluded if query_grams(t.text)[0]]
    return " OR ".join(negative) or None


def clause_expression(
    alternatives: tuple[Alternative, ...], *, words_only: bool = False
) -> str | None:
    """Any alternative, each with all of its terms (a lone one-character word is left to
    the character index, see `single_characters`)."""
    parts = []
    for alternative in alternatives:
        if len(alternatives) == 1:
            alternative = tuple(t for t in alternative if not _single(t))
        terms = [term_expression(t, words_only=words_only) for t in alternative]
        if terms := [t for t in terms if t]:
            parts.append(f"({' AND '.join(terms)})")
    return f"({' OR '.join(parts)})" if parts else None


def term_expression(term: Term, *, words_only: bool = False) -> str | None:
    if not query_grams(term.text)[0]:
        return None
    if term.phrase:
        return _substring(term.text)
    names = variants(term.text)
    if words_only:  # a name jieba breaks apart (乌云毕力格) as all of its pieces
        pieces = (" AND ".join(_quote(w) for w in query_words(n) or [n]) for n in names)
        return f"({WORDS} : ({' OR '.join(f'({p})' for p in pieces)}))"
    # A one-character synonym (嘎查 → 村) as a substring would be a prefix scan over every
    # bigram it starts; as a word it is one doclist, and recall is owed to what was typed.
    alternatives = [
        f"{WORDS} : {_quote(n)}"
        + ("" if len(n) == 1 and n != term.text else f" OR {_substring(n)}")
        for n in names
    ]
    return f"({' OR '.join(alternatives)})"


def variants(word: str) -> list[str]:
    """The word, its synonyms and, for a place, its other names."""
    found = [word, *synonyms().get(word, ()), *get_gazetteer().equivalent_names(word)]
    return list(dict.fromkeys(found))


@lru_cache(maxsize=1)
def synonyms(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Each word of data/synonyms.txt with the others of its line."""
    out: dict[str, tuple[str, ...]] = {}
    for group in read_word_groups(path or default_data_dir() / "synonyms.txt"):
        for word in group:
            out[word] = tuple(w for w in group if w != word)
    return out


def _substring(text: str) -> str:
    tokens, prefix = query_grams(text)
    return f"{GRAMS} : {_quote(' '.join(tokens))}{'*' if prefix else ''}"


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'
