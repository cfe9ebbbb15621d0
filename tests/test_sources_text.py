"""The pure parts of sources: URL keys, links in a message, /sources add arguments."""

from __future__ import annotations

from datetime import date

from bot.sources.pages import read_article, selectors_for
from bot.sources.runner import ADD_USAGE, parse_add, urls_in
from bot.sources.urls import url_key
from bot.store.sources import Selectors
from tests.websites import STORIES, story_html


def test_one_article_under_many_addresses_has_one_key() -> None:
    same = [
        "https://www.example.gov.cn/jcdj/202407/t20240701_1.html",
        "http://example.gov.cn/jcdj/202407/t20240701_1.html#top",
        "https://EXAMPLE.gov.cn:443/jcdj/202407/t20240701_1.html?utm_source=wechat&spm=a.b",
    ]
    assert len({url_key(u) for u in same}) == 1
    assert url_key("https://example.gov.cn/a?id=2&b=1") == url_key(
        "https://example.gov.cn/a?b=1&id=2"
    )
    assert url_key("https://example.gov.cn/a?id=2") != url_key("https://example.gov.cn/a?id=3")


def test_a_wechat_article_is_named_by_its_biz_mid_idx_sn() -> None:
    shared = "https://mp.weixin.qq.com/s?__biz=MzA&mid=22&idx=1&sn=ab&chksm=9f&scene=21#wechat"
    again = "https://mp.weixin.qq.com/s?__biz=MzA&mid=22&idx=1&sn=ab&chksm=00&sessionid=5"
    assert url_key(shared) == url_key(again)


def test_links_are_found_in_a_forwarded_message() -> None:
    text = "请导入：https://a.example.cn/1.html，还有 http://b.example.cn/2.htm。重复 https://a.example.cn/1.html"
    assert urls_in(text) == ["https://a.example.cn/1.html", "http://b.example.cn/2.htm"]
    assert urls_in("没有链接 http://") == []


def test_sources_add_reads_a_kind_and_a_selector() -> None:
    url = "https://a.example.cn/jcdj/"
    assert parse_add([url]) == (url, None, Selectors())
    assert parse_add([url, "列表页", "ul.list", "a"]) == (url, "list", Selectors(links="ul.list a"))
    assert parse_add([url, "单篇网页", "div.content"]) == (
        url,
        "page",
        Selectors(body="div.content"),
    )
    assert parse_add([url, "ul.list a"]) == (url, None, Selectors(links="ul.list a"))
    assert parse_add(["not-a-url"]) == ADD_USAGE and parse_add([]) == ADD_USAGE
    refused = parse_add([url, "列表页", "ul[["])
    assert isinstance(refused, str) and refused.startswith("选择器 links 无效：ul[[")
    pattern = "https://e.example.cn/{date:%Y-%m/%d}/node_1.htm"
    assert parse_add([pattern, "电子报"]) == (pattern, "epaper", Selectors())


# The shape of a WeChat official-account article page (our own words in it).
WECHAT = """<html><head><meta charset="utf-8"><title></title>
<script>var nickname = "x"; var ct = "1719795600"; var publish_time = "";</script></head>
<body><div id="js_top_ad_area"><a href="#">关注</a> <a href="#">设为星标</a></div>
<h1 class="rich_media_title" id="activity-name">  某某苏木开展“党员中心户”评星活动  </h1>
<div id="meta_content"><span id="js_name">某某苏木党建</span><em>内蒙古</em></div>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">
<section><p>连日来，某某苏木组织各嘎查开展党员中心户评星定级，群众代表现场打分。</p>
<p>评上星级的中心户在门前挂牌亮身份，主动联系周边十户左右的农牧民家庭。</p>
<p>苏木党委表示，将把评星结果与年终评优挂钩，激励党员在基层治理中多出力。</p></section>
</div><div id="js_pc_qr_code">微信扫一扫关注该公众号</div></body></html>"""


def test_a_wechat_article_is_read_by_its_known_parts() -> None:
    url = "https://mp.weixin.qq.com/s/AbCdEf"
    article = read_article(WECHAT, url, selectors_for(url, Selectors()))
    assert article.title == "某某苏木开展“党员中心户”评星活动"
    assert article.source_name == "某某苏木党建"
    assert article.date == date(2024, 7, 1)  # 09:00 in China on 2024-07-01
    assert len(article.paragraphs) == 3 and "扫一扫" not in "".join(article.paragraphs)


def test_a_cms_article_gives_its_title_authors_date_and_publisher() -> None:
    page = story_html("roads", author="王小明 李华", day="2024-07-05", source="某某旗融媒体中心")
    article = read_article(page, "http://example.cn/a/1.html", Selectors())
    assert article.title == STORIES["roads"][0]
    assert article.paragraphs == STORIES["roads"][1]
    assert (article.authors, article.date) == (["王小明", "李华"], date(2024, 7, 5))
    assert article.source_name == "某某旗融媒体中心"


def test_a_sources_selectors_override_the_extractor() -> None:
    page = story_html("roads").replace(
        '<div class="footer">',
        '<div class="sub">——记某某苏木的修路故事</div><i class="pub">2024年7月3日</i>'
        '<div class="footer">',
    )
    chosen = Selectors(subtitle="div.sub", body="div.content p:nth-child(-n+2)", date="i.pub")
    article = read_article(page, "http://example.cn/202407/t20240703_9.html", chosen)
    assert article.subtitle == "——记某某苏木的修路故事"
    assert article.paragraphs == STORIES["roads"][1][:2]
    assert article.date == date(2024, 7, 3)  # not the header's 2024-07-01
