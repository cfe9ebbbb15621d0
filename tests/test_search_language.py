"""The query language, filters, typos, cases and "more like this" on the seeds."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from bot.chat.html import search_page_html
from bot.library import article_detail
from bot.render import search_json, search_text
from bot.search import NoticeCode, more_like_this, search
from bot.store import Store
from tests.conftest import ingest, seed_article

BACKENDS = ("sqlite", "postgresql")  # the store tests run on both

YUQUAN = "家门口构筑“15分钟养老服务圈”"
CHIFENG = "下好党建领航“先手棋” 铺好产业兴旺“幸福路”"
OSTRICH = "党建领航风帆劲 奋楫争先阔步行"


async def _ids(store: Store, query: str) -> set[int]:
    return {h.article_id for h in (await search(store, query, limit=100)).hits}


async def _texts(store: Store) -> dict[int, str]:
    rows = await store.list_articles()
    found = await store.articles_by_id([r["article_id"] for r in rows])
    return {i: a["title"] + "\n" + a["text"] for i, a in found.items()}


async def _place_codes(store: Store, article_id: int) -> set[str]:
    detail = await article_detail(store, article_id)
    assert detail
    return {p["code"] for p in detail["places"] if p["code"]}


async def _under(store: Store, ids: set[int] | dict[int, str], code: str) -> set[int]:
    """Those of the articles that name a division under `code`."""
    return {i for i in ids if any(c.startswith(code) for c in await _place_codes(store, i))}


async def test_or_finds_either(seeded: Store) -> None:
    both = await _ids(seeded, "鸵鸟 | 为老餐厅")
    assert both == (await _ids(seeded, "鸵鸟")) | (await _ids(seeded, "为老餐厅"))
    assert len(both) == 2


async def test_minus_excludes(seeded: Store) -> None:
    texts = await _texts(seeded)
    with_party = await _ids(seeded, "党建")
    without = await _ids(seeded, "党建 -鸵鸟")
    assert without == {i for i in with_party if "鸵鸟" not in texts[i]}
    only_minus = await _ids(seeded, "-党建")  # nothing positive: every article without it
    assert only_minus == {i for i, t in texts.items() if "党建" not in t}


async def test_phrase_is_exact(seeded: Store) -> None:
    texts = await _texts(seeded)
    assert await _ids(seeded, '"党建引领产业发展共同体"') == {
        i for i, t in texts.items() if "党建引领产业发展共同体" in t
    }


async def test_place_filter_covers_the_hierarchy(seeded: Store) -> None:
    chifeng = await _ids(seeded, "地区:赤峰")
    assert chifeng and await _under(seeded, chifeng, "1504") == chifeng
    (article,) = [h for h in (await search(seeded, "地区:巴林右旗")).hits]
    assert article.title == CHIFENG
    assert await _ids(seeded, "地区:查干沐沦苏木") == {article.article_id}
    assert await _ids(seeded, "地区:锡盟") == await _ids(seeded, "地区:锡林郭勒盟")
    assert article.article_id in chifeng


@pytest.mark.parametrize(
    ("query", "code"),
    [("赤峰", "1504"), ("赤峰 党建", "1504"), ("地区:锡盟 嘎查", "1525"), ("玉泉区", "150104")],
)
async def test_a_common_place_is_checked_per_article_with_the_same_result(
    seeded: Store, query: str, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A place the library names often is checked article by article instead of read as a
    set (bot/store/search.py COMMON_PLACE): same hits wherever extraction resolved the place."""
    as_set = await _ids(seeded, query)
    monkeypatch.setattr("bot.store.search.COMMON_PLACE", 1)
    per_article = await _ids(seeded, query)
    assert per_article
    assert per_article == await _under(seeded, as_set, code)


async def test_a_place_word_matches_its_divisions_or_its_name(seeded: Store) -> None:
    texts = await _texts(seeded)
    expected = {i for i, t in texts.items() if "赤峰" in t} | await _under(seeded, texts, "1504")
    assert await _ids(seeded, "赤峰") == expected
    first = (await search(seeded, "赤峰 集体经济")).hits[0]
    assert first.title == CHIFENG  # mainly about 赤峰: boosted


async def test_time_filter(store: Store, sample_dir: Path, tmp_path: Path) -> None:
    await ingest(store, sample_dir, forced_date="2024-07-01")
    _, body = seed_article("004", 0)
    older = tmp_path / "old" / "2023-03-05_旧报.txt"
    older.parent.mkdir()
    older.write_text(
        "# 旧年报道：党建联建促振兴\n\n" + body.replace("。", "。\n", 2)[:600] + "鸵鸟", "utf-8"
    )
    await ingest(store, older)
    (old_id,) = await _ids(store, "旧年报道")
    assert old_id in await _ids(store, "时间:2023 党建")
    assert old_id in await _ids(store, "时间:2023-01..2023-06")
    assert old_id in await _ids(store, "时间:..2023-12 鸵鸟")
    assert old_id not in await _ids(store, "时间:2024 鸵鸟")
    assert await _ids(store, "时间:2024-07 鸵鸟")
    assert not await _ids(store, "时间:2022")
    page = await search(store, "时间:2024-13 党建")
    assert page.notices and page.notices[0].code is NoticeCode.TIME_UNREAD


async def test_column_and_topic_filters(seeded: Store) -> None:
    hits = (await search(seeded, "栏目:看点")).hits
    assert [h.title for h in hits] == [CHIFENG]
    topical = await _ids(seeded, "主题:基层治理")
    assert topical
    for i in topical:
        detail = await article_detail(seeded, i)
        assert detail and "基层治理" in detail["topics"]
    page = await search(seeded, "主题:基层治")  # near miss: corrected, and said so
    assert {h.article_id for h in page.hits} == topical and page.notices


