"""Places: matching, resolution by context, inference and primary places, on the seeds and
on hard cases written for each ambiguity rule."""

from __future__ import annotations

import pytest

from bot.extract.model import PlaceMention
from bot.extract.places import _JIEBA_RUN, _WordEdges, get_place_matcher
from bot.ingest.split import split_page
from bot.segment import get_segmenter
from tests.conftest import seed_article, seed_text


def find(text: str, title: str = "") -> tuple[list[PlaceMention], list[str]]:
    return get_place_matcher().find(title, text)


def codes(text: str, title: str = "") -> set[str]:
    return {m.code for m in find(text, title)[0] if m.code}


def names(text: str) -> set[str]:
    return {m.name for m in find(text)[0]}


# --- aliases and chains ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("赤峰今年新建了20个党群服务站。", "1504"),
        ("锡盟选派第一书记817名。", "1525"),
        ("呼市各区推进老旧小区改造。", "1501"),
        ("鄂前旗各镇驻村第一书记直播助农。", "150623"),
        ("达旗五股地村开展最强党支部创建。", "150621"),
        ("科左中旗组织党员志愿者开展服务。", "150521"),
        ("阿拉善高新区党工委召开会议。", "152971"),
    ],
)
def test_aliases_resolve_to_their_division(text: str, code: str) -> None:
    assert code in codes(text)


def test_village_short_forms_resolve_through_their_township() -> None:
    mentions, _ = find("阿拉善高新区乌斯太镇玛拉沁社区是居民最为集中的社区。")
    village = next(m for m in mentions if m.name == "玛拉沁社区")
    assert village.code == "152971100002"  # three 玛拉沁社区 in the gazetteer; 乌斯太镇 decides
    assert village.level == "village"
    assert village.prefecture == "1529"


def test_village_found_later_in_the_paragraph_by_its_short_form() -> None:
    text = "多伦县多伦诺尔镇北村，一个个蔬菜大棚长势喜人。昔日，北村是一个名不见经传的小村庄。"
    found = [m for m in find(text)[0] if m.name == "北村"]
    assert [m.code for m in found] == ["152531101208", "152531101208"]


def test_missing_village_is_inferred_under_the_place_named_before_it() -> None:
    mentions, _ = find("翁牛特旗乌丹镇白音汉嘎查“一肩挑”书记敖云代来说。")
    village = next(m for m in mentions if m.inferred)
    assert (village.name, village.level, village.parent) == ("白音汉嘎查", "village", "150426100")
    assert village.code is None
    assert village.prefecture == "1504"


def test_industrial_park_is_inferred_with_its_city() -> None:
    mentions, _ = find("在呼和浩特市金桥电子商务产业园，产业园联合党委以融合党建为引领。")
    park = next(m for m in mentions if m.inferred)
    assert (park.name, park.parent) == ("金桥电子商务产业园", "1501")


@pytest.mark.parametrize(
    "text",
    [
        "赤峰市巴林左旗着力激活嘎查村“两委”队伍力量。",  # a clause, not a name
        "包头市土默特右旗实施村“两委”建设“火车头”项目。",
        "锡林郭勒盟发展壮大嘎查村集体经济。",
    ],
)
def test_clauses_after_a_place_are_not_inferred_places(text: str) -> None:
    assert not [m for m in find(text)[0] if m.inferred]


# --- ambiguity is decided by context, never by guessing -----------------------------------


def test_shared_name_resolved_by_a_co_mentioned_parent() -> None:
    assert "150102" in codes("呼和浩特市新城区开展党建活动。")
    assert "150981005" in codes("乌兰察布市丰镇市新城区街道开展党建活动。")
    assert "150981005" in codes("丰镇市新城区组织志愿服务。")  # 新城区 as a short form


def test_shared_name_without_context_is_stored_as_ambiguous() -> None:
    mentions, _ = find("新城区组织志愿服务。")
    (m,) = mentions
    assert m.ambiguous and m.code is None
    assert set(m.candidates) == {"150102", "150981005"}


def test_hangjin_needs_its_prefecture() -> None:
    assert "150826" in codes("巴彦淖尔市杭锦开展村集体经济项目。")
    assert "150625" in codes("鄂尔多斯市杭锦开展村集体经济项目。")
    (m,) = find("杭锦开展村集体经济项目。")[0]
    assert m.ambiguous and set(m.candidates) == {"150625", "150826"}


def test_shared_township_name_resolved_by_its_county_or_left_open() -> None:
    assert "150123100" in codes("和林格尔县城关镇党委推行网格化管理。")
    (m,) = find("城关镇党委推行网格化管理。")[0]
    assert m.ambiguous and len(m.candidates) == 4


def test_shared_name_resolved_by_the_dominant_prefecture() -> None:
    text = (
        "呼和浩特市推进基层治理。\n呼和浩特市各旗县区成立工作专班。\n"
        "在呼和浩特市，城关镇党委推行网格化管理。"
    )
    # 城关镇 exists in 和林格尔县 and 清水河县 (both 呼和浩特) and in 巴彦淖尔 and 乌兰察布:
    # the dominant 盟市 narrows it to two, which is still not one.
    (m,) = [m for m in find(text)[0] if m.name == "城关镇"]
    assert m.ambiguous


def test_common_word_alias_counts_only_with_its_place_close_by() -> None:
    assert not codes("坚持绿水青山就是金山银山的理念。")
    assert "150204" in codes("包头市青山区推进社区治理。")
    assert "150204" in codes("包头市召开会议，青山等区作交流发言。")


