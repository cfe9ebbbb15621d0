"""Places on real-world text (issue 25): a division's name counts only where it names the
division, and the units news names by short forms, suffixes and lists are found."""

from __future__ import annotations

import pytest

from bot.extract.article import extract_article
from bot.extract.model import PlaceMention
from bot.extract.places import get_place_matcher


def mentions(text: str) -> list[PlaceMention]:
    return get_place_matcher().find("", text)[0]


def codes(text: str) -> set[str]:
    return {m.code for m in mentions(text) if m.code}


def inferred(text: str) -> dict[str, str | None]:
    return {m.name: m.parent for m in mentions(text) if m.inferred}


@pytest.mark.parametrize(
    "text",
    [
        "兴和县各族干部群众共同维护民族团结，守望相助。",  # not 民族团结乡
        "学员们在成吉思汗指挥塔前重温入党誓词。",  # not 成吉思汗镇
        "敕勒川草原上，新一批学员正在集结。",  # not 敕勒川镇
        "党员志愿者在乌海湖畔捡拾垃圾。",  # not 乌海市
        "额吉淖尔湖边的教学点迎来了学员。",  # not 额吉淖尔镇
        "苏布尔嘎街的商户挂起了党旗。",  # not 苏布尔嘎镇
        "党员们在乌力吉图敖包下开展主题党日活动。",  # not 乌力吉苏木
    ],
)
def test_a_landmark_street_lake_or_phrase_holding_a_name_is_no_division(text: str) -> None:
    assert codes(text) <= {"150924"}  # 兴和县, named as itself in the first text


def test_streets_holding_province_names_are_no_places() -> None:
    assert mentions("志愿者沿西山西路和柳沟河南街入户走访。") == []


def test_the_full_names_still_count() -> None:
    assert codes("兴和县民族团结乡党委组织党员开展志愿服务。") >= {"150924210"}
    assert codes("扎兰屯市成吉思汗镇开展党员冬训。") >= {"150783103"}


def test_a_district_after_an_outside_city_is_outside_throughout_the_article() -> None:
    text = (
        "武汉市青山区武东街道党工委推行“红色物业”工作机制，解决问题300多个。"
        "青山区红钢城街道组建了“楼栋党员先锋队”。青山区委组织部将推广这些做法。"
    )
    x = extract_article("武汉市青山区：“红色物业”让老旧小区焕新颜", text)
    assert [m for m in x.mentions if m.code or m.inferred] == []
    assert x.cases == []


def test_a_high_tech_zone_is_named_by_its_short_form() -> None:
    assert codes("鄂尔多斯高新区党工委组建服务队，走进企业车间。") == {"150602405"}


def test_an_industrial_park_and_a_jiefang_are_inferred_after_their_parent() -> None:
    assert inferred("西乌旗白音华工业园区党委组建服务队。") == {"白音华工业园区": "152526"}
    found = inferred("昆都仑区少先路街道团结街坊党支部开设“银龄课堂”。")
    assert found == {"团结街坊": "150203001"}


def test_a_community_after_a_district_is_inferred_even_with_a_verb_like_stem() -> None:
    assert inferred("回民区奔腾社区党支部建立了“邻里议事厅”。") == {"奔腾社区": "150103"}
    assert inferred("回民区推动社区党支部规范化建设。") == {}


def test_a_list_of_units_after_their_parent_are_each_inferred() -> None:
    found = inferred("回民区在开元、鸿翔、黄金、花园、富力、果园6个社区推行“楼栋长”机制。")
    stems = ("开元", "鸿翔", "黄金", "花园", "富力", "果园")
    assert found == {f"{stem}社区": "150103" for stem in stems}


def test_a_list_whose_count_disagrees_is_not_read() -> None:
    assert inferred("回民区在开元、鸿翔、黄金4个社区推行“楼栋长”机制。") == {}


def test_a_townships_short_form_that_is_a_mountain_names_the_mountain() -> None:
    assert codes("九原区党员在大青山脚下排查火险隐患。") == {"150207"}
    assert codes("武川县大青山乡开展党员冬训。") >= {"150125200"}
