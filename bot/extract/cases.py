"""Typical cases (典型案例): who did what, where, with what result.

A case is one concrete practice of a named actor in a named place. Sentences are read one by
one for a *practice*: a quoted name with a mechanism word (“六统一”产业发展模式, “牧企军”党员
综合服务队) or an action verb with a mechanism noun (组建了党建引领产业发展共同体, 搭建司法救助
智慧平台). The sentence's subject is its *actor*: an organisation (查干沐沦苏木党委, 集宁区委组织部)
or a place acting as one (玉泉区, 锡林郭勒盟); 该院/该社区 refer back. A practice whose actor
has no place in Inner Mongolia (自治区党委) is region-wide policy, not a case.

Practices of one actor in one paragraph form one case; the same practice named again later
joins its case. Figures and speakers come from the case's paragraphs, and from the
paragraph after when that one only goes on about it (no practice of its own); topics from
the taxonomy, from its practice and summary.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.extract.model import Case, Figure, PlaceMention, Speaker
from bot.extract.topics import get_taxonomy, topics_of
from bot.text import HAN

# Words that make a phrase the name of a practice rather than an ordinary noun phrase.
_MECHANISM = (
    "共同体|联合体|工作机制|机制|发展模式|模式|工程|平台|品牌|服务站|服务圈|服务中心|服务队|"
    "突击队|制度|计划|行动|党课|课堂|清单|书记工程|主题党日活动|活动|竞赛|培训班|讲座|基地|"
    "餐厅|展厅|指挥调度中心|项目|专业合作社|服务|产业|创建|驱动|宣讲|直播助农|直播带货|课程|"
    "专班|领导小组|教学站|中心户|联盟|路线|巡查|巡护|巡逻"
)
# Things a place counts when it reports how many it built (132个党建引领产业发展共同体).
_BUILT = "共同体|联合体|服务站|服务中心|餐厅|基地|示范点|平台"
_VERB_WORDS = (
    "牵头组建 组建 打造 搭建 建立 建成 成立 推行 创新实施 实施 探索 构建 启动 设立 创建 "
    "举办 开展 组织开展 采取 推广 开设 引进 建设 开发 开通 创新 培育 兴办 推出 创办 开办"
).split()
_VERBS = "|".join(_VERB_WORDS) + (
    # 发展 is a verb only at a clause's start or after an adverb (not in 产业发展共同体). The
    # lookbehinds sit after 发 so that every alternative starts with a plain character: then
    # the regex engine skips, in one test, every position no verb can start at.
    f"|发(?:(?<![{HAN}]发)|(?<=(?:积极|大力|着力|重点|共同|加快)发))展"
)
_QUOTED = re.compile(rf"[“‘]([^”’“‘]{{2,24}})[”’]([{HAN}]{{0,12}}(?:{_MECHANISM}))?")
_VERB_QUOTE = re.compile(rf"(?:{_VERBS})(?:了)?(?P<name>“[^”]{{2,20}}”)")
_VERB_DOCUMENT = re.compile(r"(?:制定|出台|印发|制定印发)(?:了)?(?P<name>《[^》]{4,40}》)")
_COUNTED = re.compile(rf"\d+(?:余|多)?[个家座所](?P<name>[{HAN}]{{2,16}}(?:{_BUILT}))")
_VERB_PHRASE = re.compile(
    rf"(?:{_VERBS})(?:了|起|出)?(?:[^，。；“”]{{0,40}}的|并投入运营|[0-9.]+[个家座所支名])?"
    rf"(?P<name>(?:“[^”]{{2,20}}”)?(?:(?!的|了)[{HAN}+]){{1,20}}(?:{_MECHANISM}))"
    rf"(?![{HAN}]{{0,2}}(?:体系|建设))"
)
# A cue inside the quote itself makes it a practice even with no mechanism word after it.
_PRACTICE_IN_QUOTE = re.compile(rf"(?:{_MECHANISM})$|\+|＋|清单|党课|党建$|创建|党校")
_ORG_SUFFIX = re.compile(
    r"党委|党总支|党支部|党工委|党组(?!织)|组织部|检察院|法院|公安局|指挥中心|交警大队|大队|支队|"
    r"检查站|民政局|局|旗委|区委|县委|市委|盟委|政府|公司|集团|合作社|社区|嘎查|村|苏木|镇|"
    r"街道|党校|医院|旗|县|区|市|盟"
)
_CLAUSE_WORD_LIST = (
    "把 将 对 按照 围绕 结合 坚持 积极 始终 扎实 充分 着力 不断 大力 深入 找准 加强 牵头 作为 "
    "以 通过 利用 依托 在 的 抓好 成立 持续 先后 进一步 全面 聚焦 已 还 也 注重 探索 践行 立足 "
    "紧紧 认真 是 推动 深化 确保 精心 与 为 应建 加快 完善 提高 强化 健全 落实 由"
).split()
# Where a clause's subject ends: the first verb, adverb or preposition after it. Only where
# it starts counts, so the lookahead on the first characters of all of them lets the regex
# engine skip every other position in one test.
_CLAUSE_WORD_STARTS = "".join(
    sorted({w[0] for w in [*_VERB_WORDS, *_CLAUSE_WORD_LIST, "发展", "联合", "组织"]})
)
_CLAUSE_WORDS = re.compile(
    rf"(?=[{_CLAUSE_WORD_STARTS}0-9《])"
    rf"(?:{_VERBS}|{'|'.join(_CLAUSE_WORD_LIST)}|联合(?!党委|大党委|党支部)|组织(?!部)|[0-9《])"
)
# Front matter before a clause's subject: time, purpose and reporting phrases.
_LEAD = re.compile(
    r"[”」』’\s]*(?:据|如|在|由|经|近日|近年来|目前|如今|同时|此外|其中|去年|今年)?[，、]?"
)
_CLAUSE_MARK = re.compile("[，：]")
_CLAUSE_END = re.compile("[，。；：]")
_BACK_REFERENCE = re.compile(r"^该(高新区|示范区|院|社区|嘎查|村|镇|旗|区|县|市|公司|局)")
# A zone names itself 园区 after its full name (鄂尔多斯高新区…。园区成立…).
_ZONE_REFERENCE = re.compile(r"^(?:该)?园区(?!党|内|企业)")
_ZONE_NAME = ("高新区", "开发区", "经开区", "园区", "产业园")
# Sentences that report a meeting rather than a practice: who attended, what it stressed.
_MEETING = re.compile(
    r"参加(?:了)?(?:会议|座谈|活动)|出席(?:会议|活动)|主持(?:会议)?|列席|"
    r"会议(?:指出|强调|要求|认为|提出)|(?:召开|举行)[^，。；]{0,24}(?:会议|大会|推进会|座谈会)"
)
# A quoted name after these is praise or a slogan (更是一项“民心工程”), not a measure taken.
_SLOGAN_LEAD = re.compile(
    r"(?:是|成为|被誉为|誉为|称为|堪称|当好|争做|争当)(?:一项|一个|一种|一条)?$"
)
_SLOGAN_REACH = 6  # the longest lead (被誉为一项)
# A line that is only an organisation's name signs the page (…领导小组办公室).
_SIGNATURE = re.compile(rf"^[{HAN}“”]+(?:办公室|领导小组|委员会|组织部|党委|党工委|人民政府)$")
# An actor that is a role, a list or a quotation is no actor: 曾长期担任…党支部, 市委常委、组织部.
_NOT_ACTOR = re.compile(
    r"^(?:曾|担任|现任|原任|时任|原)|(?:常委|书记|部长|主任|委员|局长|旗长|县长|市长|盟长)、"
    r"|[，“”‘’【】（）]|自治区"
)
# What a clause may say before the organisation it names (曾长期担任五股地村党支部书记).
_PARTY_COMMITTEE = re.compile(f"^[{HAN}]*?[市旗县区盟]委")
_ROLE_PREFIX = re.compile(r"^(?:曾经?|长期|现|原|时)*(?:担任|任)")
_PRACTICE_LEAD = re.compile(r"^(?:通过|本次|此次|这次|经过|今年|去年)+")
_BARE_ORGAN = re.compile(r"^(?:党委|党总支|党支部|党工委|党组|组织部|政府)$")
_ORGANISATION = re.compile(
    r"(?:党委|党总支|党支部|党工委|党组|组织部|检察院|法院|公安局|指挥中心|大队|支队|检查站|局|"
    r"旗委|区委|县委|市委|盟委|政府|公司|集团|合作社)$"
)
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")
_QUOTED_NAME = re.compile(r"“[^“”]+”")
# Done in many ways or places at once: the work in general, not one measure.
_MANY_WAYS = re.compile("(?:多层次|多形式|多渠道|多角度|全方位)$")
# A sentence opening so adds a measure of its own rather than going on about the last one.
_ADDITIVE = re.compile(r"^\s*(?:与此同时|同时|此外|另外|另一方面|还)")
_SERVES_EARLIER = re.compile("这一工作|这项工作|此项工作|这一做法|这一机制|在此基础上")
_ADVERB = re.compile(r"(?:全面|积极|大力|着力|深入|同时|还|并|先后|持续|创新|率先)+")
# What the verb patterns and the counted pattern start with: each runs only on the sentences
# holding it (most hold none), from where it first occurs.
_VERB = re.compile(rf"(?:{_VERBS})")
_DIGIT = re.compile(r"\d")
# An actor named without its place (村党支部, 旗委组织部).
_BARE_ACTOR = re.compile("^(?:村|嘎查|社区|镇|苏木|乡|旗|县|区|市|盟)")
_SALIENT_MECHANISM = re.compile("共同体|联合体|机制|模式|平台|工程")
_GENERIC_PRACTICE = re.compile(
    r"^(?:相关|各类|各项|一系列|多种|这一|该|此|新的)?(?:活动|服务|工作机制|机制|模式|平台|制度|工程|品牌|基地|行动)$"
    # a kind of thing rather than one: 各类培训班, 集体经济发展新模式
    r"|^(?:各类|各项|多种|一系列|系列|多层次|多形式)|.*(?:新模式|新路径|新机制|新平台)$"
)


class _Located:
    """The article's located mentions in text order, looked up by offset range."""

    def __init__(self, mentions: list[PlaceMention]) -> None:
        self.mentions = mentions
        self.starts = [m.start for m in mentions]

    def between(self, lo: int, hi: int) -> list[PlaceMention]:
        """Mentions starting at an offset in [lo, hi)."""
        return self.mentions[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]