def test_two_character_township_form_needs_its_county_in_the_paragraph() -> None:
    text = "太仆寺旗边墙村发展蔬菜产业。\n村民魏淑兰脸上洋溢着幸福的笑容。"
    assert "152527200" not in codes(text)  # 幸福乡, also an everyday word


def test_same_name_read_the_same_way_throughout_the_article() -> None:
    text = "种植药材是喀喇沁旗牛营子镇的主导产业。\n牛营子镇党委牵头组建产业发展共同体。"
    found = [m.code for m in find(text)[0] if m.name == "牛营子镇"]
    assert found == ["150428104", "150428104"]


def test_village_name_inside_a_word_is_not_a_place() -> None:
    assert not codes("推动24个红色美丽村庄试点嘎查村提质增效。")


# --- not places ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "全国人大代表、乌兰发展集团党委书记李玉良说。",
        "内蒙古庆华集团乌斯太精细化工有限公司党支部书记王强说。",
        "内蒙古自治区党委坚持大抓基层，全区建设堡垒支部6万个。",
        "自治区党委组织部举办主题党日活动。",
    ],
)
def test_organisations_and_the_region_are_not_places(text: str) -> None:
    assert not codes(text)


def test_places_outside_inner_mongolia_are_recognised_and_never_counted() -> None:
    mentions, _ = find("组织党组织书记到井冈山、延安等红色教育基地参观学习，海南省代表团来访。")
    assert {m.name for m in mentions} == {"井冈山", "延安", "海南省"}
    assert all(m.level == "outside" and m.code is None and m.prefecture is None for m in mentions)


# --- the seeds -------------------------------------------------------------------------


def test_seed_003_article_0_places_and_chain() -> None:
    title, text = seed_article("003", 0)
    mentions, primary = find(text, title)
    found = {m.code for m in mentions if m.code}
    assert found == {
        "1504",  # 赤峰市
        "150423",  # 巴林右旗
        "150423203",  # 查干沐沦苏木
        "150426",  # 翁牛特旗
        "150426100",  # 乌丹镇
        "150428",  # 喀喇沁旗
        "150428104",  # 牛营子镇 = 牛家营子镇
        "150425",  # 克什克腾旗
        "150425100",  # 经棚镇
        "150425100204",  # 光明村
    }
    assert [m.name for m in mentions if m.inferred] == ["白音汉嘎查"]
    assert primary == ["1504"]


def test_seed_002_resolves_every_gacha_to_its_sumu() -> None:
    title, text = seed_article("002", 0)
    mentions, primary = find(text, title)
    by_name = {m.name: m.code for m in mentions if m.level == "village"}
    assert by_name == {
        "玛拉沁社区": "152971100002",
        "乌兰毛道嘎查": "152971100200",
        "巴音敖包嘎查": "152971100201",  # four in the gazetteer; 阿拉善高新区 decides
        "上滩嘎查": "152921203202",
        "巴彦树贵嘎查": "152921203204",
        "巴彦套海嘎查": "152921203203",
        "乌兰素海嘎查": "152921203205",
    }
    assert primary == ["1529", "152971"]
    assert not [m for m in mentions if m.name.startswith("乌兰") and m.level == "township"]


def test_seed_000_is_about_the_whole_region() -> None:
    title, text = seed_article("000", 0)
    mentions, primary = find(text, title)
    assert primary == []  # examples from three 盟市, none dominant
    assert {"150424200204", "150621100208"} <= {m.code for m in mentions}  # 和平村, 五股地村


@pytest.mark.parametrize(
    ("prefix", "seq", "primary"),
    [
        ("003", 1, ["1506", "150625"]),  # 杭锦旗人民检察院
        ("003", 5, ["1501", "150105"]),  # 赛罕区
        ("003", 7, ["1509", "150902"]),  # 集宁区
        ("004", 1, ["1507", "150721"]),  # 阿荣旗
        ("004", 7, ["1525"]),  # 锡林郭勒盟, several banners
        ("003", 3, []),  # commentary, no place
    ],
)
def test_seed_primary_places(prefix: str, seq: int, primary: list[str]) -> None:
    title, text = seed_article(prefix, seq)
    assert find(text, title)[1] == primary


def test_mention_offsets_point_at_the_name() -> None:
    for prefix in ("000", "002", "003", "004"):
        for draft in split_page(seed_text(prefix)):
            for m in find(draft.body, draft.title)[0]:
                source = draft.title if m.paragraph == -1 else draft.body
                assert source[m.start : m.end] == m.name
                if m.paragraph >= 0:
                    assert draft.body.count("\n", 0, m.start) == m.paragraph


@pytest.mark.parametrize(
    "text",
    [
        "翁牛特旗乌丹镇白音汉嘎查，着力激活嘎查村集体经济。",
        "“党建+”模式覆盖5G基站A3区，(呼市)新城区街道!",
        "美丽村庄",
        "",
    ],
)
def test_word_edges_are_run_edges_and_jieba_edges_inside_runs(text: str) -> None:
    # The definition the matcher relies on, computed the long way for every offset.
    expected = {0, len(text)}
    for run in _JIEBA_RUN.finditer(text):
        expected |= {run.start() + i for i in get_segmenter().boundaries(run.group())}
    inside = {i for run in _JIEBA_RUN.finditer(text) for i in range(run.start() + 1, run.end())}
    edges = _WordEdges(text)
    for offset in range(len(text) + 2):
        assert (offset in edges) == (offset in expected or offset not in inside)
