"""Splitting pages into articles: what a careful editor sees in each seed page is the contract.

Each seed has a table of (title, authors, column) per article, in page order, and checks of
subheadings, captions and body text. Decisions an editor could take either way are noted
where they are made.
"""

from __future__ import annotations

import time
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.model import ArticleDraft, Caption
from bot.ingest.normalize import compact_text, fingerprint, remove_cjk_spaces
from bot.ingest.split import load_columns, split_page
from bot.text import to_simplified

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def seed(prefix: str) -> str:
    (path,) = SAMPLE.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def table(articles: list[ArticleDraft]) -> list[tuple[str, list[str], str | None]]:
    return [(a.title, a.authors, a.column) for a in articles]


def subheadings(article: ArticleDraft) -> list[str]:
    return [p.text for p in article.paragraphs if p.kind == "subheading"]


def body(article: ArticleDraft) -> list[str]:
    return [p.text for p in article.paragraphs if p.kind == "body"]


@pytest.fixture(scope="module")
def pages() -> dict[str, list[ArticleDraft]]:
    return {prefix: split_page(seed(prefix)) for prefix in ("000", "001", "002", "003", "004")}


# --- 000: one article on one line, paragraphs separated by `　　` ------------------------


def test_000_is_one_article(pages: dict[str, list[ArticleDraft]]) -> None:
    # An editor might read 党建引领高质量发展 as a kicker above 凝心聚力 扬帆远航, but
    # nothing in the text marks it, so the first segment is the title as printed.
    assert table(pages["000"]) == [("党建引领高质量发展凝心聚力 扬帆远航", [], None)]
    (article,) = pages["000"]
    assert subheadings(article) == [
        "廓清认识 强化顶层设计",
        "健全机制 驱动创新发展",
        "党员带头 奋力攻坚克难",
    ]
    assert article.paragraphs[0].text.startswith("近年来，内蒙古自治区深入贯彻落实")
    assert article.paragraphs[-1].text.endswith("组织部长杨伟东说。")
    assert len(body(article)) == 18
    assert article.captions == []
    assert article.original == seed("000").splitlines()[0]


# --- 001: hard-wrapped PDF, blank lines inside sentences, a byline at the end ------------


def test_001_is_one_article_signed_at_the_end(pages: dict[str, list[ArticleDraft]]) -> None:
    assert table(pages["001"]) == [("凝心聚力抓党建 擎旗奋进新征程", ["宋爽"], None)]


def test_001_subheadings(pages: dict[str, list[ArticleDraft]]) -> None:
    # The two lines 突出政治引领 / 筑牢信仰之基 are one heading. The four short lines at the
    # end are subheadings printed out of place; they stand alone on the page (blank lines
    # between them), so they are kept one by one rather than guessed into pairs.
    (article,) = pages["001"]
    assert subheadings(article) == [
        "突出政治引领 筑牢信仰之基",
        "夯实组织建设",
        "打牢基层基础",
        "淬火锻造队伍",
        "培树清风正气",
    ]
    assert article.paragraphs[0].kind == "subheading"


def test_001_wrapped_lines_join_into_paragraphs(pages: dict[str, list[ArticleDraft]]) -> None:
    (article,) = pages["001"]
    paragraphs = body(article)
    assert paragraphs[0].startswith("2024年8月底，内蒙古党校的教室内气氛热烈。")
    assert paragraphs[0].endswith("内化于心、外化于行。")
    assert "累计培训党员干部155万余人次。各级党校（行政学院）" in paragraphs[3]
    # a blank line inside a sentence does not end the paragraph
    assert any("大家不仅加深了对惠民政策的理解" in p for p in paragraphs)
    # a short line ending a sentence does: 关怀。 / 党的力量来自组织。
    assert any(p.endswith("也真切地体会到党的关怀。") for p in paragraphs)
    assert any(p.startswith("党的力量来自组织。") for p in paragraphs)
    # dash-led list items are paragraphs of their own
    dashes = [p for p in paragraphs if p.startswith("——")]
    assert [p[:6] for p in dashes] == ["——以实施“", "——选树命名", "——分类指导"]
    assert "精准施策，创新模式，基层党建闪耀出诸多亮点。" in paragraphs


