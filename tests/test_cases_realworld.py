"""Cases on real-world text (issue 25): a case a staffer cannot paste into a report as it
stands is worse than none, so meetings, slogans and signatures are not cases, actors are
organisations or places, practices read whole, and speakers belong to the case."""

from __future__ import annotations

from bot.extract.article import extract_article
from bot.extract.model import Case


def cases(text: str, title: str = "某地党建工作见闻") -> list[Case]:
    return extract_article(title, text).cases


def test_meeting_attendance_and_what_a_meeting_stressed_are_not_cases() -> None:
    text = (
        "3月28日，四子王旗召开“网格议事”机制推进会，各苏木乡镇党委书记等相关人员参加了会议。\n"
        "会议强调，要健全“网格议事”工作机制，把各项任务落到实处。"
    )
    assert cases(text) == []


def test_a_slogan_is_not_a_case() -> None:
    text = "四子王旗认为，抓好基层党建是一项长期任务，更是一项“民心工程”。"
    assert cases(text) == []


def test_a_signature_block_is_not_a_case() -> None:
    text = (
        "乌兰花镇党委推行“网格议事”机制，化解矛盾纠纷140余件。\n"
        "四子王旗“北疆先锋”工程领导小组办公室"
    )
    assert [c.actor for c in cases(text)] == ["乌兰花镇党委"]


def test_an_actor_is_not_the_clause_that_names_a_role() -> None:
    text = (
        "曾长期担任鄂尔多斯市达拉特旗五股地村党支部书记的老党员回忆，"
        "村里推行“无职党员定岗”制度后，党员人人有事做。"
    )
    (case,) = cases(text)
    assert case.actor == "鄂尔多斯市达拉特旗五股地村党支部"


def test_a_speakers_two_offices_give_one_organisation() -> None:
    text = (
        "“我们建立了‘机关+旗县区+项目单位’党建共建机制，把党建联系点建在项目上。”"
        "呼和浩特市委常委、组织部部长李明说。"
    )
    (case,) = cases(text)
    assert case.actor == "呼和浩特市委组织部"


def test_a_practice_never_keeps_half_a_quotation() -> None:  # a guard: no failing shape known
    text = (
        "“通过本次党纪学习教育专题党课，我更懂得了守纪的意义。”"
        "阿拉善高新区城乡建设局党支部组织委员刘明说。"
    )
    for case in cases(text):
        assert case.practice.count("“") == case.practice.count("”"), case.practice


def test_a_speaker_from_another_banner_does_not_speak_for_the_case() -> None:
    text = (
        "乌审旗嘎鲁图镇党委推行“支部+合作社+农户”模式，带动1200多户农牧民增收。"
        "“这个办法值得我们学习。”达拉特旗树林召镇党委书记王强说。"
    )
    (case,) = cases(text)
    assert case.speaker is None


def test_the_actor_carries_into_a_paragraph_that_drops_it() -> None:
    text = (
        "科右前旗委组织部聚焦主题党日形式单一等问题，推动主题党日规范化建设。\n"
        "全面推行“旗域主题党日”模式，每月统一发布主题。同时创办“田间课堂”，组织党员学技术。"
    )
    found = {c.practice for c in cases(text)}
    assert any("旗域主题党日" in p for p in found)
    assert any("田间课堂" in p for p in found)
    assert {c.actor for c in cases(text)} == {"科右前旗委组织部"}


def test_a_zone_named_as_the_park_is_still_the_actor() -> None:
    text = (
        "鄂尔多斯高新区党工委组建“园区红管家”服务队，把服务送进车间。\n"
        "园区以龙头企业党组织为核心成立“云谷党建联盟”，共享培训场地。"
    )
    assert {c.actor for c in cases(text)} >= {"鄂尔多斯高新区"}


def test_a_region_wide_organ_or_a_bare_organ_is_no_actor() -> None:
    text = "包头市各级党组织加强干部培训。\n党委推行“数智干教”平台，实现培训全覆盖。"
    assert cases(text, "包头市抓实干部培训") == []


def test_a_figure_keeps_the_noun_it_counts_or_measures() -> None:
    text = (
        "隆兴昌镇党委推行“党员中心户”制度，选出78名党员担任中心户，"
        "还为每个村打造了300平方米的党群活动室。"
    )
    (case,) = cases(text)
    assert {f.text for f in case.figures} == {"78名党员", "300平方米的党群活动室"}


def test_a_new_model_in_general_is_not_a_practice() -> None:
    text = "乌审旗嘎鲁图镇党委积极探索集体经济发展新模式，各嘎查收入稳步增长。"
    assert cases(text) == []


def test_a_sentence_without_a_subject_goes_on_about_the_practice_before_it() -> None:
    # The second sentence borrows its subject from the first, which reports a practice: the
    # named measures it adds belong to that case, not to a second case of the same actor.
    text = (
        "近年来，达拉特旗树林召镇党委推行“红色物业”服务机制，覆盖辖区12个小区。"
        "探索实施“楼长领办”“议事小站”等做法，居民诉求办结率明显提高。"
    )
    (case,) = cases(text)
    assert case.actor == "达拉特旗树林召镇党委"
    assert "红色物业" in case.practice and "楼长领办" in case.practice


def test_measures_side_by_side_after_a_subject_with_no_practice_stay_apart() -> None:
    # Both measures borrow their subject from a sentence that reports none: two cases.
    text = (
        "近年来，达拉特旗树林召镇党委着力夯实基层基础。"
        "深耕“党建+物业”，推动物业企业成立党支部；"
        "深耕“党建+文旅”，打造研学线路3条。"
    )
    assert len(cases(text)) == 2


def test_a_measure_added_with_tongshi_is_a_case_of_its_own() -> None:
    text = (
        "达拉特旗树林召镇党委推行“红色物业”服务机制，覆盖辖区12个小区。"
        "同时创办“周末夜校”，组织居民学习法律知识。"
    )
    assert len(cases(text)) == 2


def test_a_model_named_again_in_a_list_joins_its_case() -> None:
    # The second paragraph repeats, in a list, a model the first already reported.
    text = (
        "通辽市把壮大村集体经济作为“一把手工程”，推广“党支部+合作社”“党支部+龙头企业”等发展模式。\n"
        "与此同时，通辽市坚持分类推进的工作思路。"
        "重点帮扶后进村，推广“党支部+龙头企业”“党员+农户”等带动模式。"
    )
    (case,) = cases(text)
    assert case.actor == "通辽市" and "一把手工程" in case.practice


def test_a_series_of_activities_is_not_a_case_but_the_one_it_holds_is() -> None:
    text = (
        "近日，杭锦旗锡尼镇党委组织开展了形式多样的迎“七一”主题系列活动。\n"
        "锡尼镇党委举办“红心向党”党史知识竞赛，30支队伍参赛。"
    )
    (case,) = cases(text)
    assert "知识竞赛" in case.practice or "红心向党" in case.practice


def test_work_done_in_many_ways_is_not_a_measure() -> None:
    text = "乌审旗嘎鲁图镇党委认真组织理论学习，多渠道开展政策宣讲活动，党员干部理论水平不断提高。"
    assert cases(text) == []
