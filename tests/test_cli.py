"""The `casebot` command as a user runs it: real processes, a real database file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, casebot


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "casebot.db"
    done = casebot("ingest", str(ROOT / "data" / "sample"), "--date", "2024-07-01", db=path)
    assert done.returncode == 0, done.stderr
    assert "新增文章" in done.stdout
    return path


def test_ingest_json_has_the_documented_fields(db: Path) -> None:
    done = casebot("ingest", str(ROOT / "data" / "sample"), "--json", db=db)
    report = json.loads(done.stdout)
    assert set(report) >= {"files", "added", "duplicates", "rejected"}
    assert report["files"] == 5 and report["added"] == 0 and report["duplicates"] > 5


def test_articles_json_lists_every_article_in_file_order(db: Path) -> None:
    rows = json.loads(casebot("articles", "--json", db=db).stdout)
    assert set(rows[0]) >= {
        "article_id",
        "title",
        "subtitle",
        "authors",
        "column",
        "date",
        "source_file",
    }
    files = [r["source_file"] for r in rows]
    assert files == sorted(files)
    assert rows[0]["source_file"].startswith("000_")


def test_search_json_and_text(db: Path) -> None:
    data = json.loads(casebot("search", "路线决定方向", "--json", db=db).stdout)
    assert data["query"] == "路线决定方向" and data["total"] >= 1
    assert data["results"][0]["source_file"].startswith("004_")
    text = casebot("search", "温棚葡萄", db=db).stdout
    assert "【温棚葡萄】" in text and "党建领航风帆劲" in text
    nothing = casebot("search", "量子计算机", db=db)
    assert nothing.returncode == 0 and "未找到" in nothing.stdout


def test_missing_file_and_bad_options_get_chinese_messages(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    done = casebot("ingest", str(tmp_path / "nope.txt"), "--json", db=db)
    assert done.returncode == 1
    assert json.loads(done.stdout)["rejected"][0]["file"].endswith("nope.txt")
    bad_date = casebot("ingest", str(tmp_path), "--date", "2024-13-45", db=db)
    assert bad_date.returncode == 2 and "无效日期" in bad_date.stderr


def test_unusable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = casebot("articles", db=blocker / "sub" / "casebot.db")
    assert done.returncode == 2 and "无法打开数据库" in done.stderr
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    done = casebot("articles", db=garbage)
    assert done.returncode == 2 and "数据库" in done.stderr
