"""The places an article mentions, resolved to gazetteer codes, and the ones it is about.

1. **Match.** One Aho–Corasick automaton holds every name of every division (official names,
   aliases, village short forms, special areas), the region's own names and places outside
   Inner Mongolia; the longest name wins where names overlap (鄂托克前旗 over 鄂托克).
2. **Filter.** Short forms inside organisation names are brand names, not places (乌兰发展集团);
   village names and two-character aliases must stand as words of their own (美丽村庄 does
   not name 美丽村).
3. **Resolve by context, never by guessing.** A name with several candidates (新城区, 杭锦,
   和平村), a village name, or an alias that is also an ordinary word (青山, 乌兰) is kept only
   where the text names one of its ancestors: the same sentence first, then the paragraph,
   then the article; a tie left between 盟市 is broken by the article's dominant 盟市. What
   stays open is stored as ambiguous and never counted.
4. **Infer** divisions missing from the gazetteer (X嘎查, X社区, X产业园) by their suffix, under
   the nearest place the sentence or paragraph names.
5. **Primary places**: the 盟市, and below it the most specific place, that hold most of the
   article's mentions, with the title and lead paragraph weighing more.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from operator import attrgetter

from ahocorasick_rs import AhoCorasick, MatchKind

from bot.extract.model import ArticlePlace, PlaceMention
from bot.extract.text import StretchStart
from bot.places import Gazetteer, get_gazetteer
from bot.segment import get_segmenter
from bot.text import HAN

DEPTH = {"prefecture": 1, "county": 2, "township": 3, "village": 4}
# The region itself: not a place to count, but matched so nothing inside it is (内蒙古 ⊃ 蒙古).
REGION_WORDS = ("内蒙古自治区", "内蒙古", "自治区", "全区", "我区", "全盟", "全市", "全旗")
_ORGANISATION = re.compile(rf"[{HAN}]{{0,8}}?(?:集团|有限公司|有限责任公司|股份公司|公司)")
_JIEBA_RUN_CHARS = r"\u4E00-\u9FD5a-zA-Z0-9+#&._%\-"
_JIEBA_RUN = re.compile(f"[{_JIEBA_RUN_CHARS}]+")
_RUN_START = StretchStart(f"[^{_JIEBA_RUN_CHARS}]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
# A name that runs on into one of these is part of a landmark's or a street's name (乌海湖,
# 苏布尔嘎街, 西山西路 holding 山西), not the division; the second kind may stand a word or
# two after it (成吉思汗指挥塔, 乌力吉图敖包).
_LANDMARK = re.compile(
    r"(?:湖|河(?!畔)|山|岭|峰|塔|桥|路|街(?!道)|大街|大道|巷|陵|庙|寺|敖包|水库|公园|广场|草原|湿地|"
    r"机场|纪念碑|纪念馆|博物馆|雕塑|古城|遗址)"
)
_NAMED_LANDMARK = re.compile(rf"[{HAN}]{{1,2}}(?:塔|碑|陵|敖包|雕塑|纪念碑|纪念馆)")
_LANDFORM = tuple("山湖河岭峰海")
# A division's name ends in one of these; such a name is never a landmark's first part.
_DIVISION_END = (*"市盟旗县区镇乡村", "苏木", "嘎查", "社区", "街道", "高新区", "开发区")
# What may stand between an outside city or province and a division it holds (武汉|市|青山区).
_OUTSIDE_LINK = re.compile("[市省县区]?")
# Divisions the gazetteer may lack, recognised by their suffix (longest suffix first).
_INFERRED_SUFFIX = re.compile(
    r"经济技术开发区|工业园区|产业园区|产业园|高新区|开发区|嘎查|社区|苏木|街道|街坊|村|镇|乡"
)
_LONGEST_STEM = 9  # of an inferred name: 金桥电子商务 in 金桥电子商务产业园
# How far past its first character a suffix can reach, and past the place before it an
# inferred name.
_SUFFIX_REACH = max(len(suffix) for suffix in _INFERRED_SUFFIX.pattern.split("|"))
_INFERRED_REACH = _LONGEST_STEM + _SUFFIX_REACH
_STOP = re.compile(r"[的、，。；：！？“”‘’（）《》 \n]")
_GENERIC_STEMS = (
    "贫困", "重点", "薄弱", "美丽", "示范", "试点", "先进", "红色", "周边", "城郊", "偏远", "边境",
    "全国", "农村", "乡村", "城市", "城乡", "所在", "辖区", "相关", "周围", "少数民族", "民族",
    "旅游", "生态", "文明", "和谐", "幸福", "智慧", "数字", "特色", "新型", "现代", "老旧", "农牧",
    "基层", "嘎查村", "乡镇", "党委", "党支部", "党组织", "委员会",
)  # fmt: skip
# jieba tags of known words that make a stem a clause, not a name: verbs, adverbs,
# prepositions, conjunctions, particles, pronouns, adjectives, idioms, numerals, measures.
_CLAUSE_TAGS = set("vdpcuralmq")
_INFERRED_LEVEL = {"嘎查": "village", "村": "village", "社区": "village", "街坊": "village"}
# A two-character stem that is also a verb or an adjective (奔腾, 和谐) names a community when
# the community's own organisation follows (回民区奔腾社区党支部), not in a clause such as
# 推动社区治理.
_OWN_ORGAN = re.compile("党支部|党总支|党委|居委会|居民委员会|村委会|委员会")
# Verbs that take a community as their object (推动社区党支部建设): never a community's stem.
_ACTS_ON = frozenset(
    "推动 推进 指导 督促 组织 带领 联系 深入 走进 服务 建设 加强 帮助 深化 进入 覆盖 包联 联建 "
    "共建 下沉 走访 打造 创建 开展 整合 依托 规范 健全 完善 支持 引导 选派 派驻 成立 设立".split()
)
# `开元、鸿翔、黄金、花园、富力、果园6个社区`: units listed by their stems, then counted.
_LISTED = re.compile(
    rf"(?:在|的|下辖|所辖|辖区内?)?((?:[{HAN}]{{2,4}}、)+[{HAN}]{{2,4}})(?:等)?"
    r"(\d+|[两二三四五六七八九十]+)个(社区|嘎查|村|街坊)"
)


@dataclass(frozen=True)
class _Name:
    text: str
    kind: str  # place, outside, region
    codes: tuple[str, ...] = ()
    risky: bool = False  # every reading is an alias that is also an ordinary word
    official: bool = False  # some reading's official name (not only an alias)
    village: bool = False  # every reading is a 嘎查村/社区
    # Every division whose being named nearby supports some reading (see `_supporting`):
    # where none is named, nothing can decide between the readings.
    supporters: frozenset[str] = frozenset()


@dataclass(slots=True)
class _Match:
    name: _Name
    start: int  # offsets into title + "\n" + text
    end: int
    sentence: int
    paragraph: int
    code: str | None = None
    ambiguous: bool = False
    is_word: bool | None = None  # see `_is_word`; None until asked


class PlaceMatcher:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        # Resolution, weighting and every mention look these up hundreds of times per
        # article: one table each rather than a walk through the gazetteer.
        self.chain = {code: gazetteer.chain(code) for code in gazetteer.divisions}
        self.prefecture = {code: chain[-1] for code, chain in self.chain.items()}
        self.level = {code: d.level for code, d in gazetteer.divisions.items()}
        self.depth = {code: DEPTH[level] for code, level in self.level.items()}
        # What supports reading a name as a code, by code and by whether the name is risky.
        self.supporting: dict[tuple[str, bool], tuple[str, ...]] = {}
        codes: dict[str, set[str]] = defaultdict(set)
        safe: dict[str, bool] = defaultdict(bool)
        for place in gazetteer.place_names():
            codes[place.name].add(place.code)
            safe[place.name] |= not place.risky
        # A later kind overrides an earlier one for the same word: region over place over
        # outside.
        entries: dict[str, _Name] = {}
        for word in gazetteer.outside_names():
            entries[word] = _Name(word, "outside")
        for name, found in codes.items():
            if self._names_landform(name, found):
                entries[name] = _Name(name, "region")  # 大青山 is the mountain, not 大青山乡
            elif len(name) >= 2:
                risky = not safe[name]
                for c in found:
                    self.supporting[c, risky] = self._supporting(c, risky)
                entry = _Name(
                    name,
                    "place",
                    tuple(sorted(found)),
                    risky=risky,
                    official=any(gazetteer.divisions[c].name == name for c in found),
                    village=all(gazetteer.divisions[c].level == "village" for c in found),
                    supporters=frozenset(a for c in found for a in self.supporting[c, risky]),
                )
                entries[name] = entry
        for word in [*gazetteer.not_place_names(), *REGION_WORDS]:
            entries[word] = _Name(word, "region")
        self.names = list(entries.values())
        self.automaton = AhoCorasick(list(entries), matchkind=MatchKind.LeftmostLongest)

    def _names_landform(self, name: str, codes: set[str]) -> bool:
        """A township's or village's short form that ends like a mountain, lake or river (大青山,
        乌拉山) names the landform; the unit goes by its full name (大青山乡)."""
        return (
            name.endswith(_LANDFORM)
            and not any(self.gazetteer.divisions[c].name == name for c in codes)
            and all(self.gazetteer.divisions[c].level in ("township", "village") for c in codes)
        )

    def find(self, title: str, text: str) -> tuple[list[PlaceMention], list[str]]:
        """Mentions in the title (paragraph -1, offsets into the title) and the text, and
        the codes of the article's primary places."""
        full = f"{title}\n{text}"
        words = _WordEdges(full)
        matches, outside = self._matches(full)
        matches = self._resolve(matches, words)
        mentions = [self._mention(m, title) for m in matches if m.code or m.ambiguous]
        mentions += [self._outside(m, title) for m in outside]
        mentions += self._infer(full, title, matches, words)
        mentions.sort(key=attrgetter("paragraph", "start"))
        return mentions, self._primary(matches)

    def article_places(
        self, mentions: list[PlaceMention], primary: list[str]
    ) -> list[ArticlePlace]:
        """Distinct resolved divisions, primary ones first, then by number of mentions."""
        counts = Counter(m.code for m in mentions if m.code)
        codes = list(dict.fromkeys([*primary, *(c for c, _ in counts.most_common())]))
        return [
            ArticlePlace(
                code=code,
                name=self.gazetteer.divisions[code].name,
                level=self.level[code],
                prefecture=self.prefecture[code],
                primary=code in primary,
                mentions=counts[code],
            )
            for code in codes
        ]

    # --- 1, 2: match and filter -------------------------------------------------------

    def _matches(self, full: str) -> tuple[list[_Match], list[_Match]]:
        sentence_ends = [m.start() for m in _SENTENCE_END.finditer(full)]
        line_breaks = [m.start() for m in re.finditer("\n", full)]
        places: list[_Match] = []
        outside: list[_Match] = []
        outside_named: set[str] = set()  # names read as outside where an outside place held them
        for index, start, end in self.automaton.find_matches_as_indexes(full):
            name = self.names[index]
            if name.kind == "region":
                continue
            if name.kind == "place" and not name.official and _ORGANISATION.match(full, end):
                continue  # 乌兰发展集团, 乌斯太精细化工有限公司: a brand, not a place
            if _in_landmark(name.text, full, end):
                continue
            if name.kind == "place" and outside and _follows(full, outside[-1].end, start):
                outside_named.add(name.text)  # 武汉市青山区: Wuhan's, not 包头's
                continue
            sentence = bisect_left(sentence_ends, start)
            match = _Match(name, start, end, sentence, bisect_left(line_breaks, start))
            (outside if name.kind == "outside" else places).append(match)
        # The article means the same place by the same name throughout (青山区委组织部 later).
        if outside_named:
            places = [m for m in places if m.name.text not in outside_named]
        return places, outside

    # --- 3: resolve ---------------------------------------------------------------------

    def _resolve(self, matches: list[_Match], words: _WordEdges) -> list[_Match]:
        """Read each match as a place, as ambiguous or as none, and leave out the village
        names and ordinary-word aliases that do not stand as words of their own (美丽村庄
        does not name 美丽村).

        Telling a word needs jieba, the costliest step of all, so it is asked only of the
        matches that count or shape what counts: those read as a place or as ambiguous, and
        those close enough after a place to hide an inferred name from `_infer`. Most are
        neither, for nothing near them locates them, and are kept unasked: unread and far
        from any place, they change nothing."""
        # First pass: context from names that cannot be anything else; second pass: from
        # what the first pass resolved as well (白音汉嘎查 once 乌丹镇 is known). Where the
        # first resolved nothing, the second would see the same context and decide the same.
        open_, learned = [], []
        for m in matches:
            if self._certain(m):
                m.code = m.name.codes[0]
                learned.append(m)
            else:
                open_.append(m)
        context: dict[tuple[str, int], set[str]] = defaultdict(set)
        per_prefecture: Counter[str] = Counter()  # resolved mentions
        for _ in range(2):
            if not open_:
                break
            for m in learned:
                assert m.code
                chain = self.chain[m.code]
                context["s", m.sentence].update(chain)
                context["p", m.paragraph].update(chain)
                context["a", 0].update(chain)
                per_prefecture[chain[-1]] += 1
            dominant = _dominant(per_prefecture)
            for m in open_:
                m.code, m.ambiguous = self._decide(m, context, dominant)
                if (m.code or m.ambiguous) and not self._is_word(m, words):
                    m.code, m.ambiguous = None, False  # before it becomes context
            learned = [m for m in open_ if m.code]
            if not learned:
                break
        # A name read one way where the text located it is read the same way throughout
        # the article (牛营子镇 after 喀喇沁旗牛营子镇).
        read_as = {m.name.text: m.code for m in matches if m.code}
        kept = []
        place_end = -_INFERRED_REACH  # of the last place read
        for m in matches:
            reading = None if m.code else read_as.get(m.name.text)
            matters = m.code or m.ambiguous or reading or m.start - place_end < _INFERRED_REACH
            if matters and not self._is_word(m, words):
                continue
            if reading:
                m.code, m.ambiguous = reading, False
            if m.code:
                place_end = m.end
            kept.append(m)
        return kept

    def _certain(self, m: _Match) -> bool:
        return len(m.name.codes) == 1 and not m.name.risky and not m.name.village

    def _is_word(self, m: _Match, words: _WordEdges) -> bool:
        """Whether `m` stands as a word of its own where it must: a village name or an
        ordinary-word alias."""
        if m.is_word is None:
            must = m.name.risky or m.name.village
            m.is_word = not must or (m.start in words and m.end in words)
        return m.is_word

    def _decide(
        self, m: _Match, context: dict[tuple[str, int], set[str]], dominant: str | None
    ) -> tuple[str | None, bool]:
        """The code `m` names, or (None, True) if the text leaves several open, or
        (None, False) if it is not a place mention at all."""
        candidates = list(m.name.codes)
        # An ordinary word (幸福, 青山) needs its place named close by, not just somewhere.
        scopes = [("s", m.sentence), ("p", m.paragraph)]
        if not m.name.risky:
            scopes.append(("a", 0))
        supported = False
        for scope in scopes:
            known = context.get(scope)
            if known is None or known.isdisjoint(m.name.supporters):
                continue  # nothing named there supports any reading
            support = {c: self._support(c, m.name, known) for c in candidates}
            best = max(support.values())
            if best:
                supported = True
                candidates = [c for c in candidates if support[c] == best]
                if len(candidates) == 1:
                    return candidates[0], False
        if len(candidates) > 1 and dominant:
            in_dominant = [c for c in candidates if self.prefecture[c] == dominant]
            if len(in_dominant) == 1:
                return in_dominant[0], False
        needs_support = m.name.risky or m.name.village
        if len(candidates) > 1:
            return None, supported or not needs_support
        if needs_support and not supported:
            return None, False  # an ordinary word or a village name nothing here locates
        return candidates[0], False

    def _support(self, code: str, name: _Name, known: set[str]) -> int:
        """How specific the named ancestor (or the place itself) is that supports reading
        `name` as `code`; 0 if none, or none specific enough for a risky name or village."""
        # The chain runs from the most specific division up: the first named is the best.
        supporting = self.supporting[code, name.risky]
        return next((self.depth[a] for a in supporting if a in known), 0)

    def _supporting(self, code: str, risky: bool) -> tuple[str, ...]:
        """The division and those of its ancestors specific enough to support reading a name
        as `code`, most specific first: a village needs its township or county, a risky
        name a division at most one level up."""
        depth = self.depth[code]
        needed = 2 if depth == 4 else max(1, depth - 1) if risky else 1
        return tuple(a for a in self.chain[code] if self.depth[a] >= needed)

    # --- 4: infer -------------------------------------------------------------------------

    def _infer(
        self, full: str, title: str, matches: list[_Match], words: _WordEdges
    ) -> list[PlaceMention]:
        """Divisions the gazetteer lacks, named right after the place that encloses them
        (翁牛特旗乌丹镇白音汉嘎查, 呼和浩特市金桥电子商务产业园): elsewhere a suffix such as 村
        or 社区 is far more often an ordinary word than a name."""
        taken = {i for m in matches for i in range(m.start, m.end)}
        found: list[PlaceMention] = []
        for m in matches:
            if not m.code or m.end in taken:
                continue
            span = _named_after(full, m.end, words)
            if span is None or any(i in taken for i in range(*span)):
                continue
            start, end = span
            suffix = _INFERRED_SUFFIX.search(full, start, end)
            assert suffix
            found.append(
                self._located(
                    title,
                    full[start:end],
                    None,
                    _INFERRED_LEVEL.get(suffix.group(), "township"),
                    start,
                    end,
                    m.paragraph,
                    inferred=True,
                    parent=m.code,
                )
            )
            taken.update(range(start, end))
        found += self._listed(full, title, matches, taken)
        return found

    def _listed(
        self, full: str, title: str, matches: list[_Match], taken: set[int]
    ) -> list[PlaceMention]:
        """Units listed by their stems right after the place that holds them (回民区在开元、
        鸿翔…6个社区): each is a unit of that place. A list whose count disagrees with its
        items is not read."""
        if "、" not in full:
            return []
        found: list[PlaceMention] = []
        for parent in matches:
            listed = _LISTED.match(full, parent.end) if parent.code else None
            if listed is None or listed.start(1) in taken:
                continue
            items = listed.group(1).split("、")
            if str(len(items)) != listed.group(2):
                continue
            suffix, at = listed.group(3), listed.start(1)
            for item in items:
                found.append(
                    self._located(
                        title,
                        item + suffix,
                        None,
                        _INFERRED_LEVEL.get(suffix, "village"),
                        at,
                        at + len(item),
                        parent.paragraph,
                        inferred=True,
                        parent=parent.code,
                    )
                )
                at += len(item) + 1
        return found

    # --- 5: primary ---------------------------------------------------------------------

    def _primary(self, matches: list[_Match]) -> list[str]:
        """Walk down from the dominant 盟市 while one child holds most of its weight."""
        weight: Counter[str] = Counter()
        for m, after in pairwise([*matches, None]):
            if after and after.start == m.end and after.code and m.code in self.chain[after.code]:
                continue  # 呼和浩特市|赛罕区: the parent qualifies the child, it is not a topic
            if m.code:
                w = 3 if m.paragraph == 0 else 2 if m.paragraph == 1 else 1
                for code in self.chain[m.code]:
                    weight[code] += w
        prefectures = {c: w for c, w in weight.items() if self.level[c] == "prefecture"}
        if not prefectures:
            return []
        top = max(prefectures, key=lambda c: prefectures[c])
        if prefectures[top] * 2 <= sum(prefectures.values()):
            return []  # the article ranges over the region
        primary = [top]
        while True:
            children = {c: w for c, w in weight.items() if self._parent(c) == primary[-1]}
            if not children:
                return primary
            child = max(children, key=lambda c: children[c])
            if children[child] < 2 or children[child] * 10 < weight[primary[-1]] * 6:
                return primary
            primary.append(child)

    def _parent(self, code: str) -> str:
        return self.gazetteer.divisions[code].parent_code

    # --- mentions out -------------------------------------------------------------------

    def _mention(self, m: _Match, title: str) -> PlaceMention:
        level = self.level[m.code or m.name.codes[0]]
        return self._located(
            title,
            m.name.text,
            m.code,
            level,
            m.start,
            m.end,
            m.paragraph,
            ambiguous=m.ambiguous,
            candidates=m.name.codes if m.ambiguous else (),
        )

    def _outside(self, m: _Match, title: str) -> PlaceMention:
        return self._located(title, m.name.text, None, "outside", m.start, m.end, m.paragraph)

    def _located(
        self,
        title: str,
        name: str,
        code: str | None,
        level: str,
        start: int,
        end: int,
        paragraph: int,
        *,
        inferred: bool = False,
        ambiguous: bool = False,
        candidates: tuple[str, ...] = (),
        parent: str | None = None,
    ) -> PlaceMention:
        """The mention as stored, built once (an article has dozens): offsets into the title
        (paragraph -1) or the text rather than into title + "\\n" + text, and the 盟市 of its
        code or parent."""
        if start < len(title):
            paragraph = -1
        else:
            skip = len(title) + 1
            start, end, paragraph = start - skip, end - skip, paragraph - 1
        located = code or parent
        return PlaceMention(
            name,
            code,
            level,
            start,
            end,
            paragraph,
            inferred=inferred,
            ambiguous=ambiguous,
            candidates=candidates,
            parent=parent,
            prefecture=self.prefecture[located] if located else None,
        )


