"""Pages copied from websites, e-papers, mirrors and WeChat: what an editor keeps of them.

Each test is the shape of a failure met on real pages (issue 25), written with our own text:
the frame (breadcrumbs, menus, share and copyright lines, related links, spam) is not the
article, metadata lines are read into fields, and titles, kickers, subtitles, bylines and
briefs are told apart.
"""

from __future__ import annotations

from pathlib import Path

from bot.ingest.model import ArticleDraft
from bot.ingest.split import split_page
from bot.search import search
from bot.store import Store
from tests.conftest import ingest

BODY = "近年来，某旗党委在全旗推行“红色驿站”服务模式，为群众代办事项两千余件。"
MORE = "驿站由党员轮流值守，群众办事不再来回奔波。"


def one(page: str) -> ArticleDraft:
    (article,) = split_page(page)
    return article


def test_breadcrumbs_site_name_and_menu_above_the_title_are_dropped() -> None:
    page = (
        "昆都仑区人民政府\n"
        "首页 政务公开 新闻中心 党建工作 办事服务\n"
        "您的位置：首页 > 商业 > \n"
        "当前位置：首页>新闻中心>党建动态\n"
        "驿站服务暖民心\n"
        f"{BODY}\n{MORE}\n"
    )
    article = one(page)
    assert article.title == "驿站服务暖民心"
    assert article.body == f"{BODY}\n{MORE}"


def test_share_copyright_tags_spam_and_related_links_are_not_text() -> None:
    page = (
        "台灣包養網 甜心寶貝 包養價格\n"
        "驿站服务暖民心\n"
        "标签：党建 基层治理\n"
        f"{BODY}\n"
        "分享到： 微信 微博\n"
        f"{MORE}\n"
        "640 (1).jpg\n"
        "【打印本页】 【关闭窗口】\n"
        "相关链接\n"
        "某旗召开党建工作推进会\n"
        "某镇开展党员冬训\n"
        "版权所有：某旗人民政府办公室 蒙ICP备05000000号\n"
    )
    article = one(page)
    assert article.title == "驿站服务暖民心"
    assert article.body == f"{BODY}\n{MORE}"


def test_a_flipbook_header_and_an_edition_line_give_source_and_date() -> None:
    page = f"Page 20 - 某某日报\n某某日报/2025年/05月/20日/第003版 要闻\n驿站服务暖民心\n{BODY}\n"
    article = one(page)
    assert (article.title, article.source, article.published) == (
        "驿站服务暖民心",
        "某某日报",
        "2025-05-20",
    )


def test_a_metadata_line_is_read_into_fields_not_kept_as_text() -> None:
    page = (
        "驿站服务暖民心\n"
        "作者:高志远 韩雪梅 乔丽 来源:某某日报 编辑:其其格 发布时间:2026年01月09日 09:27:19\n"
        f"{BODY}\n"
        "来源: 内蒙古新闻网\n"
    )
    article = one(page)
    assert article.authors == ["高志远", "韩雪梅", "乔丽"]
    assert (article.source, article.editor) == ("某某日报", "其其格")
    assert article.published == "2026-01-09T09:27"
    assert article.body == BODY


def test_a_bare_date_time_line_and_a_bracketed_editor_are_metadata() -> None:
    page = f"驿站服务暖民心\n2019-09-04 16:49\n{BODY}\n（责任编辑：苏日娜）\n"
    article = one(page)
    assert (article.published, article.editor, article.body) == (
        "2019-09-04T16:49",
        "苏日娜",
        BODY,
    )


def test_a_sentence_opening_with_its_date_stays_text() -> None:
    page = f"驿站服务暖民心\n2024年7月1日，某旗驿站正式运行，首日接待群众百余人。\n{BODY}\n"
    article = one(page)
    assert article.published is None
    assert article.body.startswith("2024年7月1日，某旗驿站正式运行")


