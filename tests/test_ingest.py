"""Ingest end to end on a real SQLite file: seeds, formats, duplicates, bad input, crashes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import opencc
import pytest

from bot.ingest.normalize import compact_text
from bot.search import search
from bot.store import Store
from tests.conftest import ROOT, SEEDS, casebot, ingest, seed_article, seed_text
from tests.fixtures_files import make_docx

BACKENDS = ("sqlite", "postgresql")  # the store tests run on both


async def test_seeds_ingest_into_articles_in_file_order(seeded: Store) -> None:
    rows = await seeded.list_articles()
    titles = [r["title"] for r in rows]
    assert titles[0] == "党建引领高质量发展凝心聚力 扬帆远航"
    assert "凝心聚力抓党建 擎旗奋进新征程" in titles
    assert "锚定方向 聚力前行" in titles
    assert all(r["date"] == "2024-07-01" for r in rows)
    by_title = {r["title"]: r for r in rows}
    assert by_title["包联共建暖人心"]["authors"] == ["宋爽"]
    assert by_title["包联共建暖人心"]["column"].startswith("五化协同 大抓基层")
    assert await seeded.integrity_check() == "ok"


async def test_reingest_adds_nothing(seeded: Store, sample_dir: Path) -> None:
    before = await seeded.count_articles()
    report = await ingest(seeded, sample_dir)
    assert (report.added, report.duplicates) == (0, before)
    assert await seeded.count_articles() == before


async def test_a_repost_in_another_file_is_stored_once(store: Store, tmp_path: Path) -> None:
    page = seed_text("003")
    (tmp_path / "a.md").write_text(page, encoding="utf-8")
    (tmp_path / "b.md").write_text("\n\n" + page.replace(",", "，"), encoding="utf-8")
    first = await ingest(store, tmp_path / "a.md")
    second = await ingest(store, tmp_path / "b.md")
    assert first.added > 0
    assert (second.added, second.duplicates) == (0, first.added)


async def test_a_near_duplicate_is_linked_to_its_original(store: Store, tmp_path: Path) -> None:
    original = seed_text("000")
    edited = original.replace("内蒙古小白熊环保科技有限公司", "内蒙古小白熊环保公司").replace(
        "57.06亿元", "57.1亿元"
    )
    (tmp_path / "a.txt").write_text(original, encoding="utf-8")
    (tmp_path / "b.txt").write_text(edited, encoding="utf-8")
    await ingest(store, tmp_path / "a.txt")
    report = await ingest(store, tmp_path / "b.txt")
    assert (report.added, report.near_duplicates) == (1, 1)
    first, second = await store.list_articles()
    assert second["duplicate_of"] == first["article_id"]
    # the copy is not indexed: search finds the article once
    from bot.search import search

    page = await search(store, "小白熊")
    assert [h.article_id for h in page.hits] == [first["article_id"]]


async def test_different_articles_on_one_topic_are_not_near_duplicates(seeded: Store) -> None:
    rows = await seeded.list_articles()
    assert all(r["duplicate_of"] is None for r in rows)


def _variants(tmp_path: Path) -> dict[str, Path]:
    """Seed 004 written as GBK, as traditional script, as .docx and as .pdf."""
    from tests.fixtures_files import make_docx, make_pdf

    text = seed_text("004")
    paths = {
        "utf8": tmp_path / "utf8.txt",
        "gbk": tmp_path / "gbk.txt",
        "traditional": tmp_path / "trad.txt",
        "docx": tmp_path / "page.docx",
        "pdf": tmp_path / "page.pdf",
    }
    paths["utf8"].write_text(text, encoding="utf-8")
    paths["gbk"].write_bytes(text.encode("gb18030"))
    paths["traditional"].write_text(opencc.OpenCC("s2t").convert(text), encoding="utf-8")
    make_docx(paths["docx"], text)
    make_pdf(paths["pdf"], text)
    return paths


@pytest.mark.parametrize("variant", ["gbk", "traditional", "docx", "pdf"])
async def test_every_format_ingests_to_the_same_normalised_text(
    tmp_path: Path, variant: str
) -> None:
    paths = _variants(tmp_path)
    texts = {}
    for name in ("utf8", variant):
        store = await Store.open(tmp_path / f"{name}.db")
        try:
            report = await ingest(store, paths[name])
            assert report.rejected == []
            rows = await store.list_articles()
            bodies = await store.articles_by_id([r["article_id"] for r in rows])
            texts[name] = [compact_text(bodies[r["article_id"]]["text"]) for r in rows]
        finally:
            await store.close()
    assert texts[variant] == texts["utf8"]


async def test_traditional_text_is_stored_as_written_and_found_by_simplified_query(
    store: Store, tmp_path: Path
) -> None:
    from bot.search import search

    path = tmp_path / "trad.txt"
    path.write_text(opencc.OpenCC("s2t").convert(seed_text("003")), encoding="utf-8")
    await ingest(store, path)
    page = await search(store, "党建引领产业发展共同体")
    assert page.total >= 1
    article = (await store.articles_by_id([page.hits[0].article_id]))[page.hits[0].article_id]
    assert "黨建" in article["text"] and article["script"] == "traditional"


BAD_FILES = {
    "empty.txt": b"",
    "blank.txt": b"   \n\n  ",
    "binary.txt": bytes(range(256)) * 64,
    "corrupt.docx": b"PK\x03\x04 definitely not a real docx" * 10,
    "broken.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog",
    "table.xlsx": b"whatever",
}


async def test_bad_files_are_rejected_with_a_reason_and_the_batch_goes_on(
    store: Store, tmp_path: Path
) -> None:
    for name, data in BAD_FILES.items():
        (tmp_path / name).write_bytes(data)
    good = tmp_path / "good.txt"
    good.write_text(seed_text("000"), encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_text(seed_text("000") * 40, encoding="utf-8")
    paths = [tmp_path / n for n in BAD_FILES] + [good, big]
    report = await ingest(store, *paths, max_bytes=100_000)
    rejected = {Path(r["file"]).name: r["reason"] for r in report.rejected}
    assert set(rejected) == {*BAD_FILES, "big.txt"}
    assert all(reason and not reason.isascii() for reason in rejected.values())
    assert "过大" in rejected["big.txt"] and "空" in rejected["empty.txt"]
    assert report.added == 1
    rows = await store.list_articles()
    assert {r["source_file"] for r in rows} == {"good.txt"}


async def test_date_comes_from_option_then_file_name_then_ingest_day(
    store: Store, tmp_path: Path
) -> None:
    named = tmp_path / "人民日报_2023-05-04.txt"
    named.write_text(seed_text("000"), encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text(seed_text("003"), encoding="utf-8")
    await ingest(store, named, plain)
    rows = await store.list_articles()
    assert rows[0]["date"] == "2023-05-04"
    origins = await store.conn.execute_fetchall("SELECT DISTINCT date_origin FROM articles")
    assert {o for (o,) in origins} == {"filename", "ingest"}


async def test_a_dateline_in_the_text_beats_the_documents_metadata(
    store: Store, tmp_path: Path
) -> None:
    # Word keeps the date its template was made; the page says when it was published.
    page = tmp_path / "组织工作简报.docx"
    make_docx(page, "2024年6月28日 星期五\n\n" + seed_text("003"), created=datetime(2013, 12, 23))
    undated = tmp_path / "简报.docx"
    make_docx(undated, seed_text("000"), created=datetime(2013, 12, 23))
    await ingest(store, page, undated)
    dates = await store.conn.execute_fetchall(
        "SELECT DISTINCT f.name, a.date, a.date_origin FROM articles a"
        " JOIN source_files f ON f.id = a.file_id"
    )
    assert set(dates) == {
        ("组织工作简报.docx", "2024-06-28", "metadata"),
        ("简报.docx", "2013-12-23", "metadata"),
    }
    titles = [a["title"] for a in await store.list_articles()]
    assert not [t for t in titles if "2024年6月28日" in t]  # the dateline is no headline
    assert titles[0] == seed_article("003", 0)[0]


def test_a_killed_ingest_leaves_a_consistent_db_and_a_rerun_completes(tmp_path: Path) -> None:
    """kill -9 in the middle of a batch: no half-stored file, and re-running finishes it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(60):
        for seed in SEEDS:
            text = seed.read_text(encoding="utf-8") + f"\n\n第{n}期结束。\n"
            (corpus / f"{n:03d}_{seed.name}").write_text(text, encoding="utf-8")
    db = tmp_path / "kill.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ingest", str(corpus), "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # wait until some files have been committed, then kill the whole process group
    while proc.poll() is None:
        if db.exists() and _count(db, "source_files") >= 10:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.02)  # polling interval only; the event awaited is the 10th commit
    proc.wait()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = con.execute(
        "SELECT count(*) FROM source_files f WHERE NOT EXISTS"
        " (SELECT 1 FROM articles a WHERE a.file_id = f.id)"
    ).fetchone()[0]
    assert orphans == 0
    con.close()
    done = casebot("ingest", str(corpus), "--json", db=db)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rejected"] == []
    assert _count(db, "source_files") == len(list(corpus.iterdir()))


def _count(db: Path, table: str) -> int:
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


async def test_source_file_row_records_the_files_hash_and_size(
    store: Store, tmp_path: Path
) -> None:
    import hashlib

    path = tmp_path / "page.txt"
    path.write_bytes(seed_text("003").encode("gb18030"))
    await ingest(store, path)
    rows = await store.conn.execute_fetchall("SELECT sha256, size, encoding FROM source_files")
    assert rows == [(hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size, "gb18030")]


async def test_a_nul_character_from_a_user_is_stored_on_either_backend(store: Store) -> None:
    # PostgreSQL's text cannot hold U+0000 (SQLite's can; files holding one are refused as
    # binary at ingest): a query or a chat title carrying one failed the statement there.
    await store.audit("2024-07-01T08:00:00+08:00", 1, None, "search", "党建\x00引领")
    kept = "党建\x00引领" if store.dialect == "sqlite" else "党建引领"  # PostgreSQL drops it
    assert [e["detail"] for e in await store.audit_entries(1)] == [kept]
    assert (await search(store, "党建\x00", limit=1)).total == 0