def test_001_text_after_the_byline_stays_in_the_article(
    pages: dict[str, list[ArticleDraft]],
) -> None:
    # The page's lead paragraph comes after （宋爽）: untitled text after an article's end
    # belongs to it, it is not an article of its own.
    (article,) = pages["001"]
    lead = "五载奋进，北疆大地万象更新。从广袤草原到莽莽林海，从沃野良田到繁忙口岸，"
    assert any(p.startswith(lead) and p.endswith("今天的发展成就。") for p in body(article))
    assert any(p.endswith("奋力书写中国式现代化内蒙古新篇章。") for p in body(article))
    assert not any("宋爽" in p for p in body(article))


# --- 002: photo captions before the title and after the body ---------------------------


def test_002_is_one_article(pages: dict[str, list[ArticleDraft]]) -> None:
    assert table(pages["002"]) == [("党建领航风帆劲 奋楫争先阔步行", ["刘宏章", "赵小丽"], None)]
    (article,) = pages["002"]
    assert subheadings(article) == [
        "凝心铸魂筑堡垒 持续提升基层党建质量",
        "党建引领促乡村振兴 实现村美民富产业兴",
        "点燃非公红色引擎 激活企业发展新动能",
    ]


def test_002_captions(pages: dict[str, list[ArticleDraft]]) -> None:
    # The first line is a credited photo caption. The three paragraphs after the body
    # restate body sentences: they are the other photos' captions, not more body.
    (article,) = pages["002"]
    assert [(c.text[:20], c.credit) for c in article.captions] == [
        ("阿拉善高新区、示范区坚持党要管党、全面从", "王鑫"),
        ("阿拉善高新区、示范区通过“党建+安全生产", None),
        ("阿拉善高新区、示范区坚持党建引领基层治理", None),
        ("阿拉善高新区、示范区积极推行非公党建“1", None),
    ]
    assert article.captions[0].text.endswith("两区党风政风持续好转。")
    captions = {c.text for c in article.captions}
    assert not captions & set(body(article))


def test_002_blank_lines_inside_sentences(pages: dict[str, list[ArticleDraft]]) -> None:
    (article,) = pages["002"]
    text = article.body
    assert "打响了科泊尔旅游特色品牌，" in text
    assert "时而悠闲散步觅食，时而在阳光下撒开大长腿肆意奔跑" in text
    assert "党员带头遵守企业各项规章制度" in text
    assert body(article)[-1].startswith("党建强则发展强。")
    assert "," not in text and "?" not in text  # ASCII punctuation became full width


# --- 003: markdown, one column label per article ---------------------------------------


def test_003_articles(pages: dict[str, list[ArticleDraft]]) -> None:
    # 除蒿草 办实事 and 服务群众 follow 聆听红色故事 in the 阵地 block, before the next
    # label: short items of one block share its label.
    assert table(pages["003"]) == [
        ("下好党建领航“先手棋” 铺好产业兴旺“幸福路”", ["宋爽", "任希悦"], "看点"),
        ("“融”出战斗力 “合”出新成效", ["郝佳丽"], "知行合一"),
        ("抗美援朝老兵的“微党课”", ["陈春艳"], "学思践悟"),
        ("以“红色引擎”引领乡村振兴", ["李晗"], "观潮"),
        ("聆听红色故事", [], "阵地"),
        ("除蒿草 办实事", [], "阵地"),
        ("服务群众", ["赵婧"], "阵地"),  # photo news: the photographer is its author
        ("包联共建暖人心", ["宋爽"], "五化协同 大抓基层⑦"),
    ]


def test_003_subheadings(pages: dict[str, list[ArticleDraft]]) -> None:
    articles = pages["003"]
    assert subheadings(articles[0]) == [
        "联建共建，破解难题找到“最优解”",
        "集聚集约，产业兴旺配上“金钥匙”",
        "共享共赢，人民群众挑上“金扁担”",
    ]
    assert subheadings(articles[7]) == ["基层治理增效能"]
    assert all(subheadings(a) == [] for a in articles[1:7])


