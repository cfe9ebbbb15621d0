"""`casebot show`, `casebot cases` and `casebot reindex` on the seeds: real processes, a real
database file, the extraction stored at ingest."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, casebot, seed_text


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("library") / "casebot.db"
    done = casebot("ingest", str(ROOT / "data" / "sample"), "--date", "2024-07-01", db=path)
    assert done.returncode == 0, done.stderr
    return path


def article_id(db: Path, title_start: str) -> int:
    rows = json.loads(casebot("articles", "--json", db=db).stdout)
    return next(r["article_id"] for r in rows if r["title"].startswith(title_start))


def show(db: Path, title_start: str) -> dict[str, Any]:
    done = casebot("show", str(article_id(db, title_start)), "--json", db=db)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_show_json_is_the_article_object_plus_extraction(db: Path) -> None:
    article = show(db, "下好党建领航")
    listed = json.loads(casebot("articles", "--json", db=db).stdout)
    same = next(r for r in listed if r["article_id"] == article["article_id"])
    assert {k: article[k] for k in same} == same  # the articles object, extended
    assert set(article) >= {"places", "cases", "figures", "topics", "keywords", "text"}
    place = article["places"][0]
    assert set(place) >= {"name", "code", "level", "prefecture", "primary", "inferred", "ambiguous"}
    assert (place["name"], place["code"], place["primary"]) == ("赤峰市", "1504", True)
    village = next(p for p in article["places"] if p["name"] == "白音汉嘎查")
    assert village["inferred"] and village["parent"] == "乌丹镇" and village["code"] is None
    case = article["cases"][0]
    assert set(case) >= {
        "case_id", "actor", "place", "prefecture", "practice", "summary", "figures", "speaker"
    }  # fmt: skip
    assert case["actor"] == "查干沐沦苏木党委"
    assert "党建引领产业发展共同体" in case["practice"]
    assert case["chain"] == ["赤峰市", "巴林右旗", "查干沐沦苏木"]
    assert case["prefecture"] == "赤峰市"
    figure = next(f for f in article["figures"] if f["value"] == 5250)
    assert set(figure) >= {"text", "value", "unit", "counts"} and figure["unit"] == "元"
    assert "乡村振兴与集体经济" in article["topics"]


def test_show_text_reads_like_a_case_file(db: Path) -> None:
    done = casebot("show", str(article_id(db, "下好党建领航")), db=db)
    assert done.returncode == 0
    for expected in ("主要地点：赤峰市", "【查干沐沦苏木党委】", "关键数字："):
        assert expected in done.stdout
    assert "地点：赤峰市 › 巴林右旗" in done.stdout


def test_show_unknown_article_gets_a_chinese_message(db: Path) -> None:
    done = casebot("show", "99999", db=db)
    assert done.returncode == 1 and "没有编号为 #99999 的文章" in done.stderr


def test_cases_filtered_by_place_include_lower_levels(db: Path) -> None:
    cases = json.loads(casebot("cases", "--place", "赤峰", "--json", db=db).stdout)
    assert cases and all(c["prefecture"] == "赤峰市" for c in cases)
    assert {"查干沐沦苏木党委", "光明村党支部"} <= {c["actor"] for c in cases}
    assert all("article_id" in c for c in cases)
    by_alias = json.loads(casebot("cases", "--place", "锡盟", "--json", db=db).stdout)
    assert by_alias and all(c["prefecture"] == "锡林郭勒盟" for c in by_alias)
    banner = json.loads(casebot("cases", "--place", "杭锦旗", "--json", db=db).stdout)
    assert banner and all(c["chain"][:2] == ["鄂尔多斯市", "杭锦旗"] for c in banner)


def test_cases_filtered_by_topic(db: Path) -> None:
    cases = json.loads(casebot("cases", "--topic", "非公党建", "--json", db=db).stdout)
    assert all("非公党建" in c["topics"] for c in cases)
    everything = json.loads(casebot("cases", "--json", db=db).stdout)
    assert len(everything) > len(cases)


def test_cases_bad_filters_get_chinese_messages(db: Path) -> None:
    place = casebot("cases", "--place", "火星", db=db)
    assert place.returncode == 2 and "未找到地名“火星”" in place.stderr
    topic = casebot("cases", "--topic", "量子", db=db)
    assert topic.returncode == 2 and "未知主题“量子”" in topic.stderr


def test_cases_text_lists_cards(db: Path) -> None:
    done = casebot("cases", "--place", "集宁区", db=db)
    assert "【集宁区委组织部】" in done.stdout or "【乌兰察布市集宁区】" in done.stdout
    assert "出处：#" in done.stdout


def test_reindex_redoes_stale_articles_and_restores_the_same_extraction(tmp_path: Path) -> None:
    db = tmp_path / "casebot.db"
    casebot("ingest", str(ROOT / "data" / "sample"), "--date", "2024-07-01", db=db)
    before = dump(db)
    assert casebot("reindex", db=db).stdout.strip() == "所有文章均已是最新抽取结果。"
    with sqlite3.connect(db) as conn:  # an article extracted by an older extractor
        conn.execute("UPDATE articles SET extract_version = 0 WHERE id IN (1, 2)")
        conn.execute("DELETE FROM cases WHERE article_id IN (1, 2)")
    assert "已重新抽取 2 篇文章" in casebot("reindex", db=db).stdout
    assert dump(db) == before
    assert "已重新抽取 19 篇文章" in casebot("reindex", "--all", db=db).stdout
    assert dump(db) == before


def test_ingest_without_extraction_leaves_it_to_reindex(tmp_path: Path) -> None:
    extracted, later = tmp_path / "a.db", tmp_path / "b.db"
    casebot("ingest", str(ROOT / "data" / "sample"), "--date", "2024-07-01", db=extracted)
    casebot(
        "ingest", str(ROOT / "data" / "sample"), "--date", "2024-07-01", "--no-extract", db=later
    )
    assert not any(dump(later).values())
    assert "已重新抽取 19 篇文章" in casebot("reindex", db=later).stdout
    assert dump(later) == dump(extracted)


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("article_extracts", "article_places", "article_topics")
        } | {
            "cases": conn.execute(
                "SELECT article_id, seq, actor, place, practice FROM cases ORDER BY 1, 2"
            ).fetchall()
        }


def test_an_article_names_its_newspaper_not_its_file(tmp_path: Path) -> None:
    # A saved web page names its site; --source names the paper of a plain file.
    paragraphs = "".join(f"<p>{p}</p>" for p in seed_text("003").split("\n\n")[2:8])
    page = tmp_path / "9f2c41d07a.html"
    page.write_text(
        '<html><head><meta property="og:site_name" content="北疆党建网">'
        f"<title>赤峰党建</title></head><body><article>{paragraphs}</article></body></html>",
        encoding="utf-8",
    )
    db = tmp_path / "c.db"
    assert casebot("ingest", str(page), db=db).returncode == 0
    seed = next(ROOT.joinpath("data/sample").glob("002_*.txt"))
    assert casebot("ingest", str(seed), "--source", "阿拉善日报", db=db).returncode == 0
    rows = json.loads(casebot("articles", "--json", db=db).stdout)
    assert {r["source"] for r in rows} == {"北疆党建网", "阿拉善日报"}
    shown = casebot("show", str(rows[-1]["article_id"]), db=db).stdout
    assert "· 阿拉善日报" in shown.splitlines()[1] and "002_" not in shown.splitlines()[1]
    found = casebot("search", "玛拉沁", db=db).stdout
    assert "阿拉善日报" in found and "002_" not in found
    assert (
        json.loads(casebot("search", "玛拉沁", "--json", db=db).stdout)["results"][0]["source"]
        == "阿拉善日报"
    )
