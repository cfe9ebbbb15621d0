"""Statistics by locality on the seeds (all dated 2024-07-01): counts, rules, periods,
places typed with aliases and typos, CSV, JSON and charts."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from bot.charts import cjk_font, stats_chart
from bot.stats import CSV_HEADER, StatsError, stats_csv, stats_for, stats_json
from bot.store import Store
from tests.conftest import ROOT, casebot, ingest, migrations_of

BACKENDS = ("sqlite", "postgresql")  # the store tests run on both

TODAY = date(2024, 7, 15)
NOW = datetime(2024, 7, 15, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
ADDED = """松山区“红色驿站”让群众办事不出村

今年以来，赤峰市松山区委组织部在全区推行“红色驿站”便民服务机制，依托村党组织建成驿站86个，\
为群众代办事项1.2万件。
"""  # one more article about 赤峰, with one case
JULY = "时间:2024-07"

# Read off each seed article's primary places and cases (bench/annotations/seeds.toml
# and `casebot show`): 19 articles, 4 about the region as a whole (no 盟市 counts them).
ARTICLES = {
    "鄂尔多斯市": 3, "呼和浩特市": 3, "阿拉善盟": 2, "通辽市": 2, "呼伦贝尔市": 1,
    "锡林郭勒盟": 1, "赤峰市": 1, "乌兰察布市": 1, "巴彦淖尔市": 1, "包头市": 0,
    "乌海市": 0, "兴安盟": 0,
}  # fmt: skip
CASES = {
    "阿拉善盟": 12, "鄂尔多斯市": 8, "呼和浩特市": 7, "呼伦贝尔市": 5, "锡林郭勒盟": 5,
    "赤峰市": 5, "通辽市": 2, "乌兰察布市": 2, "巴彦淖尔市": 1, "包头市": 1, "乌海市": 0,
    "兴安盟": 0,
}  # fmt: skip


@pytest.fixture
async def library(seeded_target: Path | str) -> Store:
    store = await Store.open(seeded_target)
    yield store
    await store.close()


async def test_prefectures_count_articles_by_primary_place_and_cases_by_place(
    library: Store,
) -> None:
    found = stats_json(await stats_for(library, JULY, TODAY))
    assert found["period"] == {"from": "2024-07-01", "to": "2024-07-31"}
    assert found["previous_period"] == {"from": "2024-05-31", "to": "2024-06-30"}
    assert {r["name"]: r["articles"] for r in found["rows"]} == ARTICLES
    assert {r["name"]: r["cases"] for r in found["rows"]} == CASES
    assert all(r["previous_articles"] == 0 for r in found["rows"])
    assert found["uncovered"] == ["乌海市", "兴安盟"]  # 包头 has a case: it is reported on
    assert found["totals"]["articles"] == 15 and found["totals"]["cases"] == 48
    assert [r["articles"] for r in found["rows"]] == sorted(ARTICLES.values(), reverse=True)


async def test_a_place_by_alias_or_typo_breaks_down_to_the_next_level(library: Store) -> None:
    for typed in ("鄂尔多斯", "鄂尔多思", "地区:1506"):
        found = await stats_for(library, f"{typed} {JULY}", TODAY)
        assert found.place and found.place.name == "鄂尔多斯市"
        rows = {r.name: (r.articles, r.cases) for r in found.rows if r.articles or r.cases}
        assert rows == {"杭锦旗": (2, 6), "鄂托克前旗": (1, 1), "达拉特旗": (0, 1)}
        assert found.totals.articles == 3 and found.totals.cases == 8
    corrected = await stats_for(library, f"鄂尔多思 {JULY}", TODAY)
    assert [n.text for n in corrected.notices] == ["未找到地区“鄂尔多思”，已按“鄂尔多斯”统计。"]
    county = await stats_for(library, f"杭锦旗 {JULY}", TODAY)
    assert county.chain == ["鄂尔多斯市", "杭锦旗"] and county.totals.articles == 2
    assert county.child_level == "township"
    assert [a["date"] for a in county.recent] == ["2024-07-01", "2024-07-01"]


async def test_an_unknown_place_is_refused_with_suggestions(library: Store) -> None:
    with pytest.raises(StatsError) as refused:
        await stats_for(library, "锡林浩特旗盟", TODAY)
    assert str(refused.value) == "未找到地区“锡林浩特旗盟”。"
    assert "锡林浩特市" in refused.value.suggestions
    with pytest.raises(StatsError, match="未找到地区“北京”：它不在内蒙古") as outside:
        await stats_for(library, "北京", TODAY)
    assert outside.value.suggestions == []  # not 北京铺子村委会, a village of 奈曼旗
    with pytest.raises(StatsError, match="一次只能统计一个地区"):
        await stats_for(library, "赤峰 通辽", TODAY)
    with pytest.raises(StatsError, match="没有主题"):
        await stats_for(library, "主题:天气预报", TODAY)
    with pytest.raises(StatsError, match="无法识别“时间:上个月”"):
        await stats_for(library, "赤峰 时间:上个月", TODAY)


async def test_default_period_is_the_last_30_days(library: Store) -> None:
    recent = await stats_for(library, "", date(2024, 7, 30))
    assert (recent.date_from, recent.request.date_to) == ("2024-07-01", "2024-07-30")
    assert recent.totals.articles == 15
    later = await stats_for(library, "", date(2024, 7, 31))
    assert later.totals.articles == 0 and later.totals.previous_articles == 15
    assert later.previous == ("2024-06-01", "2024-06-30") or later.totals.previous_articles


async def test_an_empty_period_says_so_and_names_every_prefecture(library: Store) -> None:
    from bot.render import stats_lines

    found = await stats_for(library, "时间:2023", TODAY)
    assert found.totals.articles == 0 and found.totals.cases == 0
    assert len(found.uncovered) == 12
    assert "该时段未见报道。" in stats_lines(found)
    assert [t for _, t, _ in found.trend] == [0] * 12


async def test_a_topic_counts_only_the_articles_tagged_with_it(library: Store) -> None:
    everything = await stats_for(library, JULY, TODAY)
    topical = await stats_for(library, f"主题:基层治理 {JULY}", TODAY)
    rows = await library.conn.execute_fetchall(
        "SELECT count(DISTINCT p.article_id) FROM article_places p JOIN article_topics t"
        " ON t.article_id = p.article_id WHERE p.is_primary AND t.topic = '基层治理'"
    )
    assert topical.totals.articles == rows[0][0] < everything.totals.articles
    for r in topical.rows:
        assert r.articles <= next(x.articles for x in everything.rows if x.code == r.code)


async def test_a_near_duplicate_counts_once(library: Store, tmp_path: Path) -> None:
    before = stats_json(await stats_for(library, JULY, TODAY))
    [article] = (await library.articles_by_id([4])).values()
    assert "赤峰" in article["text"]
    reprint = tmp_path / "2024-07-02-reprint.txt"
    reprint.write_text(article["title"] + "\n\n" + article["text"].replace("132", "133"))
    report = await ingest(library, reprint)
    assert report.near_duplicates == 1, report
    after = stats_json(await stats_for(library, JULY, TODAY))
    assert after["rows"] == before["rows"] and after["totals"] == before["totals"]


async def test_the_aggregate_follows_reindexing_and_matches_a_rebuild(library: Store) -> None:
    """The triggers keep stat_counts equal to what the migration computes from scratch."""
    from bot.ingest.reindex import reindex

    async def counts() -> set[tuple[object, ...]]:
        rows = await library.conn.execute_fetchall(
            "SELECT topic, code, date, articles, cases FROM stat_counts"
            " WHERE articles <> 0 OR cases <> 0"
        )
        return {tuple(r) for r in rows}

    built = await counts()
    assert await reindex(library, everything=True, workers=1) == 19
    assert await counts() == built
    rebuild = next(sql for version, sql in migrations_of(library) if version == 8)
    start = rebuild.index("INSERT INTO stat_counts")
    backfill = rebuild[start : rebuild.index(";", start) + 1]
    await library.conn.execute("DELETE FROM stat_counts")
    await library.conn.execute(backfill)
    assert await counts() == built
    assert any(topic == "党员教育" for topic, *_ in built)


async def test_csv_has_a_bom_and_the_table(library: Store) -> None:
    found = await stats_for(library, f"赤峰 {JULY}", TODAY)
    data = stats_csv(found)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADER == ("地区", "代码", "文章数", "案例数", "上期文章数")
    assert rows[-1] == ["赤峰市", "1504", "1", "5", "0"]
    assert ["巴林右旗", "150423", "0", "1", "0"] in rows


def _glyph(text: str, family: str) -> np.ndarray:
    figure = Figure(figsize=(1, 1), dpi=60)
    figure.text(0.5, 0.5, text, family=family, size=30, ha="center", va="center")
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor="white")
    return np.asarray(Image.open(out).convert("L"))


def test_chinese_labels_render_as_real_glyphs() -> None:
    """Two different characters give different images in the bundled font; a font without
    them draws the same empty box for both (what the check would catch)."""
    family = cjk_font()
    assert "CJK" in family
    red, peak = _glyph("赤", family), _glyph("峰", family)
    assert (red < 128).sum() > 40 and not np.array_equal(red, peak)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DejaVu warns that it lacks the glyphs
        box_a, box_b = _glyph("赤", "DejaVu Sans"), _glyph("峰", "DejaVu Sans")
    assert np.array_equal(box_a, box_b)


async def test_the_chart_is_a_png_with_every_glyph(library: Store) -> None:
    found = await stats_for(library, f"鄂尔多斯 {JULY}", TODAY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of every glyph a font lacks
        png = stats_chart(found)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width >= 800 and image.height > image.width


def test_cli_json_csv_and_unknown_place(seeded_target: Path | str, tmp_path: Path) -> None:
    db = seeded_target
    done = casebot("stats", JULY, "--json", db=db)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert set(found) >= {"period", "place", "rows", "uncovered"}
    assert set(found["rows"][0]) >= {"name", "code", "articles", "cases", "previous_articles"}
    assert found["place"] is None and found["uncovered"] == ["乌海市", "兴安盟"]
    placed = json.loads(casebot("stats", "锡盟", JULY, "--json", db=db).stdout)
    assert placed["place"]["name"] == "锡林郭勒盟" and placed["totals"]["cases"] == 5
    table = casebot("stats", "赤峰", JULY, "--csv", db=db)
    assert table.stdout.startswith("\ufeff地区,代码,文章数,案例数,上期文章数")
    text = casebot("stats", "赤峰", JULY, db=db)
    assert "赤峰市 · 2024-07-01 至 2024-07-31" in text.stdout
    unknown = casebot("stats", "火星基地", db=db)
    assert unknown.returncode == 2 and "未找到地区“火星基地”" in unknown.stderr
    assert ROOT.exists()


async def test_drill_down_keeps_the_period_topic_and_the_default_label(library: Store) -> None:
    from bot.render import stats_lines
    from bot.stats import StatsRequest, compute, request_from_text

    first = request_from_text("主题:党员教育", date(2024, 7, 30))
    again = StatsRequest.from_context(first.context(), "1506")
    assert (again.code, again.date_from, again.date_to, again.topic, again.recent_days) == (
        "1506", "2024-07-01", "2024-07-30", "党员教育", 30,
    )  # fmt: skip
    lines = stats_lines(await compute(library, again))
    assert "鄂尔多斯市 · 近30天（2024-07-01 至 2024-07-30） · 主题：党员教育" in lines
    explicit = StatsRequest.from_context(request_from_text(JULY, TODAY).context(), None)
    assert explicit.recent_days is None and explicit.date_from == "2024-07-01"


async def test_buttons_with_forged_or_expired_data_read_nothing(library: Store) -> None:
    from bot.chat.stats import StatsAnswers, stats_csv_file

    answers = StatsAnswers(library)
    answer = await answers.answer(JULY, NOW)
    drill = answer.reply.buttons[0][0].data
    assert drill and drill.startswith("st:1506:")
    key = drill.split(":")[2]
    assert await answers.button_answer("1506", key, NOW) is not None
    assert await answers.button_answer("99999", key, NOW) is None
    assert await stats_csv_file(library, "15069", key) is None
    assert await answers.button_answer("1506", "nosuchkey0", NOW) is None


def added(folder: Path) -> Path:
    path = folder / "songshan.txt"
    path.write_text(ADDED, "utf-8")
    return path


async def test_chats_share_an_answer_for_a_minute_and_it_says_when_it_was_counted(
    library: Store, seeded_target: Path | str, tmp_path: Path
) -> None:
    """Another process (an ingest) changing the library is seen within a minute."""
    from bot.chat.stats import FRESH, StatsAnswers

    answers = StatsAnswers(library)
    first = await answers.answer(JULY, NOW)
    assert "文章 15 篇" in first.reply.text and "数据截至 2024-07-15 09:30" in first.reply.text
    other = await Store.open(seeded_target)
    try:
        await ingest(other, added(tmp_path), forced_date="2024-07-02")
    finally:
        await other.close()
    later = NOW + FRESH - timedelta(seconds=1)
    assert await answers.answer(JULY, later) is first
    recounted = await answers.answer(JULY, NOW + FRESH)
    assert (
        "文章 16 篇" in recounted.reply.text and "数据截至 2024-07-15 09:31" in recounted.reply.text
    )
    assert recounted.chart != first.chart


async def test_a_change_through_this_process_shows_at_once(library: Store, tmp_path: Path) -> None:
    from bot.chat.stats import StatsAnswers

    answers = StatsAnswers(library)
    assert "文章 15 篇" in (await answers.answer(JULY, NOW)).reply.text
    await ingest(library, added(tmp_path), forced_date="2024-07-02")
    assert "文章 16 篇" in (await answers.answer(JULY, NOW)).reply.text


async def test_a_change_through_another_replica_of_the_bot_shows_at_once(
    library: Store, seeded_target: Path | str, tmp_path: Path
) -> None:
    """Replicas of the bot count their changes in the database: an upload through one is
    in the next answer of the others, however young their kept answer."""
    from bot.chat.stats import StatsAnswers

    library.shares_edits = True  # what Runtime.open makes of every replica's store
    answers = StatsAnswers(library)
    assert "文章 15 篇" in (await answers.answer(JULY, NOW)).reply.text
    other = await Store.open(seeded_target)
    other.shares_edits = True
    try:
        await ingest(other, added(tmp_path), forced_date="2024-07-02")
    finally:
        await other.close()
    assert "文章 16 篇" in (await answers.answer(JULY, NOW)).reply.text


async def test_chats_asking_at_once_wait_for_one_count(library: Store) -> None:
    from bot.chat.stats import StatsAnswers

    answers = StatsAnswers(library)
    together = await asyncio.gather(*(answers.answer(f"赤峰 {JULY}", NOW) for _ in range(5)))
    assert all(a is together[0] for a in together)