def test_003_body_repairs(pages: dict[str, list[ArticleDraft]]) -> None:
    first, last = pages["003"][0], pages["003"][7]
    # a markdown heading that is really the rest of a sentence
    assert "给村集体提供了“大舞台”，人才“乡招村用”给基层送来了优秀人才，" in first.body
    # a paragraph opening with a repeat of the previous one's end (`措。`)
    assert any(p.startswith("2020年，查干沐沦苏木党委牵头组建") for p in body(first))
    assert "措。2020" not in first.body
    assert "年交易额10亿元，带动7000余户" in first.body
    assert "推行“党建联合体+产业化联合体+农牧民群体”的发展模式，" in first.body
    # a subheading printed inside a sentence: the sentence is rejoined, heading after it
    paragraphs = [p.text for p in last.paragraphs]
    joined = next(i for i, p in enumerate(paragraphs) if "老旧小区基础设施不完善" in p)
    assert paragraphs[joined].startswith("由于建成时间早，集宁区部分老旧小区基础设施不完善，")
    assert paragraphs[joined + 1] == "基层治理增效能"
    assert "将话语权还给居民，" in last.body


def test_003_photo_news(pages: dict[str, list[ArticleDraft]]) -> None:
    photo = pages["003"][6]
    assert body(photo) == [
        "为打通服务群众“最后一公里”，近日，巴彦淖尔市组建“牧企军”党员综合服务队，"
        "广泛开展政策宣传、困难帮扶、物资代买等服务。"
    ]
    assert photo.captions == [
        Caption("图为服务队党员为甘其毛都镇巴音查干嘎查牧民代购蔬菜。", "赵婧")
    ]


def test_003_originals_are_the_raw_lines(pages: dict[str, list[ArticleDraft]]) -> None:
    first = pages["003"][0]
    assert first.original.startswith("## ■ 看点\n\n# 下好党建领航")
    assert "联建共建,  \n破解难题" in first.original  # as written, hard break included
    assert pages["003"][7].original.startswith("## ■ 五化协同 大抓基层⑦")


# --- 004: titles printed after their bodies --------------------------------------------


def test_004_articles(pages: dict[str, list[ArticleDraft]]) -> None:
    # The label 五化协同 大抓基层 floats between 发展路上 and the photo news 宣誓: photo
    # news is not a regular article (no byline), so the label is dropped.
    assert table(pages["004"]) == [
        ("锚定方向 聚力前行", ["宋爽"], "观潮"),
        ("线上线下“同频共振” 党员干部“充电蓄能”", ["李玉琢", "周彦彦"], "视点"),
        ("家门口构筑“15分钟养老服务圈”", ["郝佳丽"], None),
        ("发展路上 不能没有“你”", ["宋爽"], "知行合一"),
        ("宣誓", ["陈春艳"], None),
        ("宣讲", ["郝佳丽"], None),
        ("守护", ["牛鑫", "章善玉"], None),
        ("集体“家底”厚了 群众“钱袋”鼓了", ["及庆玲"], "近邻"),
    ]


def test_004_bodies_start_where_the_articles_do(pages: dict[str, list[ArticleDraft]]) -> None:
    starts = [a.paragraphs[0].text[:13] for a in pages["004"]]
    assert starts == [
        "路线决定方向，组织凝聚力量",
        "“通过参加这期培训班的红色",
        "“现在社区里的配套设施真全",
        "“党建工作对非公有制企业非",
        "近日，通辽市奈曼旗公安局交",
        "近日，呼和浩特市玉泉区党员",
        "近日，阿拉善边境管理支队黑",
        "锡林郭勒盟把发展壮大嘎查村",
    ]
    assert pages["004"][0].paragraphs[0].text.startswith("路线决定方向，组织凝聚力量。党的历史")


def test_004_subheadings(pages: dict[str, list[ArticleDraft]]) -> None:
    assert subheadings(pages["004"][7]) == [
        "推行“书记工程”抓落实",
        "建立“联动机制”抓整合",
        "坚持“重点先行”抓示范",
    ]
    assert all(subheadings(a) == [] for a in pages["004"][:7])


