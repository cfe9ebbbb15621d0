"""Places as staff read them: chains from the 盟市 down with no level twice, and the names
people use (和平村, not the register's 和平村委会), in every output; the register's name and
code stay in the JSON."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from bot.places import common_name, get_gazetteer
from tests.conftest import casebot

COMMITTEE = ("委员会", "村委会", "居委会", "委会", "管委会")


@pytest.mark.parametrize(
    ("official", "level", "common"),
    [
        ("和平村委会", "village", "和平村"),
        ("巴彦树贵嘎查村民委员会", "village", "巴彦树贵嘎查"),
        ("玛拉沁社区居民委员会", "village", "玛拉沁社区"),
        ("巴音敖包嘎查委员会", "village", "巴音敖包嘎查"),
        ("小甲赖村民委员会", "village", "小甲赖村"),
        ("西龙王庙居委会", "village", "西龙王庙社区"),
        ("巴音哈拉嘎查村", "village", "巴音哈拉嘎查"),
        ("乌拉盖管理区管委会", "county", "乌拉盖管理区"),
        ("保康街道办事处", "township", "保康街道"),
        ("查干沐沦苏木", "township", "查干沐沦苏木"),
        ("赤峰市", "prefecture", "赤峰市"),
    ],
)
def test_register_names_become_the_names_people_use(official: str, level: str, common: str) -> None:
    assert common_name(official, level) == common


def test_no_division_is_shown_by_its_committee() -> None:
    gazetteer = get_gazetteer()
    named = [gazetteer.display_name(code) for code in gazetteer.divisions]
    assert not [n for n in named if n.endswith(COMMITTEE)]
    assert gazetteer.display_name("152971") == "阿拉善高新区"  # the news name of the zone


def _cli_json(db: Path, *args: str) -> object:
    done = casebot(*args, "--json", db=db)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _levels_down(names: list[str]) -> None:
    """A chain of display names reads from the 盟市 down and never names a division twice."""
    gazetteer = get_gazetteer()
    codes = []
    for name in names:
        meant = {c for c in gazetteer.divisions if gazetteer.display_name(c) == name}
        assert meant, name
        codes.append(meant)
    for upper, lower in itertools.pairwise(codes):
        assert any(c.startswith(u) and len(c) > len(u) for u in upper for c in lower), names


def test_every_output_reads_region_down_with_common_names(seeded_file: Path) -> None:
    articles = _cli_json(seeded_file, "articles")
    alxa = next(a for a in articles if a["title"].startswith("党建领航风帆劲"))  # type: ignore[index, union-attr]
    shown = _cli_json(seeded_file, "show", str(alxa["article_id"]))
    primary = [p for p in shown["places"] if p["primary"]]  # type: ignore[index]
    assert [p["name"] for p in primary] == ["阿拉善盟", "阿拉善高新区"]
    assert [p["official_name"] for p in primary] == ["阿拉善盟", "内蒙古阿拉善高新技术产业开发区"]
    names = {p["name"]: p for p in shown["places"]}  # type: ignore[index]
    assert names["玛拉沁社区"]["official_name"] == "玛拉沁社区居民委员会"
    assert names["巴彦树贵嘎查"]["code"] == "152921203204"
    for case in shown["cases"]:  # type: ignore[index]
        _levels_down(case["chain"])
    text = casebot("show", str(alxa["article_id"]), db=seeded_file).stdout
    assert "主要地点：阿拉善盟 › 阿拉善高新区" in text
    assert "地点：阿拉善盟 › 阿拉善高新区 › 乌斯太镇 › 玛拉沁社区\n" in text
    place_lines = [line for line in text.splitlines() if "地点：" in line]
    assert not any(word in line for line in place_lines for word in COMMITTEE)

    # 牛营子镇 as written is 牛家营子镇: the card names it once.
    cases = _cli_json(seeded_file, "cases", "--place", "喀喇沁旗")
    niu = next(c for c in cases if c["place_code"] == "150428104")  # type: ignore[union-attr]
    assert niu["chain"] == ["赤峰市", "喀喇沁旗", "牛家营子镇"]
    assert niu["official_place"] == "牛家营子镇"
    assert "牛家营子镇 › 牛" not in casebot("cases", "--place", "喀喇沁旗", db=seeded_file).stdout

    found = _cli_json(seeded_file, "search", "玛拉沁")
    assert found["results"][0]["places"][:2] == ["阿拉善盟", "阿拉善高新区"]  # type: ignore[index]
    digest = _cli_json(seeded_file, "digest", "--date", "2024-07-01")
    for group in digest["groups"]:  # type: ignore[index]
        if group["prefecture"] != "全区综合":  # a 盟市's articles list their primary chain
            for article in group["articles"]:
                _levels_down(article["places"])
    stats = _cli_json(seeded_file, "stats", "乌斯太镇", "时间:2024")
    assert stats["place"]["chain"] == ["阿拉善盟", "阿拉善高新区", "乌斯太镇"]  # type: ignore[index]
    row = next(r for r in stats["rows"] if r["code"] == "152971100002")  # type: ignore[index]
    assert (row["name"], row["official_name"]) == ("玛拉沁社区", "玛拉沁社区居民委员会")