async def test_cases_instead_of_articles(seeded: Store) -> None:
    page = await search(seeded, "类型:案例 养老")
    assert page.kind == "cases" and page.cases and not page.hits
    first = page.cases[0]
    assert "玉泉区" in first.actor and "养老服务圈" in first.practice
    chifeng = await search(seeded, "类型:案例 地区:赤峰")
    assert chifeng.cases
    assert all(c.place_code.startswith("1504") for c in chifeng.cases)
    assert "个案例" in search_text(page)
    listed = search_json(page)["cases"][0]
    assert {"actor", "place", "practice", "figures", "summary"} <= set(listed)
    assert listed["case_id"] == first.case_id


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("鄂尔多思", "鄂尔多斯"), ("查干沐伦", "查干沐沦苏木"), ("地区:赤锋 党建", "地区:赤峰")],
)
async def test_typos_are_corrected_and_said(seeded: Store, typed: str, meant: str) -> None:
    page = await search(seeded, typed)
    assert page.total and page.corrected and meant in page.corrected
    assert f"已按“{page.corrected}”搜索" in search_text(page)
    # The results' heading names what was searched, not the typo.
    assert f"（“{page.corrected}”）：" in search_text(page)
    chat = search_page_html(page, number=1, pages="1", offset=0)
    assert f"🔎 “{html.escape(page.corrected)}”" in chat and f"🔎 “{typed}”" not in chat


async def test_a_real_word_is_never_corrected(seeded: Store) -> None:
    page = await search(seeded, "鸵鸟")
    assert page.total and page.corrected is None


@pytest.mark.parametrize("typed", ["氢能", "碳中和", "电商直播"])
async def test_short_words_are_not_guessed_into_others(seeded: Store, typed: str) -> None:
    """Absent from the seeds: a one-character change (氢能 → 智能, 碳中和 → 中和) would be a
    different word, so nothing is found rather than something unrelated."""
    page = await search(seeded, typed)
    assert page.total == 0 and page.corrected is None


async def test_a_name_jieba_breaks_apart_is_matched_whole(seeded: Store, tmp_path: Path) -> None:
    """乌云毕力格 (a person in seed 003) is cut 乌云 / 毕力 / 格: the pieces apart occur in
    articles that never name her."""
    other = tmp_path / "2024-07-03_晚报.txt"
    other.write_text(
        "# 草原上的乌云散了\n\n毕力格图嘎查的牧民说，今年草场格外好，乌云散去羊群回圈。", "utf-8"
    )
    assert (await ingest(seeded, other)).added == 1
    texts = await _texts(seeded)
    assert await _ids(seeded, "乌云毕力格") == {i for i, t in texts.items() if "乌云毕力格" in t}


async def test_nothing_found_suggests_close_terms(seeded: Store) -> None:
    page = await search(seeded, "党肩引岭")
    assert page.total == 0 and "党建引领" in page.suggestions
    assert "您是不是要找" in search_text(page)


async def test_synonyms_widen_the_search(seeded: Store) -> None:
    texts = await _texts(seeded)
    only_synonym = {i for i, t in texts.items() if "联合党委" in t and "党建联合体" not in t}
    assert only_synonym and only_synonym <= await _ids(seeded, "党建联合体")


async def test_near_duplicates_collapse_into_one_hit(seeded: Store, tmp_path: Path) -> None:
    title, body = seed_article("004", 2)
    repost = tmp_path / "repost" / "2024-07-02_转载.txt"
    repost.parent.mkdir()
    edited = body.replace("社区", "小区", 1).replace("。", "。记者获悉，", 1)
    repost.write_text(f"# {title}\n\n{edited}", "utf-8")
    report = await ingest(seeded, repost)
    assert report.near_duplicates == 1
    hits = (await search(seeded, f'"{body[10:30]}"')).hits
    assert len(hits) == 1 and hits[0].duplicates == 1
    assert "另有 1 篇相近报道" in search_text(await search(seeded, f'"{body[10:30]}"'))


async def test_hits_show_places_and_marked_snippets(seeded: Store) -> None:
    hit = (await search(seeded, "为老餐厅")).hits[0]
    assert hit.title == YUQUAN and "玉泉区" in hit.places
    assert ("为老餐厅", True) in hit.snippet
    assert search_json(await search(seeded, "为老餐厅"))["results"][0]["places"] == hit.places


async def test_more_like_this(seeded: Store) -> None:
    hits = (await search(seeded, "为老餐厅")).hits
    similar = await more_like_this(seeded, hits[0].article_id)
    assert similar and similar.hits and similar.keywords
    assert hits[0].article_id not in {h.article_id for h in similar.hits}
    assert await more_like_this(seeded, 10_000) is None


async def test_similar_articles_share_topics_and_practices_first(seeded: Store) -> None:
    # By shared words alone, a 92-character note on waste sorting in the same district came
    # first for the article on elderly care.
    [care] = (await search(seeded, '"15分钟养老服务圈"')).hits
    similar = await more_like_this(seeded, care.article_id)
    assert similar and similar.hits[0].title != "宣讲"
    own = set((await article_detail(seeded, care.article_id))["topics"])  # type: ignore[index]
    first = await article_detail(seeded, similar.hits[0].article_id)
    assert own & set(first["topics"])  # type: ignore[index]


async def test_filters_alone_list_the_newest(seeded: Store) -> None:
    page = await search(seeded, "地区:玉泉区")
    assert page.total and page.hits[0].title in {YUQUAN, "宣讲"}
    assert [n.text for n in (await search(seeded, "地区:火星")).notices] == ["未找到地区“火星”。"]
