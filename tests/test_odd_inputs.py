"""Odd files and odd arguments: names no file system or terminal takes as they are, pages
too deep or too crowded to read naively, special files in a folder, bytes that are not
UTF-8, queries that grow when normalised."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.chat.search import article_replies, search_reply
from bot.search.query import MAX_QUERY, NoticeCode, parse_query
from bot.store import Store
from bot.uploads import safe_file_name
from tests.botkit import ADMIN, assert_no_errors, bot_settings, running_bot, seeded_copy
from tests.conftest import ROOT, casebot, ingest
from tests.peers.strict_api import StrictBotApi, message_text
from tests.test_bot_api_rules import texts, to

STORY = "嘎查党支部带领牧民发展奶食产业，户均增收三千元。"
WORKS = list(enumerate(["养牛", "种植饲草", "开办民宿", "制作奶食", "经营网店"]))
PAGE = f"奶食产业带富牧民\n\n{STORY * 3}\n"


@pytest.fixture
async def api() -> StrictBotApi:
    async with StrictBotApi(token="123:ABC") as peer:
        yield peer  # type: ignore[misc]


@pytest.mark.parametrize(
    "name",
    ["奶食产业带富牧民嘎查党支部" * 8 + ".txt", "奶食\x00坊.txt", "\x1b[2J\x1b[31m奶食坊.txt"],
)
async def test_uploads_with_impossible_names_are_ingested(
    api: StrictBotApi, seeded_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:  # fmt: skip
    upload = api.add_file(PAGE.encode(), name)
    db = seeded_copy(seeded_file, tmp_path)
    async with running_bot(bot_settings(db, api.base_url, bot_api_file_url=api.base_file_url)):
        api.user_message("", user_id=ADMIN, document=upload)
        await api.wait_for("sendMessage", to(ADMIN))
    assert "新增文章 1 篇" in texts(api, ADMIN)[-1], texts(api, ADMIN)
    assert_no_errors(caplog)


def test_safe_names_fit_a_file_system() -> None:
    for name in ["党" * 300 + ".docx", "a\x00b.pdf", "\x1b]0;title\x07x.txt", "../../etc/x.txt"]:
        safe = safe_file_name(name)
        assert len(safe.encode()) <= 255 and safe.isprintable() and "/" not in safe
        assert Path(safe).suffix == Path(name).suffix


async def test_thousands_of_bylines_leave_the_article_openable(
    store: Store, tmp_path: Path
) -> None:
    names = "张王李赵刘陈杨黄宋任"
    bylines = [f"□{names[i % 10]}{names[i // 10 % 10]} {names[i // 100 % 10]}{names[i % 7]}"
               for i in range(2400)]  # fmt: skip
    page = tmp_path / "bylines.txt"
    page.write_text("\n".join(["奶食产业带富牧民", "", *bylines, "", STORY * 5]), encoding="utf-8")
    assert (await ingest(store, page)).added == 1
    [row] = await store.list_articles()
    assert len(row["authors"]) <= 20
    replies = await article_replies(store, row["article_id"])
    assert replies and all(message_text(r.text) for r in replies)


async def test_a_page_with_one_endless_title_line_is_openable(store: Store, tmp_path: Path) -> None:
    page = tmp_path / "oneline.txt"
    page.write_text("、".join(["嘎查党支部"] * 3000) + f"\n\n{STORY}\n", encoding="utf-8")
    await ingest(store, page)
    for row in await store.list_articles():
        assert len(row["title"]) <= 200
        replies = await article_replies(store, row["article_id"])
        assert replies and all(message_text(r.text) for r in replies)


@pytest.mark.parametrize("depth", [300, 3000, 30000])
async def test_deeply_nested_html_keeps_its_text(store: Store, tmp_path: Path, depth: int) -> None:
    paragraphs = "".join(f"<p>第{n}户牧民{work}，年收入增加{n + 2}万元。</p>" for n, work in WORKS)
    body = "<div>" * depth + paragraphs + "</div>" * depth
    page = tmp_path / "deep.html"
    page.write_text(f"<html><body><h1>奶食产业带富牧民</h1>{body}</body></html>", encoding="utf-8")
    report = await ingest(store, page)
    assert report.added == 1 and report.rejected == []
    [row] = await store.list_articles()
    [(text,)] = await store.conn.execute_fetchall(
        "SELECT text FROM articles WHERE id = ?", (row["article_id"],)
    )
    assert text.count("年收入增加") == 5


async def test_unclosed_tags_keep_their_text(store: Store, tmp_path: Path) -> None:
    page = tmp_path / "unclosed.html"
    body = "<div><p><span>" * 400 + STORY * 10
    page.write_text(f"<html><body><h1>奶食产业带富牧民</h1>{body}", encoding="utf-8")
    report = await ingest(store, page)
    assert report.added == 1, report


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "\x1b[2J\x1b[31m红色.txt").write_text(PAGE, encoding="utf-8")
    (folder / os.fsdecode("党建".encode("gbk") + b".txt")).write_text(
        "苏木党委开展主题党日\n\n" + STORY.replace("奶食", "肉牛") * 3, encoding="utf-8"
    )
    (folder / "\x1b[2J\x1b]0;标题\x07坏.pdf").write_text("不是 PDF", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(folder / "pipe.docx")
    (folder / "gone.txt").symlink_to(folder / "nothing.txt")
    return folder


def test_folder_with_special_files_and_odd_names(odd_folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "odd.db"
    done = casebot("ingest", str(odd_folder), db=db)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\\x1b[2J" in done.stdout
    assert done.stdout.count("不是普通文件") == 2  # both pipes listed, neither read
    report = json.loads(casebot("ingest", str(odd_folder), "--json", db=db).stdout)
    assert {Path(r["file"]).name for r in report["rejected"]} == {
        "pipe.txt", "pipe.docx", "gone.txt", "\\x1b[2J\\x1b]0;标题\\x07坏.pdf"
    }  # fmt: skip
    shown = casebot("show", "2", db=db).stdout + casebot("show", "1", db=db).stdout
    assert "党建.txt" in shown and "\x1b" not in shown


def test_arguments_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    for args in ([b"search", b"\xff\xfe"], [b"stats", b"\xb3\xe0\xb7\xe5"], [b"ingest", b".",
                 b"--source", b"\xff"]):  # fmt: skip
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"bot.cli", *args, b"--db", bytes(tmp_path / "x.db")],
            capture_output=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
        err = done.stderr.decode()
        assert done.returncode == 2 and "Traceback" not in err and "UTF-8" in err


async def test_the_query_cut_counts_normalised_characters(
    seeded_file: Path, tmp_path: Path
) -> None:
    query = parse_query("ﷺ" * 50)  # 50 characters typed, 900 after NFKC
    assert sum(len(c.text) for c in query.clauses) <= MAX_QUERY
    assert any(n.code is NoticeCode.QUERY_CUT for n in query.notices)
    store = await Store.open(seeded_copy(seeded_file, tmp_path))
    try:
        assert message_text((await search_reply(store, "ﷺ" * 200)).text)
    finally:
        await store.close()


def test_a_folder_given_as_the_database_is_named(tmp_path: Path) -> None:
    done = casebot("search", "党建", db=tmp_path)
    assert done.returncode == 2 and done.stderr.strip().endswith("请给出数据库文件的路径。")
