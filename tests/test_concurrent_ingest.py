"""Several processes importing into one library at once (on PostgreSQL: several bot
replicas and an operator's `casebot ingest`): every article is stored once, whichever
process reads it first, and the index and the statistics stay exactly right."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

from bot.store import Store
from tests.conftest import ROOT

BACKENDS = ("sqlite", "postgresql")
SEED_ARTICLES = 19


def _ingest_process(target: Path | str, folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ingest", str(folder), "--date", "2024-07-01",
         "--json", "--db", str(target)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


async def test_two_processes_importing_overlapping_files_store_each_article_once(
    library_target: Path | str, tmp_path: Path
) -> None:
    pages = sorted((ROOT / "data" / "sample").glob("*.txt"))
    folders = []
    # Every page in both, read in opposite orders: each article reaches both writers, the
    # first at once, the second while the other process may be writing it.
    for name, order in (("a", pages), ("b", pages[::-1])):
        folder = tmp_path / name
        folder.mkdir()
        for n, page in enumerate(order):
            shutil.copy(page, folder / f"{n}_{page.name}")
        folders.append(folder)
    await (await Store.open(library_target)).close()  # migrated before the race
    processes = [_ingest_process(library_target, folder) for folder in folders]
    outcomes = await asyncio.gather(
        *(asyncio.to_thread(p.communicate, timeout=300) for p in processes)
    )
    for process, (_, stderr) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, stderr
    store = await Store.open(library_target)
    try:
        assert await store.count_articles() == SEED_ARTICLES
        rows = await store.conn.execute_fetchall(
            "SELECT count(*), count(DISTINCT fingerprint) FROM articles"
        )
        assert rows == [(SEED_ARTICLES, SEED_ARTICLES)]
        assert await store.integrity_check() == "ok"
        counted = await store.conn.execute_fetchall(
            "SELECT sum(articles) FROM stat_counts WHERE topic = '' AND length(code) = 4"
        )
        primary = await store.conn.execute_fetchall(
            "SELECT count(*) FROM article_places p JOIN articles a ON a.id = p.article_id"
            " WHERE p.is_primary AND length(p.code) = 4 AND a.duplicate_of IS NULL"
        )
        assert counted[0][0] == primary[0][0] > 0
    finally:
        await store.close()


async def test_a_writer_on_postgresql_waits_for_the_other_to_commit(pg_library: str) -> None:
    """What makes the race above safe: a second process's write transaction starts only
    once the first has committed (as SQLite's BEGIN IMMEDIATE), so what a writer read
    before writing (the next ids, which fingerprints are stored) still holds."""
    first, second = await Store.open(pg_library), await Store.open(pg_library)
    try:

        async def second_writer() -> list[tuple[str]]:
            async with second.transaction():
                return await second.conn.execute_fetchall("SELECT action FROM audit_log")

        await first.begin()
        waiting = asyncio.create_task(second_writer())
        # An event, not a guess: the server reports the second writer waiting on our lock.
        while not await first.conn.execute_fetchall(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND wait_event = 'advisory' AND datname = current_database()"
        ):
            assert not waiting.done()
            await asyncio.sleep(0.01)
        await first.conn.execute(
            "INSERT INTO audit_log (at, action) VALUES ('2024-07-01', 'first')"
        )
        await first.commit()
        assert await waiting == [("first",)]
    finally:
        await first.close()
        await second.close()
