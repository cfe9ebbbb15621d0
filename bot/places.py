"""The gazetteer of Inner Mongolia's divisions (data/places/), loaded once per process."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.config import default_data_dir


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # prefecture, county, township, village
    parent_code: str


class Gazetteer:
    def __init__(self, places_dir: Path) -> None:
        self.divisions: dict[str, Division] = {}
        with open(places_dir / "nmg_divisions.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                self.divisions[row["code"]] = Division(**row)
        codes_by_name: dict[str, set[str]] = defaultdict(set)
        for division in self.divisions.values():
            if division.level != "village":
                codes_by_name[division.name].add(division.code)
        # Aliases whose note warns of a common word or a place elsewhere are left out: a query
        # for 青山 must not silently become a query for 青山区.
        self._plain_aliases: dict[str, set[str]] = defaultdict(set)
        with open(places_dir / "nmg_aliases.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                codes_by_name[row["alias"]].add(row["code"])
                if not row["note"] and row["ambiguous"] == "0":
                    self._plain_aliases[row["code"]].add(row["alias"])
        self._codes_by_name = dict(codes_by_name)

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


@lru_cache(maxsize=1)
def get_gazetteer(data_dir: Path | None = None) -> Gazetteer:
    return Gazetteer((data_dir or default_data_dir()) / "places")