def test_bullet_byline_with_text_and_photo_roles_is_not_the_title() -> None:
    page = f"驿站服务暖民心\n●本报记者 杨立新/文 高娃/图\n{BODY}\n"
    article = one(page)
    assert article.title == "驿站服务暖民心"
    assert article.authors == ["杨立新", "高娃"]


def test_bylines_in_other_common_shapes() -> None:
    shapes = {
        "记者 张丽 通讯员 马俊": ["张丽", "马俊"],
        "文/图 王丽": ["王丽"],
        "□本报记者 赵海燕": ["赵海燕"],
        "王晓东": ["王晓东"],  # the author alone on a line under the title
    }
    for line, authors in shapes.items():
        article = one(f"驿站服务暖民心\n{line}\n{BODY}\n")
        assert (article.title, article.authors) == ("驿站服务暖民心", authors), line


def test_a_lead_in_brackets_names_the_authors() -> None:
    article = one(f"驿站服务暖民心\n本报讯（记者 刘佳 通讯员 张宏伟）{BODY}\n")
    assert article.authors == ["刘佳", "张宏伟"]


def test_a_place_kicker_above_the_title_with_bold_subheads_is_one_article() -> None:
    page = (
        "鄂尔多斯高新区\n"
        "“园区管家”为企业解难题\n"
        "来源：某某工作部 发布时间：2025-11-03 16:20\n"
        f"{BODY}\n"
        "精准对接稳生产\n"
        "服务队建立企业诉求台账，已协调解决诉求86项。\n"
        "党建联盟聚合力\n"
        "园区成立党建联盟，组织成员单位共享培训场地。\n"
    )
    article = one(page)
    assert (article.kicker, article.title) == ("鄂尔多斯高新区", "“园区管家”为企业解难题")
    assert [p.text for p in article.paragraphs if p.kind == "subheading"] == [
        "精准对接稳生产",
        "党建联盟聚合力",
    ]


def test_a_newspaper_style_file_with_a_dash_subtitle_is_one_article() -> None:
    page = (
        "沙漠边上的“致富合作社”\n"
        "——某旗某镇党建引领产业发展纪实之一：从沙地到大棚\n"
        "□本报记者 赵海燕\n"
        f"{BODY}\n{MORE}\n"
    )
    article = one(page)
    assert article.title == "沙漠边上的“致富合作社”"
    assert article.subtitle == "——某旗某镇党建引领产业发展纪实之一：从沙地到大棚"
    assert article.authors == ["赵海燕"]


def test_five_dated_briefs_are_five_articles() -> None:
    briefs = [
        f"9月{day}日，某{place}党委组织党员开展志愿服务，参与党员{day}名。"
        for day, place in zip(range(12, 17), "镇乡旗区县", strict=True)
    ]
    articles = split_page("基层党建动态\n" + "\n".join(briefs) + "\n")
    assert [a.body for a in articles] == briefs
    assert {a.column for a in articles} == {"基层党建动态"}


def test_a_title_is_not_glued_to_the_line_after_it() -> None:
    article = one(f"兴安盟：红色地标串起党性教育路线\n{BODY}\n{MORE}\n")
    assert article.title == "兴安盟：红色地标串起党性教育路线"
    assert article.body == f"{BODY}\n{MORE}"


def test_a_signature_block_is_not_an_article() -> None:
    page = f"全旗党建工作推进会召开\n{BODY}\n某旗基层党建工作领导小组办公室\n2025年3月28日\n"
    article = one(page)
    assert article.published == "2025-03-28"
    assert "办公室" not in article.body


def test_pinyin_after_characters_is_removed() -> None:
    page = (
        "某縣(xiàn)雙河鎮壯大集體經(jīng)濟(jì)\n"
        "鎮黨委推動村集體經(jīng)濟(jì)持續壯大，助力鄉(xiāng)村振興。\n"
    )
    article = one(page)
    assert article.title == "某縣雙河鎮壯大集體經濟"
    assert article.body == "鎮黨委推動村集體經濟持續壯大，助力鄉村振興。"