@dataclass
class _Practice:
    name: str
    sentence: str
    paragraph: int
    start: int  # offset of the sentence in the text
    quoted: bool = False  # said inside a speaker's quotation


@dataclass
class _Draft:
    actor: str
    place: PlaceMention
    paragraph: int
    practices: list[_Practice] = field(default_factory=list)
    last_paragraph: int = 0


def cases_in(
    text: str,
    mentions: list[PlaceMention],
    figures: list[Figure],
    speakers: list[Speaker],
    home: PlaceMention | None = None,
) -> list[Case]:
    """Cases in an article's text; `home` is the article's primary place, where an
    organisation the text does not locate (企业党支部) is taken to be."""
    drafts: list[_Draft] = []
    before: list[tuple[str, int]] = []  # the sentences of the last paragraph that had any
    located = _Located(
        sorted(
            (m for m in mentions if m.paragraph >= 0 and (m.code or m.inferred)),
            key=lambda m: m.start,
        )
    )
    offset = 0
    for index, paragraph in enumerate(text.split("\n")):
        earlier: list[tuple[str, int]] = []  # the paragraph's sentences so far
        carried: list[tuple[tuple[str, PlaceMention], int] | None] | None = None
        for sentence in _SENTENCE.finditer(paragraph):
            start, words = offset + sentence.start(), sentence.group()
            if _MEETING.search(words) or _is_signature(words):
                earlier.append((words, start))
                continue
            for at, name in practices_in(words):
                actor = _actor_of(words, start, at, located, drafts, home)
                # whose quotation it is in matters to an actor not found, or to an unnamed
                # measure (it may serve a case already found): looked up only then
                speaker = None
                if actor is None or not _is_named(name):
                    speaker = _quoted_by(start + at, text, speakers)
                if actor is None and speaker:
                    actor = _speaker_actor(speaker, located)
                borrowed = None  # the sentence whose subject this one goes on with
                if actor is None and (running := _running_subject(earlier, located, drafts, home)):
                    actor, borrowed = running
                if actor is None and _opens_with_verb(words):
                    # `全面推行“…”模式`: the last paragraph's subject goes on (looked up once a
                    # paragraph, and only where a sentence needs it)
                    if carried is None:
                        carried = [_running_subject(before, located, drafts, home)]
                    if carried[0]:
                        actor, borrowed = carried[0]
                if actor is None or not _is_actor(actor[0]):
                    continue
                if _ADDITIVE.match(words):
                    borrowed = None  # 同时创办“田间课堂”: one more measure, not the last one's
                practice = _Practice(name, words, index, start, quoted=speaker is not None)
                draft = _find_draft(drafts, actor, index, practice, borrowed)
                if draft is None:
                    draft = _Draft(*actor, paragraph=index, last_paragraph=index)
                    drafts.append(draft)
                if name not in _names(draft):
                    draft.practices.append(practice)
                draft.last_paragraph = max(draft.last_paragraph, index)
            earlier.append((words, start))
        before = earlier or before
        offset += len(paragraph) + 1
    return [_case(d, drafts, figures, speakers, located) for d in drafts]