def test_004_photo_news(pages: dict[str, list[ArticleDraft]]) -> None:
    # The 图为 sentence is the caption; a credit without one gets an empty caption text.
    oath, talk, guard = pages["004"][4:7]
    assert body(oath) == [
        "近日，通辽市奈曼旗公安局交警大队全体党员民辅警在奈曼旗委党校开展政治轮训和主题党日"
        "活动，民辅警现场观摩了廉政教育展厅和党性教育展厅，聆听了党校教师讲解的中国共产党发展"
        "历程、党风廉政建设等内容，筑牢民辅警对党忠诚的思想根基。"
    ]
    assert oath.captions == [Caption("图为民辅警重温入党誓词。", "陈春艳")]
    assert body(talk)[0].endswith("助力营造社区良好环境。")
    assert talk.captions == [Caption("", "郝佳丽")]
    assert body(guard) == [
        "近日，阿拉善边境管理支队黑鹰山临时边境检查站采取“党建+团建”工作机制，由党员搭配"
        "团员组成青年突击队，克服严寒天气，扎实开展检查验证工作，确保边境地区安全稳定。"
    ]
    assert guard.captions == [Caption("", "牛鑫、章善玉")]


def test_004_body_text(pages: dict[str, list[ArticleDraft]]) -> None:
    articles = pages["004"]
    assert "做到干干净净做事、清清白白做人；" in articles[0].body
    assert "“两个一百年”的历史交汇点" in articles[0].body
    assert "实施细则（试行）》，对各领域" in articles[1].body  # （试行） is not a byline
    assert "着力打造“15分钟社区养老服务圈”" in articles[2].body
    assert "发生意外时通过按SOS键，" in articles[2].body
    assert "非公有制企业党建工作既是当前基层党组织建设的重要领域" in articles[3].body
    assert "《锡林郭勒盟发展壮大嘎查村级集体经济有关政策措施》……" in articles[7].body


def test_004_originals(pages: dict[str, list[ArticleDraft]]) -> None:
    first = pages["004"][0].original.splitlines()
    assert first[0] == "路 线 决 定 方 向 ，组 织 凝 聚"
    assert first[-4:] == ["聚力前行", "", "◎宋爽", " 观潮"]
    assert "宣誓宣誓" in pages["004"][4].original


# --- invariants on every seed ----------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_body_paragraphs_are_clean(prefix: str, pages: dict[str, list[ArticleDraft]]) -> None:
    labels = {to_simplified(name) for name in load_columns()}
    for article in pages[prefix]:
        assert article.title and article.paragraphs
        captions = {c.text for c in article.captions}
        for text in body(article):
            assert text and "\n" not in text
            assert remove_cjk_spaces(text) == text
            assert text != article.title and text not in captions
            assert not any(mark in text for mark in "□◎■#")
            assert compact_text(text) not in labels
            assert not any(name in text for name in ("本报记者", "（宋爽）"))


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_traditional_script_splits_the_same_way(prefix: str) -> None:
    simplified = split_page(seed(prefix))
    traditional = split_page(opencc.OpenCC("s2t").convert(seed(prefix)))
    assert [to_simplified(a.title) for a in traditional] == [a.title for a in simplified]
    assert [compact_text(a.body) for a in traditional] == [compact_text(a.body) for a in simplified]
    assert [[to_simplified(n) for n in a.authors] for a in traditional] == [
        a.authors for a in simplified
    ]


def test_a_repost_with_other_punctuation_has_the_same_fingerprints() -> None:
    page = seed("003")
    original = [fingerprint(a.body) for a in split_page(page)]
    assert [fingerprint(a.body) for a in split_page("\n\n" + page.replace(",", "，"))] == original


def test_a_trailer_after_a_flipped_page_does_not_change_its_articles() -> None:
    articles = split_page(seed("004") + "\n\n第3期结束。\n")
    assert table(articles[:8]) == table(split_page(seed("004")))
    assert [a.title for a in articles[8:]] == ["第3期结束"]


# --- hard cases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "   \n\n\t\n", "\u3000\u3000", "。，！？……——\n\n，，", "\x00\x01"]
)
def test_nothing_to_split(text: str) -> None:
    assert split_page(text) == []


