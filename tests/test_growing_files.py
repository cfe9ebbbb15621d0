"""A file ingested while it was still being written, then again once complete: the story
cut short the first time is replaced by the whole one, not stored a second time."""

from __future__ import annotations

from pathlib import Path

from bot.store import Store
from bot.store.sqlite import migrations
from tests.conftest import ingest, seed_text

STORIES = [
    (
        "苏木党委开展主题党日活动",
        "苏木党委组织党员走访牧户，宣讲惠牧政策。党员们收集意见建议二十余条，逐条建立台账。"
        "对能够当场解决的问题，党委班子成员现场协调办理。其余问题明确责任人和完成时限。",
    ),
    (
        "嘎查集体经济实现新突破",
        "嘎查党支部领办合作社，流转草场三万亩。合作社统一采购饲草，统一销售肉牛。"
        "今年集体经济收入达到八十万元，比上年翻了一番。收益的一半用于嘎查公益事业。",
    ),
    (
        "社区网格员守护居民平安",
        "社区党委划分十二个网格，每个网格配备一名专职网格员。网格员每日巡查楼栋，"
        "登记独居老人需求。今年以来化解邻里纠纷三十余起，居民满意度明显提升。",
    ),
]


def page(stories: list[tuple[str, str]]) -> str:
    return "".join(f"{title}\n\n{body}\n\n" for title, body in stories)


async def stat_rows(store: Store) -> set[tuple[object, ...]]:
    rows = await store.conn.execute_fetchall(
        "SELECT topic, code, date, articles, cases FROM stat_counts WHERE articles OR cases"
    )
    return {tuple(r) for r in rows}


async def test_a_file_that_grew_replaces_its_cut_story(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "2024-07-01 报纸.txt"
    whole = page(STORIES).encode()
    path.write_bytes(whole[: len(whole) - 150])  # the copy was still running
    first = await ingest(store, path)
    assert first.added == 3
    path.write_bytes(whole)
    second = await ingest(store, path)
    assert (second.added, second.duplicates, second.replaced) == (1, 2, 1)
    rows = await store.list_articles()
    assert sorted(r["title"] for r in rows) == sorted(t for t, _ in STORIES)
    [(text,)] = await store.conn.execute_fetchall(
        "SELECT text FROM articles WHERE title = ?", (STORIES[2][0],)
    )
    assert text == STORIES[2][1]
    # Search and statistics know only the whole story.
    [(indexed,)] = await store.conn.execute_fetchall("SELECT count(*) FROM article_fts")
    assert indexed == 3
    counted = await stat_rows(store)
    rebuild = next(sql for version, sql in migrations() if version == 8)
    start = rebuild.index("INSERT INTO stat_counts")
    await store.conn.execute("DELETE FROM stat_counts")
    await store.conn.execute(rebuild[start : rebuild.index(";", start) + 1])
    assert await stat_rows(store) == counted
    assert await store.integrity_check() == "ok"


async def test_a_file_cut_inside_its_only_story_leaves_no_empty_file(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "one.txt"
    whole = page(STORIES[:1]).encode()
    path.write_bytes(whole[:-60])
    await ingest(store, path)
    path.write_bytes(whole)
    report = await ingest(store, path)
    assert (report.added, report.replaced) == (1, 1)
    [(files,)] = await store.conn.execute_fetchall("SELECT count(*) FROM source_files")
    assert files == 1


async def test_an_edited_file_is_not_a_grown_one(store: Store, tmp_path: Path) -> None:
    """Same path, different beginning: both versions are kept, as before."""
    path = tmp_path / "edited.txt"
    path.write_text(page(STORIES[:2]), encoding="utf-8")
    await ingest(store, path)
    path.write_text(page([(STORIES[0][0] + "（更正）", STORIES[0][1] + "更正。"), STORIES[1]]))
    report = await ingest(store, path)
    assert report.replaced == 0 and len(await store.list_articles()) >= 3


async def test_a_seed_page_ingested_in_pieces_ends_whole(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    whole = seed_text("004").encode()
    for cut in (len(whole) // 3, 2 * len(whole) // 3, len(whole)):
        path.write_bytes(whole[:cut].decode(errors="ignore").encode())
        await ingest(store, path)
    fresh = await Store.open(tmp_path / "fresh.db")
    try:
        await ingest(fresh, path)
        expected = sorted(r["title"] for r in await fresh.list_articles())
    finally:
        await fresh.close()
    assert sorted(r["title"] for r in await store.list_articles()) == expected