async def test_a_simplified_query_finds_a_pinyin_mirror_page(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mirror.txt"
    path.write_text(
        "某縣(xiàn)雙河鎮抓黨建壯大村集體經(jīng)濟(jì)\n"
        "發(fā)布時(shí)間:2024-03-05 09:15:30\n"
        "鎮黨委推動村集體經(jīng)濟(jì)持續壯大，助力鄉(xiāng)村振興，村集體收入均超過20萬元。\n",
        encoding="utf-8",
    )
    await ingest(store, path)
    for query in ("集体经济", "乡村振兴"):
        hits = (await search(store, query)).hits
        assert [h.title for h in hits] == ["某縣雙河鎮抓黨建壯大村集體經濟"], query


async def test_the_date_printed_on_the_page_is_the_articles_date(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "page.txt"
    path.write_text(f"驿站服务暖民心\n发布时间：2025年06月18日 10:32\n{BODY}\n", encoding="utf-8")
    await ingest(store, path)
    (row,) = await store.list_articles()
    assert row["date"] == "2025-06-18"


def test_wechat_fields_after_pipes_are_metadata() -> None:
    page = (
        "原创 某某组工 2024年10月08日 19:30 内蒙古\n"
        "驿站服务暖民心\n文 | 郑晓雪\n图 | 宝音\n"
        f"{BODY}\n来源 | 某某日报\n编辑 | 孟和\n"
    )
    article = one(page)
    assert (article.authors, article.source, article.editor, article.published) == (
        ["郑晓雪", "宝音"],
        "某某日报",
        "孟和",
        "2024-10-08T19:30",
    )
    assert article.body == BODY


def test_a_metadata_line_ending_in_a_view_counter_is_still_read() -> None:
    page = f"驿站服务暖民心\n发布日期：2024-12-03  信息来源：某旗委组织部  浏览次数：326\n{BODY}\n"
    article = one(page)
    assert (article.source, article.published) == ("某旗委组织部", "2024-12-03")


def test_a_news_item_after_a_signed_feature_is_its_own_article() -> None:
    page = (
        "驿站服务暖民心\n◎本报记者 韩冬梅 实习生 乔雨\n"
        f"{BODY}\n"
        "某县推行“积分超市”激励群众参与治理\n"
        "本报讯 (记者 高晓峰) 近日，某县各村推行“积分超市”，群众凭积分兑换生活用品。\n"
    )
    first, second = split_page(page)
    assert (first.title, first.authors) == ("驿站服务暖民心", ["韩冬梅", "乔雨"])
    assert (second.title, second.authors) == ("某县推行“积分超市”激励群众参与治理", ["高晓峰"])


def test_a_phrase_kicker_over_a_title_and_a_dash_subtitle() -> None:
    page = (
        "深化“党建+产业”发展模式\n“小沙棘”托起致富路\n——记某嘎查党支部带富群众\n"
        f"□本报记者 吴海燕\n{BODY}\n"
    )
    article = one(page)
    assert (article.kicker, article.title, article.subtitle) == (
        "深化“党建+产业”发展模式",
        "“小沙棘”托起致富路",
        "——记某嘎查党支部带富群众",
    )


def test_a_title_ending_in_a_noun_with_di_is_a_title() -> None:
    article = one(f"某区：党员志愿者守护黄河湿地\n{BODY}\n")
    assert (article.title, article.body) == ("某区：党员志愿者守护黄河湿地", BODY)


def test_a_sentence_opening_with_a_role_word_is_not_a_byline() -> None:
    article = one(f"驿站服务暖民心\n记者走访\n{BODY}\n")
    assert article.authors == []
    assert article.body == f"记者走访\n{BODY}"


def test_what_a_wechat_export_prints_around_the_text_is_dropped() -> None:
    page = (
        "点击上方蓝字关注我们\n驿站服务暖民心\n"
        f"{BODY}\n"
        "长按二维码关注\n预览时标签不可点\n微信扫一扫关注该公众号\n轻触阅读原文\n向上滑动看下一个\n"
    )
    article = one(page)
    assert (article.title, article.body) == ("驿站服务暖民心", BODY)
