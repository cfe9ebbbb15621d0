"""`casebot migrate-db`: a SQLite library copied to a real PostgreSQL server (tests/postgres.py)
reads the same afterwards (articles, search, /stats, digests, subscriptions and the rest),
takes new rows without id clashes, and a target that is not empty, cannot be reached or
refuses a row is left exactly as it was."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.digest import build_digest, digest_json
from bot.edit import Correction, correct_article, merge_articles, split_article
from bot.library import article_detail
from bot.search import search
from bot.stats import stats_for, stats_json
from bot.store import Store, transfer
from bot.store import sources as db_sources
from bot.store import subscriptions as db_subscriptions
from bot.store.sources import Selectors
from bot.store.subscriptions import NewSubscription
from tests.botkit import seeded_copy
from tests.conftest import ROOT, casebot, ingest, seed_text
from tests.postgres import free_port

TODAY = date(2024, 7, 15)
AT = "2024-07-02T08:00:00+00:00"
BIG_CHAT = -1001234567890  # Telegram ids of supergroups and channels exceed 32 bits
NEW_ARTICLE = """锡林浩特市某社区党支部开展冬季走访

十二月初，社区党支部书记带领十名党员志愿者走访辖区独居老人，逐户检查取暖设施，登记老人们遇到的实际困难。

党员志愿者还为老人清理院内积雪，并约定每周上门一次，帮助老人代购米面等生活用品。
"""
QUERIES = (
    "党建引领",
    "嘎查 集体经济",
    "赤峰",
    "地区:鄂尔多斯",
    "光伏",
    "党",
    "一肩挑",
    "主题:基层治理",
)


@pytest.fixture
async def library(seeded_file: Path, tmp_path: Path) -> Path:
    """The seeded library with a row in every table: a reprint (a near-duplicate) whose
    original came after it (a split part its original was merged into), a corrected place,
    staff, a big group id, saved queries, subscriptions and their deliveries, a source with
    an article's URL and an earlier version."""
    db = seeded_copy(seeded_file, tmp_path)
    store = await Store.open(db)
    store.shares_edits = True  # as the bot's store: its corrections are counted in the library
    try:
        reprint = tmp_path / "reprint.txt"  # another paper's copy with a figure changed
        reprint.write_text(seed_text("000").replace("57.06亿元", "57.1亿元"), encoding="utf-8")
        assert (await ingest(store, reprint)).near_duplicates >= 1
        first, second = sorted(a["article_id"] for a in await store.list_articles())[:2]
        await split_article(store, first, "2", title=None, actor=1, chat=None)
        part = max(a["article_id"] for a in await store.list_articles())
        await merge_articles(store, part, first, actor=1, chat=None)
        reprints = [a for a in await store.list_articles() if a["duplicate_of"] == part]
        assert reprints and all(a["article_id"] < part for a in reprints)
        await correct_article(store, second, Correction(places=("杭锦旗",)), actor=1, chat=None)
        await store.put_member("user", 502, "staff", "王明", 501, AT)
        await store.put_member("chat", BIG_CHAT, "staff", "盟委宣传部群", 501, AT)
        await store.put_chat(BIG_CHAT, "supergroup", "盟委宣传部群", "member", AT)
        await store.save_query("q1", "党建引领 地区:赤峰", AT)
        await db_sources.hold_pending(store, "p1", '{"url": "http://127.0.0.1:9/"}', AT, AT)
        sub = await db_subscriptions.add_subscription(
            store,
            NewSubscription(
                BIG_CHAT,
                "supergroup",
                "盟委宣传部群",
                502,
                "08:30",
                None,
                "地区:鄂尔多斯",
                True,
                AT,
            ),
        )
        assert await db_subscriptions.claim_delivery(store, sub, "2024-07-01", AT)
        await db_subscriptions.finish_delivery(store, sub, "2024-07-01", "sent", 2, AT)
        source = await db_sources.add_source(
            store, "北疆新闻", "feed", "http://127.0.0.1:9/feed.xml", Selectors.of({}), 60, AT
        )
        async with store.transaction():
            await db_sources.link_url(
                store, key="127.0.0.1:9/a/1", url="http://127.0.0.1:9/a/1", article_id=second,
                source_id=source, guid="a-1", content_hash="c0ffee", at=AT,
            )  # fmt: skip
            await store.conn.execute(  # what replace_article keeps of an edited page
                "INSERT INTO article_versions (article_id, version, title, text, replaced_at)"
                " SELECT id, version, title, text, ? FROM articles WHERE id = ?",
                (AT, second),
            )
    finally:
        await store.close()
    conn = sqlite3.connect(db)
    try:  # a subscription paused by migration 0011 for a time stored before its check
        ((trigger,),) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'subscriptions_time_insert'"
        ).fetchall()
        with conn:
            conn.execute("DROP TRIGGER subscriptions_time_insert")
            conn.execute(
                "INSERT INTO subscriptions (chat_id, chat_type, at_time, status, reason,"
                " due_from, created_at, updated_at) VALUES (503, 'private', '25:61', 'paused',"
                " '发送时间无效：25:61', ?, ?, ?)",
                (AT, AT, AT),
            )
            conn.execute(trigger)
    finally:
        conn.close()
    return db


