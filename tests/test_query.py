"""The query language, parsed without a database."""

from __future__ import annotations

import pytest

from bot.search.query import parse_query, parse_time


def _words(text: str) -> list[list[list[str]]]:
    """Clauses → alternatives → term texts."""
    return [[[t.text for t in a] for a in c.alternatives] for c in parse_query(text).clauses]


def test_plain_words_are_all_required_and_function_words_dropped() -> None:
    assert _words("集体经济 的 发展") == [[["集体经济"]], [["发展"]]]


def test_phrases_straight_or_chinese_quotes_stay_whole() -> None:
    q = parse_query('"路线决定方向" “党建引领”')
    assert [(t.text, t.phrase) for t in q.terms] == [("路线决定方向", True), ("党建引领", True)]


def test_an_unclosed_quote_runs_to_the_end() -> None:
    assert [t.text for t in parse_query('"路线决定').terms] == ["路线决定"]


def test_or_binds_tighter_than_and_with_or_without_spaces() -> None:
    assert _words("合作社 | 联合体 分红") == [[["合作社"], ["联合体"]], [["分红"]]]
    assert _words("合作社|联合体") == [[["合作社"], ["联合体"]]]
    assert _words("合作社｜联合体") == [[["合作社"], ["联合体"]]]  # full-width bar


def test_a_dangling_bar_is_ignored() -> None:
    assert _words("| 合作社 |") == [[["合作社"]]]


def test_minus_excludes_words_and_phrases() -> None:
    q = parse_query('葡萄 -鸵鸟 -"面粉加工" －养殖')
    assert [t.text for t in q.excluded] == ["鸵鸟", "面粉加工", "养殖"]
    assert [t.text for t in q.terms] == ["葡萄"]


def test_filters_are_read_and_removed_from_the_words() -> None:
    q = parse_query("地区:赤峰 时间：2024-07 栏目:看点 主题:基层治理 类型:案例 党建")
    assert [p.codes for p in q.places] == [("1504",)]
    assert (q.date_from, q.date_to) == ("2024-07-01", "2024-07-31")
    assert (q.column, q.topic, q.kind) == ("看点", "基层治理", "cases")
    assert [t.text for t in q.terms] == ["党建"]


def test_a_place_typed_as_a_word_is_a_place_clause() -> None:
    赤峰, 经济 = parse_query("赤峰 集体经济").clauses
    assert 赤峰.place and 赤峰.place.codes == ("1504",)
    assert 经济.place is None
    杭锦 = parse_query("杭锦").clauses[0]
    assert 杭锦.place and set(杭锦.place.codes) == {"150625", "150826"}  # both readings


def test_ordinary_words_that_are_also_aliases_are_not_places() -> None:
    assert parse_query("绿水青山").clauses[0].place is None
    assert parse_query("青山").clauses[0].place is None
    assert parse_query("地区:青山").places[0].codes == ("150204",)  # asked for explicitly


def test_unreadable_filters_become_words_with_a_notice() -> None:
    q = parse_query("时间:明年 类型:视频")
    assert q.date_from is None and q.kind == "articles"
    assert len(q.notices) == 2
    assert q.clauses  # taken as words


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2024", ("2024-01-01", "2024-12-31")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
        ("2023-02", ("2023-02-01", "2023-02-28")),
        ("2024年7月", ("2024-07-01", "2024-07-31")),
        ("2024-07-15", ("2024-07-15", "2024-07-15")),
        ("2024-01..2024-06", ("2024-01-01", "2024-06-30")),
        ("2024-03..", ("2024-03-01", None)),
        ("..2024-06", (None, "2024-06-30")),
        ("2024-13", None),
        ("2024-06..2024-01", None),
        ("昨天", None),
        ("..", None),
    ],
)
def test_time_values(value: str, span: tuple[str | None, str | None] | None) -> None:
    assert parse_time(value) == span


def test_long_input_is_cut_with_a_notice() -> None:
    q = parse_query("党建" * 5000)
    assert q.notices and len(q.clauses) <= 200
