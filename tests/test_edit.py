"""Putting mistakes right: a corrected date, title or primary place, and deleted articles,
with search, /stats and digests agreeing before and after (real SQLite, real extraction)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.digest import build_digest
from bot.edit import (
    Correction,
    EditError,
    correct_article,
    delete_articles,
    merge_articles,
    split_article,
)
from bot.ingest.reindex import reindex
from bot.search import search
from bot.stats import stats_for
from bot.store import Store
from tests.conftest import SEEDS, casebot, ingest, seed_text

BACKENDS = ("sqlite", "postgresql")  # the store tests run on both

TODAY = date(2024, 7, 15)
ALXA = "党建领航风帆劲"  # the 002 page's first article, about 阿拉善高新区


async def _id(store: Store, title_start: str) -> int:
    return next(
        a["article_id"] for a in await store.list_articles() if a["title"].startswith(title_start)
    )


async def _counts(store: Store, query: str) -> tuple[int, int]:
    found = await stats_for(store, query, TODAY)
    return found.totals.articles, found.totals.cases


async def _digest_ids(store: Store, day: date) -> set[int]:
    digest = await build_digest(store, day)
    return {a.article_id for _, group in digest.groups for a in group}


async def _integrity(store: Store) -> None:
    """The search tables and SQLite are sound, and stat_counts holds exactly what migration
    0008 would count from the extraction tables now."""
    assert await store.integrity_check() == "ok"
    recount = await store.conn.execute_fetchall(
        "SELECT topic, code, date, sum(articles), sum(cases) FROM ("
        " SELECT t.topic, p.code, a.date, 1 AS articles, 0 AS cases"
        " FROM article_places p JOIN articles a ON a.id = p.article_id"
        " JOIN stat_topics t ON t.article_id = a.id WHERE p.is_primary AND a.duplicate_of IS NULL"
        " UNION ALL SELECT t.topic, c.place, a.date, 0, 1 FROM cases c"
        " JOIN articles a ON a.id = c.article_id JOIN stat_topics t ON t.article_id = a.id"
        " WHERE c.place IS NOT NULL AND a.duplicate_of IS NULL"
        ") AS counted GROUP BY topic, code, date"
    )
    kept = await store.conn.execute_fetchall(
        "SELECT topic, code, date, articles, cases FROM stat_counts"
        " WHERE articles != 0 OR cases != 0"
    )
    assert sorted(kept) == sorted(recount)


async def _alxa_cases(store: Store, article: int) -> int:
    """The article's cases in 阿拉善盟, which /stats 阿拉善 counts."""
    return sum(1 for c in await store.cases_of([article]) if (c["place"] or "").startswith("1529"))


async def test_a_corrected_date_title_and_place_move_counts_search_and_digests(
    seeded: Store,
) -> None:
    article = await _id(seeded, ALXA)
    cases = await _alxa_cases(seeded, article)
    july = await _counts(seeded, "阿拉善 时间:2024-07")
    assert cases > 0 and july[0] >= 1
    assert await _counts(seeded, "阿拉善 时间:2024-06") == (0, 0)
    assert article in await _digest_ids(seeded, date(2024, 7, 1))
    fix = Correction(date="2024-06-15", title="乌斯太镇玛拉沁社区联合大党委", places=("乌斯太镇",))
    changes = await correct_article(seeded, article, fix, actor=7, chat=7)
    assert changes[0] == "日期：2024-07-01 → 2024-06-15"
    assert changes[1].startswith("标题：党建领航风帆劲") and changes[1].endswith("联合大党委")
    assert changes[2] == "主要地点：阿拉善盟 › 阿拉善高新区 › 乌斯太镇"
    # Stats: the article and its cases moved to June, and 乌斯太镇 is now counted.
    assert await _counts(seeded, "阿拉善 时间:2024-07") == (july[0] - 1, july[1] - cases)
    assert await _counts(seeded, "阿拉善 时间:2024-06") == (1, cases)
    assert (await _counts(seeded, "乌斯太镇 时间:2024-06"))[0] == 1
    # Digests: the old day no longer lists it, the new day does.
    assert article not in await _digest_ids(seeded, date(2024, 7, 1))
    assert article in await _digest_ids(seeded, date(2024, 6, 15))
    # Search: the new title is indexed, the old one's words no longer find it by title.
    found = await search(seeded, '"联合大党委" 时间:2024-06-15')
    assert [h.article_id for h in found.hits] == [article]
    assert (await search(seeded, '"风帆劲"')).total == 0
    # Extraction run again keeps the admin's place.
    await reindex(seeded, everything=True, workers=1)
    assert (await _counts(seeded, "乌斯太镇 时间:2024-06"))[0] == 1
    await _integrity(seeded)
    [entry] = await seeded.audit_entries(5)
    assert entry["action"] == "article edit" and entry["actor"] == 7
    assert entry["detail"].startswith(f"#{article} 日期：2024-07-01 → 2024-06-15")


