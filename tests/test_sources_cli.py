"""`casebot sources` and `casebot poll` in a real process against fixture sites."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.websites import STORIES, Site, list_html, serve, story_html

POLL_FIELDS = {"started_at", "finished_at", "requests", "bytes", "new", "updated", "sources"}
SOURCE_POLL_FIELDS = {
    "source_id", "name", "kind", "status", "links", "new", "near_duplicates", "duplicates",
    "updated", "unchanged", "rejected", "error",
}  # fmt: skip
SOURCE_FIELDS = {
    "id", "name", "kind", "url", "selectors", "interval_min", "status", "paused_reason",
    "failures", "last_success_at", "last_error", "last_error_at", "next_poll_at", "articles_7d",
}  # fmt: skip


async def casebot(db: Path, *args: str) -> tuple[int, str, str]:
    """The CLI in a subprocess, while this process's event loop serves the fixture sites."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, "--db", str(db), cwd=ROOT,
        env={"CASEBOT_SOURCES_HOST_DELAY": "0", "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_sources_are_tested_added_polled_listed_and_removed(tmp_path: Path) -> None:
    db = tmp_path / "casebot.db"
    site = Site()
    async with serve(site):
        keys = ["pasture", "roads"]
        for key in keys:
            site.put(f"/jcdj/202407/t20240701_{key}.html", story_html(key))
        site.put(
            "/jcdj/",
            list_html([(f"/jcdj/202407/t20240701_{k}.html", STORIES[k][0]) for k in keys]),
        )
        code, tested, _ = await casebot(db, "sources", "test", site.url("/jcdj/"))
        assert code == 0 and "找到 2 个文章链接" in tested and STORIES["roads"][0] in tested
        code, added, _ = await casebot(
            db, "sources", "add", site.url("/jcdj/"), "--name", "基层党建", "--links", "ul a"
        )
        assert code == 0 and "已添加来源 #1" in added and "[列表页]" in added
        code, out, _ = await casebot(db, "poll", "--json")
        assert code == 0
        report = json.loads(out)
        assert set(report) == POLL_FIELDS and report["new"] == 2
        assert set(report["sources"][0]) == SOURCE_POLL_FIELDS
        code, out, _ = await casebot(db, "poll", "--json")
        assert json.loads(out)["sources"] == []  # not due again for an hour
        code, out, _ = await casebot(db, "sources", "list", "--json")
        [listed] = json.loads(out)
        assert set(listed) == SOURCE_FIELDS and listed["articles_7d"] == 2
        assert listed["selectors"]["links"] == "ul a"
        code, out, _ = await casebot(db, "sources", "remove", "1")
        assert code == 0 and "已删除来源 #1" in out
        code, out, _ = await casebot(db, "articles", "--json")
        assert len(json.loads(out)) == 2  # the articles stay


async def test_an_unreachable_source_is_not_added(tmp_path: Path) -> None:
    site = Site()
    async with serve(site):
        site.put("/x/", "down", status=500)
        code, out, _ = await casebot(tmp_path / "c.db", "sources", "add", site.url("/x/"))
    assert code == 1 and "服务器返回错误 500" in out and "未添加" in out


async def test_the_example_sources_are_all_off(tmp_path: Path) -> None:
    code, out, _ = await casebot(
        tmp_path / "c.db", "sources", "add", "--file", str(ROOT / "data" / "sources.toml")
    )
    assert code == 0 and "没有 enabled = true 的来源" in out