def _is_signature(sentence: str) -> bool:
    """A line that is only an organisation's name; a sentence ending in 。 never is one."""
    line = sentence.strip()
    return bool(line) and line[-1] not in "。！？；" and bool(_SIGNATURE.match(line))


def _opens_with_verb(sentence: str) -> bool:
    """A sentence that opens with its verb (`全面推行…`, `同时创办…`) has dropped its subject."""
    lead = _LEAD.match(sentence).end()  # type: ignore[union-attr]
    head = _ADVERB.match(sentence, lead)
    return bool(_VERB.match(sentence, head.end() if head else lead))


def _is_actor(name: str) -> bool:
    return not _NOT_ACTOR.search(name) and not _BARE_ORGAN.match(name)


def _running_subject(
    earlier: list[tuple[str, int]],
    located: _Located,
    drafts: list[_Draft],
    home: PlaceMention | None,
) -> tuple[tuple[str, PlaceMention], int] | None:
    """The subject of the paragraph's latest sentence that has one, with that sentence's
    offset: who a sentence without its own subject is about (most sentences never need it,
    so it is looked up on demand)."""
    for words, start in reversed(earlier):
        if actor := _actor_of(words, start, len(words), located, drafts, home):
            return actor, start
    return None


def practices_in(sentence: str) -> list[tuple[int, str]]:
    """Names of practices a sentence reports with their offsets, in order, without repeats."""
    found: list[tuple[int, str]] = []
    if verb := _VERB.search(sentence):
        for m in _VERB_PHRASE.finditer(sentence, verb.start()):
            name = m.group("name")
            if _MANY_WAYS.search(sentence, max(0, m.start() - 3), m.start()) and not _is_named(
                name
            ):
                continue  # 多层次开展理论宣讲活动: a kind of work done many ways, not one measure
            if not _GENERIC_PRACTICE.match(name.strip("“”")):
                found.append((m.start("name"), name))
        if "“" in sentence:
            found += _named(_VERB_QUOTE.finditer(sentence, verb.start()))
    if "《" in sentence:  # documents are rare: most sentences name none
        found += _named(_VERB_DOCUMENT.finditer(sentence))
    if digit := _DIGIT.search(sentence):
        found += _named(_COUNTED.finditer(sentence, digit.start()))
    if "“" in sentence or "‘" in sentence:
        for m in _QUOTED.finditer(sentence):
            inner, tail = m.group(1), m.group(2)
            if tail or _PRACTICE_IN_QUOTE.search(inner):
                found.append((m.start(), m.group(0)))
    names: list[tuple[int, str]] = []
    for at, name in sorted(found):
        if _SLOGAN_LEAD.search(sentence, max(0, at - _SLOGAN_REACH), at):
            continue  # praise or a slogan
        if name.endswith("系列活动"):
            continue  # 庆“七一”主题系列活动: an umbrella over activities, not one of them
        if name.count("“") != name.count("”"):  # `“通过本次党纪学习教育专题党课`: a quote's piece
            name = _PRACTICE_LEAD.sub("", name.replace("“", "").replace("”", ""))
        if not any(name in n or n in name for _, n in names):
            names.append((at, name))
    return names


