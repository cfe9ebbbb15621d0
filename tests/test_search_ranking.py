"""The rerank on the seeds: depth of the query's words, case practices, places."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bot.search.rank
from bot.search import parse_query, search, service
from bot.search.rank import depth, word_pattern
from bot.store import Store
from tests.conftest import ingest, seed_article

BACKENDS = ("sqlite", "postgresql")  # the store tests run on both

YUQUAN = "家门口构筑“15分钟养老服务圈”"
CHIFENG = "下好党建领航“先手棋” 铺好产业兴旺“幸福路”"
# A sentence of YUQUAN as another article reprints it, naming 为老餐厅 once.
REPRINT = (
    "为做好这一工作，玉泉区建成并投入运营9个为老餐厅，为老年人就近提供经济实惠、健康营养的餐食。"
)
FILLER = "各级党组织持续推进基层党建工作，不断提升组织力。"


def _fragment() -> str:
    """A short article holding YUQUAN's sentence once, as the benchmark's distractors do."""
    return FILLER * 3 + REPRINT + FILLER * 2


def test_depth_prefers_the_story_to_a_short_reprint(monkeypatch: pytest.MonkeyPatch) -> None:
    _, story = seed_article("004", 2)  # YUQUAN names 为老餐厅 twice in 900 characters
    fragment = _fragment()
    words = [word_pattern(["为老餐厅"])]
    average = (len(story) + len(fragment)) / 2
    assert depth(story, words, average) > depth(fragment, words, average)
    # BM25's own length normalisation would rank the fragment deeper.
    monkeypatch.setattr(bot.search.rank, "DEPTH_B", 0.75)
    assert depth(story, words, average) < depth(fragment, words, average)


def test_a_word_and_its_longer_form_count_once() -> None:
    both = word_pattern(["集宁", "集宁区"])
    assert depth("集宁区", [both], 3) == depth("集宁区", [word_pattern(["集宁区"])], 3)
    assert depth("无关", [both], 2) == 0.0


async def _rows(store: Store, titles: list[str]) -> tuple[list[int], dict[int, dict[str, Any]]]:
    listed = {r["title"]: r["article_id"] for r in await store.list_articles()}
    ids = [listed[t] for t in titles]
    return ids, await store.articles_by_id(ids)


async def test_rerank_puts_the_deeper_article_first(
    seeded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "reprint" / "page.md"
    page.parent.mkdir()
    page.write_text(f"# 社区动态\n\n{_fragment()}\n", "utf-8")
    await ingest(seeded, page.parent, forced_date="2024-07-02")
    (reprint, story), rows = await _rows(seeded, ["社区动态", YUQUAN])
    query = parse_query("为老餐厅")
    ranked = [(reprint, 5.0), (story, 5.0)]  # BM25 alike: the rerank decides
    assert [i for i, _ in service._reranked(query, ranked, {}, rows, [])] == [story, reprint]
    monkeypatch.setattr(service, "DEPTH_BOOST", 0.0)
    assert [i for i, _ in service._reranked(query, ranked, {}, rows, [])] == [reprint, story]


async def test_practices_count_by_the_share_of_query_words_they_name(seeded: Store) -> None:
    (story,), rows = await _rows(seeded, [YUQUAN])
    other = story + 1000  # the same text under another id: only the practices differ
    rows = {story: rows[story], other: rows[story]}
    query = parse_query("红色引擎 乡村振兴")  # 红色, 引擎, 乡村振兴
    cases = [
        {"article_id": story, "practice": "聆听红色故事"},  # one word of three
        {"article_id": other, "practice": "以红色引擎引领乡村振兴"},  # all three
    ]
    ranked = service._reranked(query, [(story, 1.0), (other, 1.0)], {}, rows, cases)
    assert [i for i, _ in ranked] == [other, story]
    assert ranked[0][1] - ranked[1][1] == pytest.approx(service.PRACTICE_BOOST * 2 / 3, abs=1e-3)


async def test_a_place_query_ranks_by_the_name_inside_longer_names(
    seeded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Newer, naming the place once (as 查干沐沦苏木, which jieba indexes whole): CHIFENG
    # names it three times and is the one candidate reranked, not the newest.
    monkeypatch.setattr(service, "RERANK", 1)
    page = tmp_path / "passing" / "page.md"
    page.parent.mkdir()
    body = FILLER * 10 + "途经翁牛特旗查干沐沦苏木时，宣讲团看望了当地老党员。" + FILLER * 10
    page.write_text(f"# 老兵宣讲进基层\n\n{body}\n", "utf-8")
    await ingest(seeded, page.parent, forced_date="2024-07-02")
    assert (await search(seeded, "查干沐沦", limit=1)).hits[0].title == CHIFENG


async def test_articles_about_the_place_are_reranked_beyond_the_best_bm25(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # BM25 puts an article naming 赤峰 in passing first; the one mainly about 赤峰 joins the
    # reranked candidates however few they are, and its place boost puts it first.
    monkeypatch.setattr(service, "RERANK", 1)
    assert (await search(seeded, "赤峰 党建", limit=1)).hits[0].title == CHIFENG
