"""Text clean-up functions, on fragments taken from the real seed pages."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

from bot.ingest.normalize import (
    compact_text,
    fingerprint,
    remove_cjk_spaces,
    remove_invisible,
    strip_markdown,
    undouble,
    unify_punctuation,
)
from bot.text import is_traditional, to_simplified

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def seed(prefix: str) -> str:
    (path,) = SAMPLE.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# --- remove_cjk_spaces ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spaced", "clean"),
    [
        ("路 线 决 定 方 向 ，组 织", "路线决定方向，组织"),  # 004, PDF letter-spacing
        ("推 进 的 重 要 法 宝 。 站 在“ 两 个", "推进的重要法宝。站在“两个"),
        ("2024 年 8 月底，内蒙古党校的教室内", "2024年8月底，内蒙古党校的教室内"),  # 001
        ("部 155 万余人次。", "部155万余人次。"),
        ("发生意外时通过按 SOS 键，", "发生意外时通过按SOS键，"),  # 004
        ("打造“15 分钟社区养老服务圈”", "打造“15分钟社区养老服务圈”"),
        ("高质量健康发展。” 鄂尔多斯市委常委", "高质量健康发展。”鄂尔多斯市委常委"),  # 000
        ("党 委 + 合 作 社 + 贫 困 户", "党委+合作社+贫困户"),
        ("全\u3000文", "全文"),
        ("全\u00a0文", "全文"),
    ],
)
def test_spaces_next_to_cjk_go(spaced: str, clean: str) -> None:
    assert remove_cjk_spaces(spaced) == clean


@pytest.mark.parametrize(
    "text", ["New York", "3 000", "玉波2号", "APP and WeChat", "12:30 pm", "New\u00a0York"]
)
def test_spaces_between_latin_words_and_numbers_stay(text: str) -> None:
    assert remove_cjk_spaces(text) == text


def test_remove_invisible_drops_controls_and_zero_width_characters() -> None:
    assert remove_invisible("\ufeff党\u200b建\x00引领\x07") == "党建引领"
    assert remove_invisible("a\tb") == "a\tb"


# --- unify_punctuation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "unified"),
    [
        (
            "坚持党要管党、全面从严治党,清廉高新建设",
            "坚持党要管党、全面从严治党，清廉高新建设",
        ),  # 002
        ("如何管好企业用好人才?助力企业发展壮大", "如何管好企业用好人才？助力企业发展壮大"),
        ("社区服务真的很贴心暖心!”", "社区服务真的很贴心暖心！”"),
        ("网格长、小区长(楼群长)、楼栋长", "网格长、小区长（楼群长）、楼栋长"),  # 003
        ("注:以下为摘要;请参阅", "注：以下为摘要；请参阅"),
        ("通过“学习强国”APP(手机版)学习", "通过“学习强国”APP（手机版）学习"),
        ("精神 , 弘扬", "精神 ， 弘扬"),  # adjacency looks through spaces
        ("给村集体提供了“大舞台”,", "给村集体提供了“大舞台”，"),  # 003, and through quotes
        ("２０２０年，ＡＰＰ和ａｐｐ", "2020年，APP和app"),
        ("有关政策措施》⋯⋯锡林郭勒盟", "有关政策措施》……锡林郭勒盟"),  # 004
    ],
)
def test_ascii_punctuation_next_to_cjk_becomes_full_width(raw: str, unified: str) -> None:
    assert unify_punctuation(raw) == unified


@pytest.mark.parametrize(
    "text",
    [
        "1,000",
        "12:30",
        "3,000元",
        "会议12:30开始",
        "Hello, world!",
        "He said “hi”, then left",
        "f(x) = 1",
        "(1)(2)",
        "a;b",
    ],
)
def test_punctuation_between_digits_or_latin_text_stays(text: str) -> None:
    assert unify_punctuation(text) == text


def test_parentheses_are_converted_as_a_pair() -> None:
    assert unify_punctuation("(1)第一部分") == "（1）第一部分"
    assert unify_punctuation("see (RFC 1)") == "see (RFC 1)"


# --- undouble -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doubled", "single"),
    [
        (
            "近日近日，，通辽市奈曼旗公安局交警大队全体党员民辅警在奈"
            "通辽市奈曼旗公安局交警大队全体党员民辅警在奈",
            "近日，通辽市奈曼旗公安局交警大队全体党员民辅警在奈",
        ),
        (
            "想根基想根基。。图为民辅警重温入党誓词图为民辅警重温入党誓词。。 "
            "本报记者本报记者 陈春艳陈春艳 摄摄",
            "想根基。图为民辅警重温入党誓词。 本报记者 陈春艳 摄",
        ),
        ("宣誓宣誓", "宣誓"),
        ("宣讲宣讲", "宣讲"),
        ("守护守护", "守护"),
    ],
)
def test_a_line_printed_twice_is_undoubled(doubled: str, single: str) -> None:
    assert undouble(doubled) == single


@pytest.mark.parametrize(
    "line",
    [
        "干干净净做事、清清白白做人",  # 004: reduplication is not doubling
        "看看",  # too short to tell
        "踏踏实实走好每一步",
        "谋思路、定措施，出实招、破难题",
        "近日近日，通辽市",  # only part of the line is doubled
        "",
        "   ",
    ],
)
def test_ordinary_lines_are_not_undoubled(line: str) -> None:
    assert undouble(line) == line


def test_every_doubled_line_of_seed_004_is_undoubled() -> None:
    lines = [line for line in seed("004").splitlines() if "近日近日" in line or "摄摄" in line]
    assert [undouble(line)[:4] for line in lines] == ["近日，通", "想根基。"]


def test_no_ordinary_seed_line_is_undoubled() -> None:
    doubled_block = ("近日近日", "曼旗委", "廉政教育", "产党发展", "想根基", "宣誓宣誓", "宣讲宣讲")
    for prefix in ("000", "001", "002", "003", "004"):
        for line in seed(prefix).splitlines():
            if not line.startswith(doubled_block) and line != "守护守护":
                assert undouble(line) == line


def test_undouble_is_quick_on_a_long_line() -> None:
    assert undouble("党建" * 100_000) == "党建" * 100_000


# --- strip_markdown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "result"),
    [
        ("## ■ 看点", ("■ 看点", 2)),
        (
            "# 下好党建领航“先手棋” 铺好产业兴旺“幸福路”",
            ("下好党建领航“先手棋” 铺好产业兴旺“幸福路”", 1),
        ),
        ("###### 小标题 ##", ("小标题", 6)),
        ("联建共建,  ", ("联建共建,", 0)),  # 003: hard-break spaces
        ("##", ("", 2)),
        ("#话题#", ("#话题#", 0)),  # no space after the hashes: not a heading
        ("####### 七级", ("####### 七级", 0)),
        ("正文", ("正文", 0)),
    ],
)
def test_strip_markdown(line: str, result: tuple[str, int]) -> None:
    assert strip_markdown(line) == result


# --- script and fingerprints ----------------------------------------------------------


def test_to_simplified_converts_traditional_script() -> None:
    assert to_simplified("黨建引領產業發展共同體") == "党建引领产业发展共同体"
    assert to_simplified("党建引领") == "党建引领"
    assert to_simplified("") == ""


def test_is_traditional() -> None:
    text = seed("003")
    assert not is_traditional(text)
    assert is_traditional(opencc.OpenCC("s2t").convert(text))
    assert not is_traditional("")
    assert not is_traditional("New York 2024")


def test_compact_text_keeps_only_letters_and_digits_in_simplified_script() -> None:
    assert compact_text("黨建 引領，“產業”發展！") == "党建引领产业发展"
    assert compact_text("ＡＰＰ ⑦") == "app7"


def test_fingerprint_ignores_wrapping_spacing_punctuation_and_script() -> None:
    page = seed("003")
    variants = [
        page.replace(",", "，"),
        page.replace("\n", ""),
        " ".join(page),
        opencc.OpenCC("s2t").convert(page),
    ]
    assert {fingerprint(v) for v in variants} == {fingerprint(page)}
    assert fingerprint(page) != fingerprint(page.replace("赤峰", "通辽"))
    assert len(fingerprint("")) == 40