def _named(matches: Iterator[re.Match[str]]) -> list[tuple[int, str]]:
    """The offset and text of each match's `name` group."""
    return [(m.start("name"), m.group("name")) for m in matches]


def _actor_of(
    sentence: str,
    start: int,
    at: int,
    located: _Located,
    drafts: list[_Draft],
    home: PlaceMention | None,
) -> tuple[str, PlaceMention] | None:
    """Who does what is said at offset `at` of the sentence: the subject of the nearest
    clause before it (an organisation or a place acting as one), or what 该院/该社区 refers
    back to."""
    clauses = [0] + [m.end() for m in _CLAUSE_MARK.finditer(sentence, 0, at)]
    for clause in reversed(clauses):
        lead = _LEAD.match(sentence, clause).end()  # type: ignore[union-attr]
        if role := _ROLE_PREFIX.match(sentence, lead):
            lead = role.end()
        body = sentence[lead:]
        if back := _BACK_REFERENCE.match(body):
            return _refer_back(back.group(1), start + lead, located, drafts)
        if _ZONE_REFERENCE.match(body):
            zones = [m for m in located.between(0, start + lead) if m.name.endswith(_ZONE_NAME)]
            if zones:
                return zones[-1].name, zones[-1]
        subject = _subject(body)
        begin, end = start + lead, start + lead + len(subject)
        inside = located.between(begin, max(end, begin + 2))
        if inside:
            return subject or inside[0].name, _most_specific(inside)
        if _ORGANISATION.search(subject):  # 产业园联合党委: located by what was said before
            earlier = located.between(0, begin + 1)
            paragraph = earlier[-1].paragraph if earlier else -1
            before = located.between(start, begin) or [
                m for m in located.between(0, begin) if m.paragraph == paragraph
            ]
            if before or home:
                return subject, before[-1] if before else home  # type: ignore[return-value]
    return None