async def _views(store: Store) -> dict[str, Any]:
    """What users read from a library, in a form comparable across backends: search results
    as (total, set of ids) since the backends rank by different formulas."""
    found = {}
    for query in QUERIES:
        page = await search(store, query, limit=100)
        found[query] = (page.total, sorted(h.article_id for h in page.hits))
    articles = await store.list_articles()
    store.shares_edits = True
    return {
        "edits": await store.edit_count(),
        "search": found,
        "articles": articles,
        "details": [await article_detail(store, a["article_id"]) for a in articles],
        "stats": [
            stats_json(await stats_for(store, q, TODAY))
            for q in ("时间:2024-07", "鄂尔多斯 时间:2024-07", "时间:2024-07 主题:基层治理")
        ],
        "digest": digest_json(await build_digest(store, date(2024, 7, 1))),
        "members": await store.members(),
        "chats": await store.chats(),
        "subscriptions": await db_subscriptions.subscriptions(store),
        "deliveries": [
            await db_subscriptions.deliveries(store, s.id)
            for s in await db_subscriptions.subscriptions(store)
        ],
        "sources": await db_sources.sources(store),
        "audit": await store.audit_entries(100),
    }


def _table_counts(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {name: (c["source"], c["target"]) for name, c in report["tables"].items()}


async def test_a_library_moves_to_postgresql_and_reads_the_same(
    library: Path, pg_database: str
) -> None:
    done = casebot("migrate-db", "--to", pg_database, "--json", db=library)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    counts = _table_counts(report)
    assert all(source == target > 0 for source, target in counts.values()), counts
    assert report["index"]["source"] == report["index"]["target"] > 0
    assert report["words"]["same"] and report["words"]["target"] > 1000
    assert report["searches"] and all(s["same"] for s in report["searches"])

    source, target = await Store.open(library), await Store.open(pg_database)
    try:
        assert await _views(target) == await _views(source)
        # The copied ids were never issued by PostgreSQL's sequences: new rows must not
        # reuse them.
        copied = max(a["article_id"] for a in await source.list_articles())
        page = library.with_name("new.txt")
        page.write_text(NEW_ARTICLE, encoding="utf-8")
        assert (await ingest(target, page, forced_date="2024-07-03")).added == 1
        (new,) = [a for a in await target.list_articles() if a["article_id"] > copied]
        assert (await search(target, "独居老人 积雪")).hits[0].article_id == new["article_id"]
        sub = await db_subscriptions.add_subscription(
            target,
            NewSubscription(502, "private", "", 502, "09:00", 0, "", False, AT),
        )
        assert sub > max(s.id for s in await db_subscriptions.subscriptions(source))
        # The paused row kept its bad time; new ones are checked as before the move.
        with pytest.raises(psycopg.IntegrityError):
            await db_subscriptions.add_subscription(
                target, NewSubscription(502, "private", "", 502, "25:61", None, "", False, AT)
            )
        await target.audit(AT, 501, None, "test", "after the move")
    finally:
        await source.close()
        await target.close()


async def test_every_table_of_the_schema_is_copied(tmp_path: Path, pg_database: str) -> None:
    """The tables migrate-db copies (read from SQLite's catalog) are every data table of a
    PostgreSQL library, column for column: a table one migration adds on one side only
    would fail here."""
    sqlite, postgres = await Store.open(tmp_path / "empty.db"), await Store.open(pg_database)
    try:
        copied = {t.name: set(t.columns) for t in await transfer.source_tables(sqlite)}
        kept = await transfer.target_columns(postgres)
    finally:
        await sqlite.close()
        await postgres.close()
    skipped = (*transfer.INDEX_TABLES, *transfer.RUNNER_TABLES)
    assert copied == {name: set(columns) for name, columns in kept.items() if name not in skipped}
    assert {"articles", "subscriptions", "digest_deliveries", "audit_log", "stat_counts"} <= set(
        copied
    )


def _target_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).fetchall()
        return {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]
            for (t,) in tables
            if t != "schema_version"
        }


async def test_a_target_that_is_not_empty_is_refused_untouched(
    seeded_file: Path, tmp_path: Path, pg_database: str
) -> None:
    db = seeded_copy(seeded_file, tmp_path)
    first = casebot("migrate-db", "--to", pg_database, db=db)
    assert first.returncode == 0 and "校验通过" in first.stdout
    before = _target_counts(pg_database)
    again = casebot("migrate-db", "--to", pg_database, db=db)
    assert again.returncode == 2
    assert "目标数据库不是空的" in again.stderr and "articles" in again.stderr
    assert "Traceback" not in again.stderr
    assert _target_counts(pg_database) == before


async def test_a_row_postgresql_refuses_leaves_the_target_empty(
    seeded_file: Path, tmp_path: Path, pg_database: str
) -> None:
    """A failure after hundreds of rows were written rolls all of them back: a word where a
    number belongs (SQLite keeps what a damaged or hand-edited file holds, PostgreSQL's
    INTEGER refuses it), in cases, copied after the articles and most of what hangs on
    them."""
    db = seeded_copy(seeded_file, tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE cases SET last_paragraph = 'seven' WHERE id = 20")
    conn.close()
    done = casebot("migrate-db", "--to", pg_database, db=db)
    assert done.returncode == 2
    assert "复制表 cases 时出错" in done.stderr and "未写入任何数据" in done.stderr
    assert "Traceback" not in done.stderr
    assert set(_target_counts(pg_database).values()) == {0}


def test_an_unreachable_server_is_said_plainly(seeded_file: Path) -> None:
    url = f"postgresql://casebot@127.0.0.1:{free_port()}/casebot"
    done = casebot("migrate-db", "--to", url, db=seeded_file)
    assert done.returncode == 2
    assert "无法连接" in done.stderr and "Traceback" not in done.stderr


def test_a_missing_source_or_a_wrong_address_is_refused(tmp_path: Path) -> None:
    done = casebot("migrate-db", "--to", "postgresql://x@127.0.0.1/y", db=tmp_path / "none.db")
    assert done.returncode == 2 and "不存在" in done.stderr
    assert not (tmp_path / "none.db").exists()
    done = casebot("migrate-db", "--to", "mysql://x@127.0.0.1/y", db=ROOT / "none.db")
    assert done.returncode == 2 and "postgresql://" in done.stderr
