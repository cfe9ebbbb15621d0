"""How deep an article goes into what was asked: the reranking signal the index does not see.

FTS5's BM25 fixes its length normalisation at b = 0.75, so a short article holding the one
sentence that matches outranks the long story the sentence comes from, which names the
subject again and again. Depth counts each query word in the body (any of its synonyms or
other names) with a saturating term frequency and a milder length normalisation, so the
article that keeps coming back to the subject is preferred to a passing mention, and a
long article is not ranked down merely for being long.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DEPTH_K = 1.2  # saturation: the fifth mention adds little, the second still counts
DEPTH_B = 0.4  # length normalisation: 0 ignores length, BM25's 0.75 favours fragments


def word_pattern(forms: Sequence[str]) -> re.Pattern[str]:
    """Matches any of a word's forms, each occurrence once (集宁区 is not also 集宁)."""
    return re.compile("|".join(re.escape(f) for f in dict.fromkeys(forms) if f))


def depth(text: str, words: Sequence[re.Pattern[str]], average_length: float) -> float:
    """Mean over the query's words of tf / (tf + K·(1 − B + B·length/average)): 0 when the
    body names none of them, towards 1 the more often it names each one."""
    if not words or not text:
        return 0.0
    norm = 1 - DEPTH_B + DEPTH_B * len(text) / max(average_length, 1.0)
    total = 0.0
    for pattern in words:
        tf = sum(1 for _ in pattern.finditer(text))
        total += tf / (tf + DEPTH_K * norm)
    return total / len(words)