def _refer_back(
    kind: str, offset: int, located: _Located, drafts: list[_Draft]
) -> tuple[str, PlaceMention] | None:
    """该社区 → the last 社区 named before; 该院 → the last actor that is a 院."""
    named = [m for m in located.between(0, offset) if m.name.endswith(kind)]
    if named:
        return named[-1].name, named[-1]
    acting = [d for d in drafts if d.actor.endswith(kind)] or drafts
    return (acting[-1].actor, acting[-1].place) if acting else None


def _speaker_actor(speaker: Speaker, located: _Located) -> tuple[str, PlaceMention] | None:
    """A quoted person's organisation as the actor of what the quote reports (“我们…建立了
    ‘市直机关+旗县区+项目单位’党建共建机制”呼和浩特市委常委、组织部长李炯说)."""
    begin = speaker.start - len(speaker.title)
    places = located.between(begin, speaker.start)
    if not places:
        return None
    title = speaker.title[places[0].start - begin :]  # 曾长期担任…五股地村党支部书记 → 五股地村…
    if "、" in title:  # 呼和浩特市委常委、组织部长 → 呼和浩特市委组织部
        head, tail = title.split("、")[0], title.split("、")[-1]
        party = _PARTY_COMMITTEE.match(head)
        title = party.group() + tail if party else tail
    organisation = _subject(title)
    if not _ORGANISATION.search(organisation):  # a villager speaks for no organisation
        return None
    return organisation, _most_specific(places)


def _subject(clause: str) -> str:
    """The longest organisation name at the front of a clause (鄂尔多斯市杭锦旗人民检察院),
    stopping before the first verb or adverb."""
    clause = _CLAUSE_END.split(clause, maxsplit=1)[0]
    stop = _CLAUSE_WORDS.search(clause)
    front = clause[: stop.start()] if stop else clause[:24]
    best = ""
    for m in _ORG_SUFFIX.finditer(front):
        best = front[: m.end()]
    return best


def _quoted_by(offset: int, text: str, speakers: list[Speaker]) -> Speaker | None:
    """The speaker of the quotation `offset` lies in, if it lies in one."""
    opened = text.rfind("“", 0, offset)
    closed = text.find("”", offset)
    if opened < 0 or closed < 0 or text.rfind("”", 0, offset) > opened:
        return None
    near = [s for s in speakers if opened - 40 <= s.start <= closed + 40]
    return min(near, key=lambda s: min(abs(s.start - closed), abs(s.start - opened)), default=None)


def _most_specific(places: list[PlaceMention]) -> PlaceMention:
    order = {"village": 4, "township": 3, "county": 2, "prefecture": 1}
    return max(places, key=lambda m: (order.get(m.level, 0), m.end))


