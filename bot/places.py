"""The gazetteer of Inner Mongolia's divisions (data/places/), loaded once per process."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from bot.config import default_data_dir
from bot.segment import read_word_list

# Alias notes that warn the alias is also an ordinary word or a place elsewhere: such a
# mention counts only where the text supports it (see bot/extract/places.py).
_RISKY_NOTE = re.compile(
    r"two-character|common|nickname|generic|local usage|colloquial|literary|Hainan|Guangxi"
    r"|Hongshan|台北|Karakorum|Ulaanbaatar|region|Beijing|Liaoning"
)
# Special areas whose note names the NBS unit they are (阿拉善高新区 → 152971).
_NBS_CODE = re.compile(r"\(NBS (\d{6,9})\)|\(code (\d{6,9}), present")


_COMMITTEE = re.compile(r"(.+?)(村|嘎查|社区)(?:村民委员会|居民委员会|委员会|村委会|居委会|委会)")
# The register's committee or office after the place's own name: 和平村委会, 巴彦树贵嘎查村民委员会,
# 玛拉沁社区居民委员会, 乌拉盖管理区管委会, 保康街道办事处. People and newspapers leave it out.
_VILLAGE_OFFICE = re.compile(
    r"(?:村民委员会|村民委会|人民委员会|村委会|村委|居民委员会|居民委会|居委会|委员会|委会)$"
)
_OFFICE = re.compile(r"(?:管理委员会|管委会|办事处)$")
_SHORT_NAME = re.compile(r"^short name of .*\(NBS (\d{6,9})\)")


def common_name(official: str, level: str) -> str:
    """The name people and newspapers use for a division, from its register name:
    和平村委会 → 和平村, 巴彦树贵嘎查村民委员会 → 巴彦树贵嘎查, 西苑居委会 → 西苑社区,
    乌拉盖管理区管委会 → 乌拉盖管理区, 保康街道办事处 → 保康街道; other names as they are."""
    if level == "village" and official.endswith("嘎查村"):  # 巴音哈拉嘎查村 → 巴音哈拉嘎查
        return official[:-1]
    office = (_VILLAGE_OFFICE if level == "village" else _OFFICE).search(official)
    if office is None or office.start() == 0:
        return official
    stem = official[: office.start()]
    if level != "village" or stem.endswith(("村", "嘎查", "社区")):
        return stem
    if "居" in office.group():
        return stem + "社区"
    return stem + "村" if "村" in office.group() else official


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # prefecture, county, township, village
    parent_code: str


@dataclass(frozen=True)
class PlaceName:
    """One way text may name a division: its official name or an alias."""

    name: str
    code: str
    official: bool
    risky: bool  # also an ordinary word or a place elsewhere


class Gazetteer:
    def __init__(self, places_dir: Path) -> None:
        self.dir = places_dir
        self.divisions: dict[str, Division] = {}
        for row in _rows(places_dir / "nmg_divisions.csv"):
            self.divisions[row["code"]] = Division(**row)
        codes_by_name: dict[str, set[str]] = defaultdict(set)
        for division in self.divisions.values():
            if division.level != "village":
                codes_by_name[division.name].add(division.code)
        # Aliases whose note warns of a common word or a place elsewhere are left out: a query
        # for 青山 must not silently become a query for 青山区.
        self._plain_aliases: dict[str, set[str]] = defaultdict(set)
        self._alias_rows = list(_rows(places_dir / "nmg_aliases.csv"))
        for row in self._alias_rows:
            codes_by_name[row["alias"]].add(row["code"])
            if not row["note"] and row["ambiguous"] == "0":
                self._plain_aliases[row["code"]].add(row["alias"])
        self._codes_by_name = dict(codes_by_name)
        # Extraction asks for chains hundreds of times per article: computed once.
        self._chains = {code: self._walk_up(code) for code in self.divisions}
        self._common = {d.code: common_name(d.name, d.level) for d in self.divisions.values()}
        for row in _rows(places_dir / "nmg_special_areas.csv"):
            if (short := _SHORT_NAME.match(row["note"])) and short.group(1) in self.divisions:
                self._common[short.group(1)] = row["name"]  # 阿拉善高新区

    def _walk_up(self, code: str) -> tuple[str, ...]:
        out = []
        while code in self.divisions:
            out.append(code)
            code = self.divisions[code].parent_code
        return tuple(out)

    def codes_named(self, name: str) -> set[str]:
        """Every division (above village level) that `name` may mean."""
        return set(self._codes_by_name.get(name, set()))

    def unique_code(self, name: str) -> str | None:
        """The code of the one division (above village level) called `name`, if exactly one."""
        codes = self._codes_by_name.get(name, set())
        return next(iter(codes)) if len(codes) == 1 else None

    def names_of(self, code: str) -> list[str]:
        """The official name and the plain aliases of a division, official name first."""
        official = self.divisions[code].name
        return [official, *sorted(self._plain_aliases.get(code, set()) - {official})]

    def equivalent_names(self, word: str) -> list[str]:
        """Other names under which text may mention the division `word` names unambiguously
        (锡盟 → 锡林郭勒盟), leaving out those that contain `word` or another of them: a
        substring search already finds those (赤峰 finds 赤峰市)."""
        code = self.unique_code(word)
        if code is None or word not in self.names_of(code):
            return []
        others = [n for n in self.names_of(code) if word not in n]
        return [n for n in others if not any(o != n and o in n for o in others)]

    def chain(self, code: str) -> tuple[str, ...]:
        """The division and its ancestors up to its 盟市, most specific first."""
        return self._chains.get(code, ())

    def display_name(self, code: str) -> str:
        """The division's name as staff and newspapers write it (和平村, not 和平村委会); its
        register name stays in `divisions` for the JSON output and codes."""
        return self._common.get(code) or self.divisions[code].name

    def display_chain(self, code: str) -> list[str]:
        """The division's display names from its 盟市 down to it: 通辽市 › 科尔沁左翼中旗 ›
        花吐古拉镇, never a level twice."""
        return [self.display_name(c) for c in reversed(self.chain(code))]

    def same_division(self, name: str, code: str) -> bool:
        """Whether `name` as written (牛营子镇, 和平村) is a name of the division `code`."""
        return code in self.codes_meant(name, risky=True) or name in (
            self.divisions[code].name if code in self.divisions else "",
            self._common.get(code),
        )

    def prefecture_of(self, code: str) -> str:
        return self.chain(code)[-1]

    def place_names(self) -> Iterator[PlaceName]:
        """Every name of every division: official names, aliases, village short forms and
        the special areas the news uses (阿拉善高新区, 满洲里口岸)."""
        for d in self.divisions.values():
            yield PlaceName(d.name, d.code, official=True, risky=False)
        for row in self._alias_rows:
            risky = bool(_RISKY_NOTE.search(row["note"]))
            yield PlaceName(row["alias"], row["code"], official=False, risky=risky)
        short = set()
        for row in _rows(self.dir / "nmg_village_aliases.csv"):
            short.add((row["alias"], row["code"]))
            yield PlaceName(row["alias"], row["code"], official=False, risky=False)
        # The alias file leaves out two-character short forms (北村村委会 → 北村); they are
        # ordinary words often enough to need their township or county close by.
        for d in self.divisions.values():
            if d.level == "village" and (found := _COMMITTEE.fullmatch(d.name)):
                name = found.group(1) + found.group(2)
                if (name, d.code) not in short:
                    yield PlaceName(name, d.code, official=False, risky=len(name) <= 2)
        # A street named after a district (丰镇市新城区街道) is often written without 街道, which
        # makes 新城区 ambiguous with 呼和浩特's 新城区: context must decide.
        names = {d.name for d in self.divisions.values()}
        for d in self.divisions.values():
            if d.level == "township" and d.name.endswith("街道") and d.name[:-2] in names:
                yield PlaceName(d.name[:-2], d.code, official=False, risky=False)
        special = []
        for row in _rows(self.dir / "nmg_special_areas.csv"):
            found = _NBS_CODE.search(row["note"])
            code = next(g for g in found.groups() if g) if found else row["parent_code"]
            if code in self.divisions:  # 呼包鄂, 河套 … name the region, not one division
                special.append((row["name"], code))
                yield PlaceName(row["name"], code, official=False, risky=False)
        # News shortens a development zone's long name: 鄂尔多斯高新技术产业开发区 → 鄂尔多斯高新区.
        zones = [(d.name, d.code) for d in self.divisions.values() if d.level != "village"]
        for name, code in dict.fromkeys([*zones, *special]):
            if short := _short_zone_name(name):
                yield PlaceName(short, code, official=False, risky=False)

    def codes_meant(self, name: str, *, risky: bool = False) -> set[str]:
        """The divisions, at any level, that someone searching for `name` means: a code, an
        official name or an alias; an alias that is also an ordinary word (青山, 幸福) only
        with `risky` (an explicit 地区: filter)."""
        if name in self.divisions:
            return {name}
        plain, any_ = self._query_names
        return set((any_ if risky else plain).get(name, ()))

    def query_names(self) -> list[str]:
        """Every name `codes_meant` knows without `risky`: what typos are corrected towards."""
        return list(self._query_names[0])

    @cached_property
    def _query_names(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        plain: dict[str, set[str]] = defaultdict(set)
        any_: dict[str, set[str]] = defaultdict(set)
        for p in self.place_names():
            any_[p.name].add(p.code)
            if not p.risky:
                plain[p.name].add(p.code)
        return dict(plain), dict(any_)

    def not_place_names(self) -> list[str]:
        """Phrases holding a division's short name that name something else (民族团结,
        成吉思汗; data/not_places.txt)."""
        return read_word_list(self.dir.parent / "not_places.txt")

    def outside_names(self) -> list[str]:
        """Places outside Inner Mongolia that the news mentions (data/outside_places.txt)."""
        return read_word_list(self.dir.parent / "outside_places.txt")


_ZONE_FORMS = (("高新技术产业开发区", "高新区"), ("经济技术开发区", "经开区"))


def _short_zone_name(name: str) -> str | None:
    """The short form news uses for a development zone's official name, if it has one."""
    for long, short in _ZONE_FORMS:
        if name.endswith(long) and len(name) > len(long):
            return name.removeprefix("内蒙古")[: -len(long)] + short
    return None


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


@lru_cache(maxsize=1)
def get_gazetteer(data_dir: Path | None = None) -> Gazetteer:
    return Gazetteer((data_dir or default_data_dir()) / "places")