class _WordEdges:
    """Offsets where a jieba word starts or ends. jieba cuts each run of Han characters,
    letters and digits on its own (its `re_han_default`), so only the runs asked about are
    segmented, and a run's own edges are word edges without segmenting anything. The run
    around an offset is found from the offset itself: listing every run of the article
    would cost more than the few offsets asked about."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.edges: dict[int, set[int]] = {}  # by the start of the run

    def __contains__(self, offset: int) -> bool:
        start = _RUN_START(self.text, offset)
        run = _JIEBA_RUN.match(self.text, offset)
        if start == offset or run is None:  # no run goes on across the offset
            return True
        if start not in self.edges:
            words = get_segmenter().boundaries(self.text[start : run.end()])
            self.edges[start] = {start + i for i in words}
        return offset in self.edges[start]


def _in_landmark(name: str, full: str, end: int) -> bool:
    """Whether the name matched before `end` begins a landmark's or a street's name."""
    if name.endswith(_DIVISION_END):
        return False
    return bool(_LANDMARK.match(full, end) or _NAMED_LANDMARK.match(full, end))


def _follows(full: str, outside_end: int, start: int) -> bool:
    """Whether a name starting at `start` comes right after an outside place (and its 市)."""
    link = _OUTSIDE_LINK.match(full, outside_end)
    return link is not None and link.end() == start


def _dominant(per_prefecture: Counter[str]) -> str | None:
    """The 盟市 holding more than half of the resolved mentions."""
    if not per_prefecture:
        return None
    top, n = per_prefecture.most_common(1)[0]
    return top if n * 2 > per_prefecture.total() else None


def _named_after(full: str, at: int, boundaries: _WordEdges) -> tuple[int, int] | None:
    """The span of a name ending in a division suffix that starts at `at`, if the words
    before the suffix look like a name rather than a clause (着力激活嘎查村 is not one)."""
    # The stem is 2 to _LONGEST_STEM characters long and holds no stop character after its
    # first.
    end = min(at + _LONGEST_STEM + 1, len(full))
    if stop := _STOP.search(full, at + 1, end):
        end = stop.start()
    # Each suffix that starts within reach, in order: one search skips the offsets where
    # none starts, and a suffix starting before `end` ends before `end + _SUFFIX_REACH`.
    start = at + 2
    while suffix := _INFERRED_SUFFIX.search(full, start, end + _SUFFIX_REACH - 1):
        if suffix.start() >= end:
            return None
        stem = full[at : suffix.start()]
        if suffix.end() in boundaries and (
            _looks_like_name(stem) or _names_own_organ(full, stem, suffix)
        ):
            return at, suffix.end()
        start = suffix.start() + 1
    return None


def _names_own_organ(full: str, stem: str, suffix: re.Match[str]) -> bool:
    return (
        len(stem) == 2
        and suffix.group() in ("社区", "嘎查", "街坊")
        and stem not in _ACTS_ON
        and not any(g in stem for g in _GENERIC_STEMS)
        and bool(_OWN_ORGAN.match(full, suffix.end()))
    )


def _looks_like_name(stem: str) -> bool:
    if _INFERRED_SUFFIX.search(stem) or any(g in stem for g in _GENERIC_STEMS):
        return False
    seg = get_segmenter()
    return not any(flag[:1] in _CLAUSE_TAGS and seg.knows(word) for word, flag in seg.tag(stem))


@lru_cache(maxsize=1)
def get_place_matcher() -> PlaceMatcher:
    return PlaceMatcher(get_gazetteer())