def test_binary_garbage_does_not_crash() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 64
    assert all(a.title for a in split_page(garbage))


def test_plain_text_without_a_title_gets_its_first_sentence() -> None:
    (article,) = split_page("近日，某地开展主题党日活动。党员们重温入党誓词。\n\n活动持续一天。")
    assert article.title == "近日，某地开展主题党日活动"
    assert body(article) == ["近日，某地开展主题党日活动。党员们重温入党誓词。", "活动持续一天。"]
    long = "近日" + "，某地开展主题党日活动" * 5 + "。"
    (article,) = split_page(long)
    assert len(article.title) == 30 and article.title.endswith("…")


def test_a_single_line_is_an_article() -> None:
    (article,) = split_page("党建引领乡村振兴")
    assert article.title == "党建引领乡村振兴"
    (article,) = split_page("近日，某地开展主题党日活动")
    assert article.title == "近日，某地开展主题党日活动" and body(article) == [article.title]


def test_a_title_followed_by_its_text_without_a_blank_line() -> None:
    page = "党建引领乡村振兴\n近日，某地开展主题党日活动，党员们重温入党誓词。\n活动持续一天。\n"
    (article,) = split_page(page)
    assert article.title == "党建引领乡村振兴"
    assert body(article) == ["近日，某地开展主题党日活动，党员们重温入党誓词。", "活动持续一天。"]


def test_a_bracketed_word_is_a_byline_only_alone_at_an_article_end() -> None:
    (article,) = split_page("标题一则\n\n近日，某地开展活动。\n（李明）\n")
    assert article.authors == ["李明"]
    (article,) = split_page("标题一则\n\n近日，某地印发实施细则\n（试行）\n并开展活动。\n")
    assert article.authors == [] and "实施细则（试行）并开展活动。" in article.body


def test_subtitle_between_title_and_byline() -> None:
    (article,) = split_page(
        "扎根草原三十年\n\n——记优秀共产党员某某\n\n□本报记者 张三\n\n近日，某地开展活动。"
    )
    assert (article.title, article.subtitle, article.authors) == (
        "扎根草原三十年",
        "——记优秀共产党员某某",
        ["张三"],
    )


def test_ten_thousand_one_line_items_finish_quickly() -> None:
    page = "\n\n".join(
        f"## 第{i}号消息\n\n近日，某地开展第{i}次主题党日活动。" for i in range(10_000)
    )
    started = time.perf_counter()
    articles = split_page(page)
    assert time.perf_counter() - started < 20
    assert len(articles) == 10_000
    assert (articles[-1].title, body(articles[-1])) == (
        "第9999号消息",
        ["近日，某地开展第9999次主题党日活动。"],
    )


def test_ten_thousand_lines_without_headings_finish_quickly() -> None:
    page = "\n".join(f"第{i}条：某地开展主题党日活动。" for i in range(10_000))
    started = time.perf_counter()
    (article,) = split_page(page)
    assert time.perf_counter() - started < 20
    assert len(article.paragraphs) + len(article.captions) == 10_000


_CJK_SOUP = st.text(
    alphabet=st.sampled_from(
        list("党建引领近日某地开展活动宣誓摄图为□◎■（）“”，。！？、 \u3000\n#0a")
    ),
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), _CJK_SOUP))
def test_any_text_splits_into_titled_articles(text: str) -> None:
    for article in split_page(text):
        assert article.title
        assert all(p.kind in ("body", "subheading") for p in article.paragraphs)


# --- column list ----------------------------------------------------------------------


def test_load_columns_reads_names_and_ignores_comments(tmp_path: Path) -> None:
    path = tmp_path / "columns.txt"
    path.write_text("# 注释\n看点  # 行尾注释\n\n五化协同 大抓基层\n觀潮\n", encoding="utf-8")
    assert load_columns(path) == frozenset({"看点", "五化协同大抓基层", "观潮"})


def test_the_shipped_column_list_has_the_seed_columns() -> None:
    columns = load_columns()
    assert {"看点", "知行合一", "学思践悟", "观潮", "阵地", "视点", "近邻"} <= columns
    assert "五化协同大抓基层" in columns
