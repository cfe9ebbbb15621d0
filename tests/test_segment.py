"""Segmentation: the domain dictionary, rjieba parity with jieba, and substring grams."""

from __future__ import annotations

import logging

import jieba
import pytest

from bot.config import default_data_dir
from bot.segment import domain_words, get_segmenter, grams, query_grams
from tests.conftest import SEEDS


def test_domain_dictionary_keeps_places_and_terms_whole() -> None:
    words = get_segmenter().cut("巴林右旗查干沐沦苏木党建引领产业发展共同体实行一肩挑和三会一课")
    for term in ("巴林右旗", "查干沐沦苏木", "党建引领产业发展共同体", "一肩挑", "三会一课"):
        assert term in words


def test_search_mode_also_indexes_words_inside_longer_words() -> None:
    tokens = get_segmenter().words("赤峰市委组织部推广温棚葡萄")
    assert {"赤峰", "组织部", "温棚葡萄", "葡萄"} <= set(tokens)


@pytest.fixture(scope="module")
def reference_jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    for word in domain_words(default_data_dir()):
        reference.add_word(word)
    return reference


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_rjieba_output_equals_jieba_with_the_same_dictionary(seed, reference_jieba) -> None:
    """We segment with rjieba for speed; it must cut exactly as jieba does."""
    text = seed.read_text(encoding="utf-8").replace(" ", "")
    expected = [t.lower() for t in reference_jieba.cut_for_search(text) if t.isalnum()]
    assert [t for t in get_segmenter().words(text) if t.isalnum()] == expected


def test_grams_are_bigrams_plus_each_runs_last_character() -> None:
    assert grams("温棚葡萄，SOS键") == ["温棚", "棚葡", "葡萄", "萄", "sos", "键"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("葡萄", (["葡萄"], False)),
        ("知", (["知"], True)),  # prefix: any bigram starting with 知, or 知 ending a run
        ("服务圈2", (["服务", "务圈", "圈", "2"], False)),
        ("2号", (["2", "号"], True)),
    ],
)
def test_query_grams_match_exactly_where_the_query_is_a_substring(query, expected) -> None:
    assert query_grams(query) == expected