async def test_deleted_articles_leave_search_stats_and_digests(seeded: Store) -> None:
    article = await _id(seeded, ALXA)
    cases = await _alxa_cases(seeded, article)
    july = await _counts(seeded, "阿拉善 时间:2024-07")
    assert (await search(seeded, "玛拉沁")).total == 1
    ((files,),) = await seeded.conn.execute_fetchall("SELECT count(*) FROM source_files")
    done = await delete_articles(seeded, [article], actor=None, chat=None)
    assert done.articles == [article]
    assert await _counts(seeded, "阿拉善 时间:2024-07") == (july[0] - 1, july[1] - cases)
    assert (await search(seeded, "玛拉沁")).total == 0
    assert article not in await _digest_ids(seeded, date(2024, 7, 1))
    await _integrity(seeded)
    # The page held this one article: its file, left without any, goes too.
    assert await seeded.conn.execute_fetchall("SELECT count(*) FROM source_files") == [(files - 1,)]
    # What was deleted may be imported again.
    report = await ingest(seeded, next(s for s in SEEDS if s.name.startswith("002")))
    assert report.added == 1 and (await search(seeded, "玛拉沁")).total == 1


async def test_deleting_an_original_deletes_its_reprints(seeded: Store, tmp_path: Path) -> None:
    article = await _id(seeded, "党建引领高质量发展")
    reprint = tmp_path / "reprint.txt"  # another paper's copy with a figure changed
    reprint.write_text(seed_text("000").replace("57.06亿元", "57.1亿元"), encoding="utf-8")
    report = await ingest(seeded, reprint)
    assert report.near_duplicates >= 1
    reprints = [
        a["article_id"] for a in await seeded.list_articles() if a["duplicate_of"] == article
    ]
    done = await delete_articles(seeded, [article], actor=None, chat=None)
    assert done.reprints == reprints
    assert not [a for a in await seeded.list_articles() if a["article_id"] in reprints]
    await _integrity(seeded)


async def test_corrections_refuse_what_they_cannot_do(seeded: Store) -> None:
    article = await _id(seeded, ALXA)
    with pytest.raises(EditError, match="没有编号为 9999 的文章"):
        await correct_article(seeded, 9999, Correction(date="2024-01-01"), actor=None, chat=None)
    with pytest.raises(EditError, match="可指多个地区"):
        await correct_article(seeded, article, Correction(places=("杭锦",)), actor=None, chat=None)
    with pytest.raises(EditError, match="同一条隶属链"):
        fix = Correction(places=("赤峰", "乌斯太镇"))
        await correct_article(seeded, article, fix, actor=None, chat=None)
    with pytest.raises(EditError, match="日期“2024-13-01”无效"):
        await correct_article(seeded, article, Correction(date="2024-13-01"), actor=None, chat=None)
    assert changes_none(await seeded.audit_entries(5))  # nothing half-done, nothing logged


