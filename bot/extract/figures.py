"""Key figures: a number with its unit and what it counts or measures.

132个党建引领产业发展共同体 counts what follows the unit; 户均增收5250元 and 覆盖率达100%
measure what precedes the number. Chinese numerals and the magnitudes 万/亿 are normalised
(1.6万个 → 16000 个, 2090万元 → 20900000 元, 三千余名 → 3000 名).

Numbers that are not figures are left alone: years and dates (time units are not units
here), ordinals (第三), slogans counted in small Chinese numerals (两个维护, 四个意识,
三会一课), set phrases led by 百/千/万 (千家万户), and bare numbers without a unit
(“十四五”, 12345热线).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from bot.extract.model import Figure
from bot.extract.text import StretchStart
from bot.segment import get_segmenter

_DIGITS = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CHINESE = "零〇一二两三四五六七八九十百千"
_APPROX = "多余"
# Longest first: the alternation takes the first that matches.
_UNITS = sorted(
    """个百分点 人次 平方公里 平方米 公顷 公里 千米 元 个 家 名 人 户 项 场 次 条 件 所 座 栋
    间 套 台 辆 头 只 匹 口 亩 吨 公斤 斤 米 倍 批 期 篇 部 册 份 处 支 类 种 门 堂 节 课时 学时
    张 株 棵 箱 笔 单 轮 位 对 组 块 片 盏 本 幅 首 千瓦 兆瓦 千瓦时 度 立方米 % ％""".split(),
    key=len,
    reverse=True,
)
_NUMBER = re.compile(
    # Every number starts with a digit or a numeral (百分之 too): lets the regex engine skip,
    # in one test, every position no number can start at.
    rf"(?=[\d{_CHINESE}])"
    rf"(?P<pct>百分之)?"
    rf"(?P<num>{_DIGITS}|[{_CHINESE}]+)"
    rf"(?P<approx1>[{_APPROX}])?"
    rf"(?P<mag>万亿|亿|万|千万|百万)?"
    rf"(?P<approx2>[{_APPROX}])?"
    rf"(?P<unit>{'|'.join(map(re.escape, _UNITS))})?"
)
_CHINESE_DIGITS = dict(
    zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True)
)
_CHINESE_SCALES = {"十": 10, "百": 100, "千": 1000}
_MONEY_MAGNITUDE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千万": 1e7, "百万": 1e6}
# A number is part of a larger token when these touch it.
_GLUED = re.compile(r"[\w.%％]")
_CLAUSE_BREAK = re.compile(r"[，,。；;：:！!？?、“”\"（）()《》\s]")
_CLAUSE_START = StretchStart(_CLAUSE_BREAK.pattern)
# Linking words between what is measured and the number: 覆盖率达100%, 增收超过5000元.
_LINK = re.compile(
    r"(?:达到|达|为|超过|超|突破|逾|近|约|共计|合计|总计|累计|共|计|至|到|了|以上|均|不足"
    r"|不低于|不少于|低于|高于|多于|少于)+$"
)
_LEAD = re.compile(
    r"^(?:其中|目前|截至目前|截至|全年|今年|去年|已|并|还|又|共|累计|先后|同时|通过|实现)+"
)
# Units of measure: what they measure precedes the number (户均增收5250元).
_MEASURES = {
    "元",
    "%",
    "倍",
    "亩",
    "吨",
    "公斤",
    "斤",
    "米",
    "公里",
    "千米",
    "平方米",
    "平方公里",
    "公顷",
    "个百分点",
    "千瓦",
    "兆瓦",
    "千瓦时",
    "度",
    "立方米",
}
_COUNTED_TAGS = ("n", "j")
# Words that end what a number measures, read backwards from it: numbers, classifiers,
# pronouns, prepositions, conjunctions, adverbs (为|全旗干部, 使集体和|个人分红).
_MEASURED_STOP = ("m", "q", "x", "r", "p", "c", "u", "d")
_MAX_COUNTED = 14


def find_figures(text: str) -> list[Figure]:
    """Every key figure in `text` (paragraphs separated by "\n"), in reading order."""
    figures: list[Figure] = []
    paragraph_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    position = 0
    while match := _NUMBER.search(text, position):
        position = match.end() or match.start() + 1
        if not (match["unit"] or match["mag"] or match["pct"]):
            continue  # a bare number (2023年, 统一): most are, so no call is made for them
        figure = _figure(text, match, paragraph_starts)
        if figure is not None:
            figures.append(figure)
            position = max(position, figure.end)
    return figures


def parse_number(written: str) -> float | None:
    """1,200 → 1200; 1.6 → 1.6; 三千 → 3000; 十二 → 12; 两 → 2. None if not a number."""
    cleaned = written.replace(",", "").replace("，", "")
    try:
        return float(cleaned)
    except ValueError:
        pass
    total, current = 0, None
    for ch in written:
        if ch in _CHINESE_DIGITS:
            current = _CHINESE_DIGITS[ch]
        elif ch in _CHINESE_SCALES:
            total += (1 if current is None else current) * _CHINESE_SCALES[ch]
            current = None
        else:
            return None
    return float(total + (current or 0))


def _figure(text: str, match: re.Match[str], paragraph_starts: list[int]) -> Figure | None:
    """The figure a number with a unit, a magnitude or 百分之 states, if it is one."""
    num, unit, mag = match["num"], match["unit"] or "", match["mag"] or ""
    start = match.start()
    if match["pct"]:
        unit = "%"
    if not _stands_alone(text, match):
        return None
    if num[0] in _CHINESE and not _counts_as_chinese_figure(text, match):
        return None
    value = parse_number(num)
    if value is None:
        return None
    value *= _MONEY_MAGNITUDE.get(mag, 1)
    unit = "%" if unit == "％" else unit
    end = match.end()
    counts = ""
    if unit not in _MEASURES:
        counts, end = _counted_after(text, end)
    elif text.startswith("的", end):  # 打造了300平方米的党群活动室: the area of the room
        counts, after = _counted_after(text, end + 1)
        end = after if counts else end
    counted_start = start
    if not counts:
        counts, counted_start = _measured_before(text, start)
    paragraph = bisect_right(paragraph_starts, start) - 1
    written = text[min(counted_start, start) : end]
    return Figure(
        text=written,
        value=value,
        unit=unit,
        counts=counts,
        start=min(counted_start, start),
        end=end,
        paragraph=paragraph,
    )


def _stands_alone(text: str, match: re.Match[str]) -> bool:
    """Not an ordinal, not the tail of a longer token (No.12, A3), not glued to letters
    (5G, 3A级 are not figures)."""
    before = text[match.start() - 1] if match.start() else ""
    if before == "第" or (before and _GLUED.match(before) and not _is_han(before)):
        return False
    after = text[match.end()] if match.end() < len(text) else ""
    return not (after.isascii() and after.isalpha())


def _counts_as_chinese_figure(text: str, match: re.Match[str]) -> bool:
    """Chinese numerals count from ten up (两个维护, 四个意识 are slogans), and must start
    with a digit (千家万户, 百名书记 are set phrases); not after another numeral character."""
    num = match["num"]
    before = text[match.start() - 1] if match.start() else ""
    if num[0] in "百千" or before in _CHINESE:
        return False
    value = parse_number(num)
    return value is not None and (value >= 10 or bool(match["mag"]))


def _counted_after(text: str, end: int) -> tuple[str, int]:
    """The noun phrase the unit classifies: 132个|党建引领产业发展共同体|."""
    window = _CLAUSE_BREAK.split(text[end : end + 24], maxsplit=1)[0]
    counted = ""
    for word, tag in get_segmenter().tag(window):
        if not (tag == "" or tag.startswith(_COUNTED_TAGS)) or word == "的":
            break
        if len(counted) + len(word) > _MAX_COUNTED:
            break
        counted += word
    return counted, end + len(counted)


def _measured_before(text: str, start: int) -> tuple[str, int]:
    """What the number measures: the clause before it up to the linking word
    (户均增收|5250元, 覆盖率|达|100%), a few words at most."""
    clause_start = _CLAUSE_START(text, start)
    clause = text[clause_start:start]
    lead = _LEAD.match(clause)
    skipped = lead.end() if lead else 0
    link = _LINK.search(clause)
    core = clause[skipped : link.start() if link and link.start() >= skipped else len(clause)]
    if not core:
        return "", start
    kept = ""
    for word, tag in reversed(get_segmenter().tag(core)):
        if tag.startswith(_MEASURED_STOP):
            if kept:
                break
            core = core[: len(core) - len(word)]  # 全部|达到: skip words touching the link
            continue
        if kept and len(kept) + len(word) > _MAX_COUNTED - 4:
            break
        kept = word + kept
    return kept, clause_start + skipped + len(core) - len(kept)


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"