def _find_draft(
    drafts: list[_Draft],
    actor: tuple[str, PlaceMention],
    paragraph: int,
    practice: _Practice,
    borrowed: int | None = None,
) -> _Draft | None:
    """The case this practice belongs to: the same practice of the same place named again, or
    the same actor's case in this paragraph, unless both name a practice of their own in
    different sentences (“党建+企业帮扶” and “党建+文化旅游” are two cases). A sentence that
    borrows its subject from one reporting a practice goes on about that case (…推行“12345”
    工作机制。探索实施“红苗工程”…); sentences that borrow it from one reporting none are
    measures side by side (…发挥战斗堡垒作用。深耕“A”…。深耕“B”…)."""
    name, place = actor
    if borrowed is not None:
        for draft in drafts:
            if _key(draft.place) == _key(place) and any(
                p.start == borrowed for p in draft.practices
            ):
                return draft
    for draft in drafts:
        same_place = _key(draft.place) == _key(place)
        if same_place and _named_again(practice.name, draft):
            return draft
        if (draft.actor == name or same_place) and draft.last_paragraph == paragraph:
            named = [p for p in draft.practices if _is_named(p.name)]
            if (
                _is_named(practice.name)
                and named
                and practice.start not in {p.start for p in named}
            ):
                continue
            if _ORGANISATION.search(name) and not _ORGANISATION.search(draft.actor):
                draft.actor = name  # 玛拉沁社区党支部 names the actor better than 玛拉沁社区
            return draft
    serves = practice.quoted or _SERVES_EARLIER.search(practice.sentence)
    if serves and not _is_named(practice.name):
        # An unnamed measure a speaker adds (“我们还经常举办义诊服务活动…”) or that serves
        # what came before (为做好这一工作…为老餐厅) belongs to the place's case.
        same = [d for d in drafts if _key(d.place) == _key(place)]
        return same[-1] if same else None
    return None


def _named_again(name: str, draft: _Draft) -> bool:
    """Whether the practice is one of the draft's, named again: the same name, or a quoted
    name that one of its practices holds (“联合党委+企业” in “联合党委+企业”等发展模式)."""
    names = _names(draft)
    if name in names:
        return True
    quoted = _QUOTED_NAME.findall(name)
    return bool(quoted) and all(any(q in n for n in names) for q in quoted)


def _key(place: PlaceMention) -> str:
    return place.code or place.name


def _is_named(practice: str) -> bool:
    return "“" in practice or "‘" in practice or "+" in practice


def _names(draft: _Draft) -> set[str]:
    return {p.name for p in draft.practices}


def _case(
    d: _Draft,
    drafts: list[_Draft],
    figures: list[Figure],
    speakers: list[Speaker],
    located: _Located,
) -> Case:
    """The case with the figures and speaker of its paragraphs: those naming its practices,
    and the one after each when no other case claims it (results often follow)."""
    claimed = {p.paragraph for x in drafts if x is not d for p in x.practices}
    own = {p.paragraph for p in d.practices}
    paragraphs = own | {i + 1 for i in own if i + 1 not in claimed}
    # A stable sort: of equally salient practices, the first found leads.
    ranked = sorted(d.practices, key=_salience, reverse=True)
    practice = " / ".join(p.name for p in ranked[:3])
    summary = ranked[0].sentence.strip()[:160]
    return Case(
        actor=_full_actor(d.actor, d.place),
        place=d.place.code or d.place.parent,
        place_name=d.place.name,
        prefecture=d.place.prefecture,
        practice=practice,
        summary=summary,
        figures=[f for f in figures if f.paragraph in paragraphs],
        speaker=next(
            (s for s in speakers if s.paragraph in paragraphs and _speaks_for(s, d.place, located)),
            None,
        ),
        paragraphs=(min(paragraphs), max(paragraphs)),
        topics=topics_of(
            f"{practice}\n{summary}", limit=2, min_score=get_taxonomy().case_min_score
        ),
    )


def _speaks_for(speaker: Speaker, place: PlaceMention, located: _Located) -> bool:
    """Whether the speaker's title leaves them in the case's place: it names no place, or one
    on the case place's line of divisions (a banner's official does not speak for another)."""
    own = place.code or place.parent or ""
    for m in located.between(speaker.start - len(speaker.title), speaker.start):
        named = m.code or m.parent
        if named and not (own.startswith(named) or named.startswith(own)):
            return False
    return True


def _full_actor(actor: str, place: PlaceMention) -> str:
    """村党支部 → 北村党支部, 旗委组织部 → 阿荣旗旗委组织部: name the place a bare actor
    stands in."""
    if _BARE_ACTOR.match(actor) and place.name not in actor:
        return place.name + (actor[1:] if actor[0] == place.name[-1] else actor)
    return actor


def _salience(p: _Practice) -> tuple[int, int]:
    """Quoted names and mechanism words first; earlier mentions break ties."""
    return (
        ("“" in p.name) + bool(_SALIENT_MECHANISM.search(p.name)),
        -p.start,
    )
