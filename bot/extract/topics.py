"""Topics from the curated taxonomy (data/topics.toml) and TF-IDF keywords."""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ahocorasick_rs import AhoCorasick, MatchKind

from bot.config import default_data_dir
from bot.segment import get_segmenter, read_word_list

_STRONG, _WEAK = 2, 1
# A cue counts at most this often: one long article repeating 党员 is not more about 党员教育.
_MAX_REPEATS = 3
_NOT_KEYWORD = re.compile(r"\d|^[a-z]$")


@dataclass(frozen=True)
class Taxonomy:
    names: list[str]  # in file order, which breaks ties
    min_score: int  # for an article
    case_min_score: int  # for a case's short practice and summary
    cues: dict[str, list[tuple[int, int]]]  # cue → [(topic index, weight)]
    automaton: AhoCorasick  # over the cues


@lru_cache(maxsize=1)
def get_taxonomy(data_dir: Path | None = None) -> Taxonomy:
    with open((data_dir or default_data_dir()) / "topics.toml", "rb") as fh:
        spec = tomllib.load(fh)
    weights: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for index, topic in enumerate(spec["topic"]):
        for cue in topic.get("strong", []):
            weights[cue].append((index, _STRONG))
        for cue in topic.get("weak", []):
            weights[cue].append((index, _WEAK))

    return Taxonomy(
        names=[topic["name"] for topic in spec["topic"]],
        min_score=spec["min_score"],
        case_min_score=spec["case_min_score"],
        cues=dict(weights),
        automaton=AhoCorasick(list(weights), matchkind=MatchKind.LeftmostLongest),
    )


def topics_of(
    text: str, taxonomy: Taxonomy | None = None, *, limit: int = 3, min_score: int | None = None
) -> list[str]:
    """The taxonomy's topics `text` is about, best first. Cues are matched longest first,
    so 党群服务中心 counts once and not again as 服务."""
    taxonomy = taxonomy or get_taxonomy()
    threshold = taxonomy.min_score if min_score is None else min_score
    # Matched as strings, which the automaton returns cheaper than indexes, and counted in C.
    found = Counter(taxonomy.automaton.find_matches_as_strings(text))
    scores = [0] * len(taxonomy.names)
    for cue, count in found.items():
        for index, weight in taxonomy.cues[cue]:
            scores[index] += weight * min(count, _MAX_REPEATS)
    # A stable sort keeps file order among equal scores.
    ranked = sorted(
        (i for i, score in enumerate(scores) if score >= threshold),
        key=scores.__getitem__,
        reverse=True,
    )
    return [taxonomy.names[i] for i in ranked[:limit]]


def keywords(text: str, k: int = 8) -> list[str]:
    """The `k` words that most set `text` apart (jieba TF-IDF over our segmentation)."""
    extractor = _keyword_extractor()
    found = extractor.extract_tags(text, topK=k * 2)
    return [word for word in found if not _NOT_KEYWORD.search(word)][:k]


class _DomainWords:
    """jieba.analyse asks its tokenizer to `cut`; ours has the domain dictionary (and jieba's
    own dictionary is never loaded)."""

    def cut(self, text: str) -> list[str]:
        return get_segmenter().plain_cut(text)  # jieba.analyse drops punctuation itself


@lru_cache(maxsize=1)
def _keyword_extractor() -> Any:
    # Imported here: jieba.analyse reads jieba's part-of-speech table on import, which every
    # CLI command would otherwise pay for.
    # jieba.analyse builds its default TF-IDF table on import; a second instance would hold
    # another copy of the IDF dictionary (40 MB).
    from jieba.analyse import default_tfidf as extractor

    extractor.tokenizer = _DomainWords()
    extractor.stop_words |= set(read_word_list(default_data_dir() / "stopwords.txt"))
    return extractor
