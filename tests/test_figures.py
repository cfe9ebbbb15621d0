"""Key figures: numbers with units and what they count, on the seeds and on numbers that only
look like figures."""

from __future__ import annotations

import pytest

from bot.extract.figures import find_figures, parse_number
from tests.conftest import seed_article


def figures(text: str) -> list[tuple[float, str, str]]:
    return [(f.value, f.unit, f.counts) for f in find_figures(text)]


@pytest.mark.parametrize(
    ("written", "value"),
    [("1,200", 1200), ("1.6", 1.6), ("三千", 3000), ("十二", 12), ("两", 2), ("一百零五", 105)],
)
def test_parse_number(written: str, value: float) -> None:
    assert parse_number(written) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全市已有132个党建引领产业发展共同体。", (132, "个", "党建引领产业发展共同体")),
        ("实现户均增收5250元。", (5250, "元", "户均增收")),
        ("应建必建党组织覆盖率达100%。", (100, "%", "应建必建党组织覆盖率")),
        ("壮大村集体经济资金2090万元。", (20_900_000, "元", "壮大村集体经济资金")),
        ("创建坚强堡垒支部1.6万个。", (16_000, "个", "创建坚强堡垒支部")),
        ("捐款捐物逾14.3亿元。", (1_430_000_000, "元", "捐款捐物")),
        ("培训党员干部155万余人次。", (1_550_000, "人次", "培训党员干部")),
        ("全旗三千余名党员参加。", (3000, "名", "党员")),
        ("覆盖率提高了百分之八十。", (80, "%", "覆盖率提高")),
        ("人均纯收入不足4000元。", (4000, "元", "人均纯收入")),
    ],
)
def test_figures_are_normalised(text: str, expected: tuple[float, str, str]) -> None:
    assert figures(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "“十四五”时期，全区坚持三会一课制度。",
        "坚决做到两个维护，增强四个意识。",
        "走进千家万户，开展百名书记讲党课。",
        "2023年5月，第三届论坛召开，学习二十届三中全会精神。",
        "拨打12345热线反映问题。",
        "建设5G基站，争创3A级景区。",
        "打造15分钟社区养老服务圈，一家人其乐融融。",
    ],
)
def test_numbers_that_are_not_figures(text: str) -> None:
    assert figures(text) == []


def test_figure_spans_and_paragraphs() -> None:
    text = "第一段没有数字。\n第二段建成9个为老餐厅。"
    (figure,) = find_figures(text)
    assert text[figure.start : figure.end] == figure.text == "9个为老餐厅"
    assert figure.paragraph == 1


def test_seed_kanpoint_article_figures() -> None:
    _, text = seed_article("003", 0)
    found = {(f.value, f.unit) for f in find_figures(text)}
    assert {(132, "个"), (5250, "元"), (2710, "个"), (380_000, "亩"), (1e9, "元")} <= found
    for f in find_figures(text):
        assert text[f.start : f.end] == f.text


def test_seed_figures_are_counted_units() -> None:
    _, text = seed_article("002", 0)
    found = {(f.value, f.unit): f.counts for f in find_figures(text)}
    assert found[(2_090_0000, "元")] == "壮大村集体经济资金"
    assert found[(100, "%")] == "应建必建党组织覆盖率"
    assert found[(48_000, "斤")].endswith("产量")
