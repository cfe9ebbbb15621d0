"""A case's text in a compilation: 背景, 做法, 成效 and 讲述 are whole sentences of the
article, each told once. The article below is written for this test."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.export.casetext import case_text
from bot.export.official import chinese_number
from bot.library import CaseCard, Speaker

ARTICLE = "\n".join(
    [
        "东风嘎查地处沙区，过去集体经济薄弱。",
        "前些年，嘎查里年轻人外出多，土地撂荒。东风嘎查党支部牵头成立了“党支部+合作社”"
        "联营模式，把零散草场统一经营。到去年底，合作社入社牧户120户，集体收入增加35万元。"
        "“以前各家单干，现在抱团发展，心里踏实多了。”嘎查党支部书记巴特尔说。",
        "镇党委推进“一村一品”工作，据镇党委书记王建国介绍，推进“一村一品”效果明显。",
    ]
)


def case(**changes: Any) -> CaseCard:
    base = CaseCard(
        case_id=1,
        article_id=1,
        title="东风嘎查的新路",
        date="2024-07-01",
        actor="东风嘎查党支部",
        place="东风嘎查",
        place_code=None,
        chain=[],
        official_place=None,
        prefecture=None,
        practice="“党支部+合作社”联营模式",
        summary="东风嘎查党支部牵头成立了“党支部+合作社”联营模式，把零散草场统一经营。",
        figures=[{"text": "入社牧户120户"}, {"text": "集体收入增加35万元"}],
        speaker=Speaker("巴特尔", "嘎查党支部书记"),
        topics=[],
        paragraphs=[1, 1],
    )
    return replace(base, **changes)


def test_the_parts_are_the_articles_sentences_each_once() -> None:
    parts = case_text(ARTICLE, case())
    assert parts.background == "前些年，嘎查里年轻人外出多，土地撂荒。"
    assert parts.practice == case().summary
    assert parts.results == "到去年底，合作社入社牧户120户，集体收入增加35万元。"
    assert parts.quote == "“以前各家单干，现在抱团发展，心里踏实多了。”嘎查党支部书记巴特尔说。"


def test_a_summary_cut_short_is_found_whole() -> None:
    cut = case(summary="东风嘎查党支部牵头成立了“党支部+合作社”联营模…")
    assert case_text(ARTICLE, cut).practice.endswith("把零散草场统一经营。")


def test_a_quoted_term_after_a_name_is_not_speech() -> None:
    parts = case_text(
        ARTICLE,
        case(
            summary="镇党委推进“一村一品”工作，据镇党委书记王建国介绍，推进“一村一品”效果明显。",
            paragraphs=[2, 2],
            figures=[],
            speaker=Speaker("王建国", "镇党委书记"),
        ),
    )
    assert parts.quote == "" and parts.results == "" and parts.background == ""


def test_a_speaker_introducing_the_quotation() -> None:
    text = "某社区党委推行“楼栋长”制度。社区书记李红说：“楼栋长把居民的事办在了家门口。”"
    parts = case_text(
        text,
        case(
            summary="某社区党委推行“楼栋长”制度。",
            paragraphs=[0, 0],
            figures=[],
            speaker=Speaker("李红", "社区书记"),
        ),
    )
    assert parts.quote == "社区书记李红说：“楼栋长把居民的事办在了家门口。”"


def test_heading_numbers_in_chinese() -> None:
    numbers = {1: "一", 10: "十", 11: "十一", 20: "二十", 35: "三十五", 100: "一百",
               105: "一百零五", 112: "一百一十二", 200: "二百"}  # fmt: skip
    assert {n: chinese_number(n) for n in numbers} == numbers
