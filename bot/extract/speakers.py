"""Quoted people: who said what, with the title written before the name.

News quotes name their speaker in a few fixed shapes:

* after the quote: “……”赤峰市委常委、组织部长李炯说。
* before it: 该院第三检察部主任任旭日说：“……”
* as a source: 据玉泉区委常委、组织部部长张普介绍，……

The phrase before the speech verb is split at its last role word (书记, 部长, 主任, 牧民 …):
the title is up to and including it, the name is what follows. A phrase with no name
(相关负责人介绍, 大家一致表示) gives no speaker.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from bot.extract.model import Speaker
from bot.extract.text import StretchStart
from bot.segment import get_segmenter

_VERB = r"(?:介绍|表示|说道|说|坦言|指出|谈道|感慨|告诉记者|强调)"
# What may sit between the name and the verb: manner (激动地), place of speech (在…上).
_MANNER = r"(?:[\u4e00-\u9fff]{1,4}地|在[^，。；\n]{1,30}上|也|还|都|均|一致|纷纷|曾|又|再次|笑着)*"
_ATTRIBUTION = re.compile(
    rf"(?P<source>据)?(?P<phrase>(?![“”\"])[^，,。；;！!？?：:\n]{{2,60}}?){_MANNER}{_VERB}"
)
_VERB_AT = re.compile(_VERB)
_CLAUSE_START = StretchStart(r"[，,。；;！!？?：:\n]")
_OPENING = '“”" 　'
_ROLES = sorted(
    """书记 副书记 部长 副部长 主任 副主任 局长 副局长 处长 科长 股长 负责人 董事长 总经理 经理
    主席 院长 检察长 庭长 所长 站长 队长 组长 社长 会长 厂长 校长 镇长 乡长 旗长 县长 区长 市长
    盟长 委员 常委 专干 网格员 志愿者 老师 教师 医生 干部 职工 员工 工作人员 代表 党员 群众 村民
    居民 牧民 农民 农牧民 农机手 种植户 养殖户 大学生 创业者 讲解员 宣讲员 辅导员 指导员 研究员
    馆长 主持人 带头人 申请人 学员 队员 老人 大姐 大爷 大妈 嫂子 师傅 店主 老板 掌柜""".split(),
    key=len,
    reverse=True,
)
_ROLE = re.compile("|".join(_ROLES))
_NAME = re.compile(r"[\u4e00-\u9fff·]{2,7}")
_HONORIFIC = re.compile(r"^[\u4e00-\u9fff](?:先生|女士|师傅|大姐|大爷|老师)$")
_NOT_NAMES = {"大家", "他们", "她们", "我们", "记者", "群众", "有关", "相关", "该院", "同志"}


def find_speakers(text: str) -> list[Speaker]:
    """Every named speaker in `text` (paragraphs separated by "\n"), in reading order."""
    speakers: list[Speaker] = []
    line_breaks = [m.start() for m in re.finditer("\n", text)]
    for verb in _VERB_AT.finditer(text):
        # The attribution is the clause the verb ends: read it from the clause's start.
        start = _CLAUSE_START(text, verb.start(), max(0, verb.start() - 80))
        while start < verb.start() and text[start] in _OPENING:
            start += 1
        match = _ATTRIBUTION.fullmatch(text, start, verb.end())
        if match is None or not (match["source"] or _quotes_around(text, match)):
            continue
        speaker = _speaker(match, bisect_left(line_breaks, match.start()))
        if speaker is not None:
            speakers.append(speaker)
    return speakers


def _quotes_around(text: str, match: re.Match[str]) -> bool:
    """The verb reports a quotation: one closes right before the phrase, or one opens after
    the verb (说：“…), or the verb leads reported speech (介绍，…). Verbs inside a clause
    (表示感谢, 说明) report nothing."""
    before = text[max(0, match.start("phrase") - 4) : match.start("phrase")].rstrip(" 　")
    after = text[match.end() : match.end() + 3].lstrip(" 　")
    return before.endswith(("”", '"')) or after.startswith(("：", ":", "，", ","))


def _speaker(match: re.Match[str], paragraph: int) -> Speaker | None:
    phrase = match["phrase"].strip(" 　")
    offset = match.start("phrase") + match["phrase"].index(phrase[:1]) if phrase else 0
    roles = list(_ROLE.finditer(phrase))
    title, name = "", phrase
    if roles:
        cut = roles[-1].end()
        title, name = phrase[:cut], phrase[cut:]
    if not _is_name(name, titled=bool(title)):
        return None
    start = offset + len(title)
    return Speaker(name=name, title=title, start=start, end=start + len(name), paragraph=paragraph)


def _is_name(name: str, *, titled: bool) -> bool:
    if not _NAME.fullmatch(name) or name in _NOT_NAMES:
        return False
    if _HONORIFIC.match(name) or titled:
        return len(name) <= 7
    # Without a title only what jieba tags as a person's name qualifies (可以说, 也就是说
    # have ordinary words before the verb).
    tags = get_segmenter().tag(name)
    return len(name) <= 4 and all(tag.startswith("nr") for _, tag in tags)
