"""Quoted people: the three shapes news attributes a quote in, and verbs that report none."""

from __future__ import annotations

import pytest

from bot.extract.speakers import find_speakers
from tests.conftest import seed_article


def speakers(text: str) -> list[tuple[str, str]]:
    return [(s.title, s.name) for s in find_speakers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "“解决了单打独斗的问题。”赤峰市委常委、组织部长李炯说。",
            ("赤峰市委常委、组织部长", "李炯"),
        ),
        ("该院第三检察部主任任旭日说：“让数据多跑路。”", ("该院第三检察部主任", "任旭日")),
        (
            "据玉泉区委常委、组织部部长张普介绍，全区建成9个为老餐厅。",
            ("玉泉区委常委、组织部部长", "张普"),
        ),
        (
            "“日子一天比一天红火。”白音汉嘎查“一肩挑”书记敖云代来满脸自豪地说。",
            ("白音汉嘎查“一肩挑”书记", "敖云代来"),
        ),
        ("“签订了订单收购合同。”张兵说。", ("", "张兵")),
        (
            "赤峰市委组织部副部长张广智介绍，全市已有132个共同体。",
            ("赤峰市委组织部副部长", "张广智"),
        ),
    ],
)
def test_speaker_shapes(text: str, expected: tuple[str, str]) -> None:
    assert speakers(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "可以说，这是一次深刻的党性教育。",
        "“让在场党员接受了洗礼。”大家一致表示，要牢记初心。",
        "集宁区委组织部相关负责人介绍，全区建设了11个党群服务站。",
        "参赛队员纷纷表示，收获很大。",
        "他对大家的帮助表示感谢。",
    ],
)
def test_no_named_speaker(text: str) -> None:
    assert speakers(text) == []


def test_speaker_span_and_paragraph() -> None:
    text = "第一段。\n“好。”玛拉沁社区党支部书记周冬瑞说。"
    (speaker,) = find_speakers(text)
    assert text[speaker.start : speaker.end] == "周冬瑞"
    assert speaker.paragraph == 1


def test_seed_speakers() -> None:
    _, text = seed_article("003", 0)
    assert [s.name for s in find_speakers(text)] == [
        "乌云毕力格", "敖云代来", "张广智", "艾广志", "李炯", "张国臣",
    ]  # fmt: skip