async def test_merging_joins_a_story_cut_in_two(seeded: Store) -> None:
    first = await _id(seeded, "除蒿草")
    second = await _id(seeded, "服务群众")
    [other_text] = (await seeded.article_texts([second])).values()
    done = await merge_articles(seeded, first, second, actor=None, chat=None)
    assert done.startswith(f"已将 #{second}《服务群众》并入 #{first}《除蒿草 办实事》")
    ids = {a["article_id"] for a in await seeded.list_articles()}
    assert second not in ids
    [text] = (await seeded.article_texts([first])).values()
    assert text.endswith(other_text)
    found = await search(seeded, '"牧企军"')  # the second story's words find the first
    assert [h.article_id for h in found.hits] == [first]
    await _integrity(seeded)
    with pytest.raises(EditError, match="不能把文章与自己合并"):
        await merge_articles(seeded, first, first, actor=None, chat=None)


async def test_splitting_undoes_a_merge(seeded: Store) -> None:
    first = await _id(seeded, "除蒿草")
    second = await _id(seeded, "服务群众")
    before = await _counts(seeded, "时间:2024-07")
    await merge_articles(seeded, first, second, actor=None, chat=None)
    with pytest.raises(EditError, match="共 2 段，新文章须从第 2 至 2 段之一开始"):
        await split_article(seeded, first, "7", title=None, actor=None, chat=None)
    done = await split_article(seeded, first, "牧企军", title="服务群众", actor=None, chat=None)
    new = await _id(seeded, "服务群众")
    assert done == f"已从第 2 段起把 #{first} 拆出新文章 #{new}《服务群众》。"
    assert [h.article_id for h in (await search(seeded, '"牧企军"')).hits] == [new]
    assert [h.article_id for h in (await search(seeded, '"蒿草"')).hits] == [first]
    assert await _counts(seeded, "时间:2024-07") == before
    await _integrity(seeded)
    with pytest.raises(EditError, match="只有一段，无法拆分"):
        await split_article(seeded, new, "2", title=None, actor=None, chat=None)


def changes_none(entries: list[dict[str, object]]) -> bool:
    return not [e for e in entries if e["action"] == "article edit"]


def test_reingesting_with_a_date_corrects_the_stored_date(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    shutil.copy(next(s for s in SEEDS if s.name.startswith("002")), page)
    db = tmp_path / "c.db"
    assert casebot("ingest", str(page), db=db).returncode == 0  # dated the day of ingest
    done = casebot("ingest", str(page), "--date", "2024-07-01", "--json", db=db)
    report = json.loads(done.stdout)
    assert report["added"] == 0 and report["duplicates"] == 1
    assert [r["to"] for r in report["redated"]] == ["2024-07-01"]
    text = casebot("ingest", str(page), "--date", "2024-06-30", db=db).stdout
    assert "已按指定日期更正 #1：2024-07-01 → 2024-06-30" in text
    stats = json.loads(casebot("stats", "阿拉善", "时间:2024-06-30", "--json", db=db).stdout)
    assert stats["totals"]["articles"] == 1


def test_edit_and_delete_on_the_command_line(seeded_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    db.write_bytes(seeded_file.read_bytes())
    done = casebot("edit", "3", "--date", "2024-06-15", db=db)
    assert done.returncode == 0, done.stderr
    assert "已更正 #3：\n  日期：2024-07-01 → 2024-06-15" in done.stdout
    assert casebot("edit", "3", db=db).returncode == 2  # nothing to correct
    refused = casebot("edit", "999", "--title", "新标题", db=db)
    assert refused.returncode == 2 and "没有编号为 999 的文章" in refused.stderr
    done = casebot("merge", "9", "10", db=db)
    assert done.returncode == 0 and done.stdout.startswith("已将 #10《服务群众》并入 #9《")
    done = casebot("split", "9", "2", "--title", "服务群众", db=db)
    assert done.returncode == 0 and "拆出新文章 #20《服务群众》" in done.stdout
    assert casebot("split", "20", "2", db=db).returncode == 2  # one paragraph: nothing to cut
    done = casebot("delete", "3", "4", db=db)
    assert done.returncode == 0 and "已删除 #3、#4。" in done.stdout
    ids = {a["article_id"] for a in json.loads(casebot("articles", "--json", db=db).stdout)}
    assert not ids & {3, 4}
