"""The rerank on the seeds: places."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.search import search, service
from bot.store import Store
from tests.conftest import ingest

CHIFENG = "下好党建领航“先手棋” 铺好产业兴旺“幸福路”"
FILLER = "各级党组织持续推进基层党建工作，不断提升组织力。"


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
