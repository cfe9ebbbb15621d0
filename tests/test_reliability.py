"""Hostile input and storage faults: every query gets a reply Telegram accepts, and a
failing or old database loses nothing and says what is wrong."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chat.search import inline_answer, search_reply
from bot.store import Store, StoreError
from bot.store.sqlite import _statements, migrations
from tests.conftest import ROOT, casebot, ingest
from tests.peers.strict_api import message_text

HOSTILE_PIECES = [
    '"', '""', "'", "(", ")", "NEAR(", "NEAR(党建 产业, 2)", "*", "党*", ":", "地区:", "时间:",
    "时间:9999-99", "时间:2024-13..2023-01", "类型:", "类型:案例", "主题:不存在", "栏目:",
    "-", "--", "|", "||", "AND", "OR", "NOT", "^", "{", "}", "[", "]", "<b>", "</b>", "&amp;",
    "&", "<", ">", "\x00", "\x1b[31m", "\u202e", "مرحبا", "🙂", "👨‍👩‍👧", "𠀀", "\ufeff",
    "党建", "赤峰", "嘎查", "乌云毕力格", "查干沐沦", "a", "1", "2024", "%", "_", "\\", "/",
]  # fmt: skip
hostile_queries = st.one_of(
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=8).map(" ".join),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=8).map("".join),
    st.text(max_size=60),
    st.sampled_from(["党建" * 5000, "。" * 3000, "\n" * 100, " " * 50, "!?！？，。" * 40]),
)


@pytest.fixture
async def library(seeded_file: Path, tmp_path: Path) -> Store:
    db = tmp_path / "hostile.db"
    db.write_bytes(seeded_file.read_bytes())
    store = await Store.open(db)
    yield store  # type: ignore[misc]
    await store.close()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=hostile_queries)
async def test_any_query_gets_a_reply_telegram_accepts(library: Store, query: str) -> None:
    reply = await search_reply(library, query)
    assert message_text(reply.text)
    for row in reply.buttons:
        for button in row:
            assert button.data and len(button.data.encode()) <= 64
    results, next_offset = await inline_answer(library, query[:256], "")
    assert len(results) <= 50 and len(next_offset) <= 64
    for r in results:
        assert message_text(r.text) and len(r.id.encode()) <= 64


def table_checksum(db: Path, ignore: tuple[str, ...] = ()) -> str:
    """A digest of every row of every table but `ignore`: equal before and after means
    nothing changed."""
    digest = hashlib.sha256()
    with sqlite3.connect(db) as conn:
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )  # virtual tables' rows live in their shadow tables, which are listed
        for (table,) in tables.fetchall():
            if table in ignore:
                continue
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


async def test_a_full_disk_refuses_the_batch_and_keeps_the_library(
    library: Store, tmp_path: Path
) -> None:
    await library.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = table_checksum(library.path)
    folder = tmp_path / "new"
    folder.mkdir()
    for n in range(6):
        body = "".join(
            f"第{n}篇第{i}段，嘎查党支部带领牧民发展奶食产业，户均增收{i}千元。" for i in range(400)
        )
        (folder / f"{n}.txt").write_text(f"新闻标题{n}\n\n{body}\n", encoding="utf-8")
    ((pages,),) = await library.conn.execute_fetchall("PRAGMA page_count")
    await library.conn.execute(f"PRAGMA max_page_count = {pages + 5}")  # a disk that is full

    with pytest.raises(StoreError, match=r"磁盘空间不足.*已入库的内容完好"):
        await ingest(library, folder, workers=1)

    assert table_checksum(library.path) == before
    assert await library.integrity_check() == "ok"
    await library.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    report = await ingest(library, folder, workers=1)
    assert report.added == 6 and report.rejected == []


def test_a_database_path_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = casebot("search", "党建", db=blocker / "sub" / "casebot.db")
    assert done.returncode == 2
    assert f"{blocker} 是文件，不是文件夹" in done.stderr and "Traceback" not in done.stderr


def test_a_file_that_is_not_a_database_is_named_as_such(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("会议记录\n" * 100, encoding="utf-8")
    done = casebot("search", "党建", db=notes)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "不是 casebot 的数据库，或已损坏" in done.stderr
    assert notes.read_text(encoding="utf-8") == "会议记录\n" * 100


def make_old_schema(db: Path, version: int) -> None:
    """A database as casebot left it at schema `version` (6: before the bot)."""
    with sqlite3.connect(db) as conn:
        conn.create_function("han_set", 1, lambda text: "")
        for number, sql in migrations():
            if number <= version:
                for statement in _statements(sql):
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")


async def test_an_older_schema_is_backed_up_then_migrated(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    make_old_schema(db, 6)
    store = await Store.open(db)
    try:
        await ingest(store, ROOT / "data" / "sample")
        ((version,),) = await store.conn.execute_fetchall("PRAGMA user_version")
    finally:
        await store.close()
    assert version == max(v for v, _ in migrations())
    backup = tmp_path / "old.db.v6.bak"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (6,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_a_write_waits_out_a_read_that_another_process_outdated(
    library: Store,
) -> None:
    """The bot handles updates side by side on one connection: a SELECT between its steps
    holds a snapshot; once another process commits, SQLite refuses BEGIN IMMEDIATE at once
    ("database is locked") instead of waiting. The store waits for the read to end."""
    reading = await library.conn.execute("SELECT id FROM articles")  # first step taken
    other = await Store.open(library.path)  # e.g. `casebot ingest` in another process
    try:
        await other.save_query("other", "养老", "2026-12-01T00:00:00+00:00")
    finally:
        await other.close()
    write = asyncio.create_task(library.save_query("mine", "党建", "2026-12-01T00:00:00+00:00"))
    while not library._writer.locked():  # the write has sent its BEGIN IMMEDIATE
        await asyncio.sleep(0)
    rows = await reading.fetchall()  # the read ends while the write waits
    await reading.close()
    await write
    assert len(rows) == 19
    assert await library.saved_query("mine") == "党建"


def test_a_database_from_a_newer_casebot_is_refused_untouched(
    seeded_file: Path, tmp_path: Path
) -> None:
    db = tmp_path / "newer.db"
    db.write_bytes(seeded_file.read_bytes())
    newest = max(v for v, _ in migrations())
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {newest + 1}")
    before = table_checksum(db)
    for args in (["search", "党建"], ["ingest", str(ROOT / "data" / "sample")], ["stats"]):
        done = casebot(*args, db=db)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"结构版本 {newest + 1}" in done.stderr and "更新版本的 casebot" in done.stderr
    assert table_checksum(db) == before
    assert not list(tmp_path.glob("*.bak"))


@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_a_page_damaged_mid_file_is_a_clear_message(
    seeded_file: Path, tmp_path: Path, where: float
) -> None:
    """Damage past the header is only met when a command reads that page: whichever command
    meets it says the database is damaged (exit 2); the others still work."""
    db = tmp_path / "damaged.db"
    data = bytearray(seeded_file.read_bytes())
    page = 4096
    start = int(len(data) * where) // page * page
    # A twentieth of the file: what lies at a given offset changes as tables are added, and
    # three pages there could belong to a table none of these commands reads.
    pages = max(3, len(data) // page // 20)
    data[start : start + pages * page] = bytes(range(256)) * (pages * page // 256)
    db.write_bytes(bytes(data))
    codes = []
    for args in (
        ["articles"], ["search", "党建"], ["stats", "赤峰"], ["show", "3"],
        ["digest", "--date", "2024-07-01"], ["cases"], ["ingest", str(ROOT / "data" / "sample")],
    ):  # fmt: skip
        done = casebot(*args, db=db)
        assert "Traceback" not in done.stderr, (args, done.stderr[-400:])
        assert done.returncode in (0, 1, 2)
        if done.returncode == 2:
            assert "已损坏" in done.stderr, done.stderr
        codes.append(done.returncode)
    assert 2 in codes


async def test_the_bot_refuses_a_newer_database_at_start(seeded_file: Path, tmp_path: Path) -> None:
    """`casebot run` stops at once with the message and exit 2, neither hanging nor
    printing a traceback."""
    from tests.peers.strict_api import StrictBotApi

    db = tmp_path / "newer.db"
    db.write_bytes(seeded_file.read_bytes())
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {max(v for v, _ in migrations()) + 1}")
    async with StrictBotApi(token="123:ABC") as api:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123:ABC", "CASEBOT_BOT_API_URL": api.base_url}
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--db", str(db), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(bot.communicate(), timeout=60)
    assert bot.returncode == 2 and "Traceback" not in err.decode()
    assert "更新版本的 casebot" in err.decode()
