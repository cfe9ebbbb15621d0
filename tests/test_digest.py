"""The digest on the seed library: summaries, grouping, splitting, the schedule's due dates,
command parsing and `casebot digest`."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.chat.digest import parse_digest_args
from bot.chat.html import digest_messages
from bot.chat.subscriptions import SubscribeRequest, parse_subscribe
from bot.digest import REGION_GROUP, build_digest, week_of
from bot.digest_delivery import due_digests
from bot.segment import han_set
from bot.store import Store
from bot.store import subscriptions as subs
from bot.store.sqlite import migrations
from bot.store.subscriptions import Subscription
from bot.summarise import SUMMARY_LIMIT, sentences, summarise
from bot.textsplit import html_length
from tests.conftest import casebot

BACKENDS = ("sqlite", "postgresql")  # the store tests run on both

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 7, 1)


@pytest.fixture
async def library(seeded_target: Path | str) -> AsyncIterator[Store]:
    store = await Store.open(seeded_target)
    yield store
    await store.close()


async def _seed_articles(store: Store) -> list[dict]:
    rows = await store.articles_by_id([a["article_id"] for a in await store.list_articles()])
    out = []
    for article_id, row in rows.items():
        extraction = await store.article_extraction(article_id)
        out.append(
            row
            | {
                "practices": [c["practice"] for c in extraction["cases"]],
                "figures": [f["text"] for f in extraction["figures"]],
            }
        )
    return out


async def test_summaries_are_the_articles_own_sentences_and_fit(library: Store) -> None:
    for a in await _seed_articles(library):
        summary = summarise(a["title"], a["text"], a["practices"], a["figures"])
        assert 0 < len(summary) <= SUMMARY_LIMIT, a["title"]
        pieces = [s.text for s in sentences(summary.rstrip("…"))] or [summary.rstrip("…")]
        assert all(p.rstrip("…") in a["text"] for p in pieces), (a["title"], summary)


async def test_summaries_carry_the_practice_or_its_figures(library: Store) -> None:
    articles = await _seed_articles(library)
    with_cases = [a for a in articles if a["practices"]]
    carried = [
        a
        for a in with_cases
        if (s := summarise(a["title"], a["text"], a["practices"], a["figures"]))
        and (any(p in s for p in a["practices"]) or any(f in s for f in a["figures"]))
    ]
    assert len(carried) >= 0.7 * len(with_cases)
    community = next(a for a in articles if "产业兴旺" in a["title"])
    assert "党建引领产业发展共同体" in summarise(
        community["title"], community["text"], community["practices"], community["figures"]
    )


def test_a_framing_lead_loses_to_the_sentence_with_the_practice() -> None:
    text = (
        "近年来，某旗深入贯彻落实新时代党的建设总要求，不断加强基层党组织建设。"
        "该旗推行“党建+合作社”模式，组建合作社12个，带动农牧民户均增收5250元。"
        "下一步，该旗将继续深化党建引领，推动高质量发展。"
    )
    summary = summarise("党建引领合作社", text, ["“党建+合作社”模式"], ["5250元"])
    assert summary.startswith("该旗推行“党建+合作社”模式")


def test_lead_fallback_and_cut() -> None:
    assert summarise("标题", "短句。") == "短句。"  # nothing long enough to rank: the lead
    long = "，".join(["党组织把党员组织起来把人才凝聚起来"] * 20) + "。"
    cut = summarise("标题", long, limit=60)
    assert len(cut) <= 60 and cut.endswith("…")


async def test_the_day_grouped_by_prefecture_then_topic(library: Store) -> None:
    digest = await build_digest(library, DAY)
    ids = [a.article_id for _, articles in digest.groups for a in articles]
    assert len(ids) == len(set(ids)) == 19 == digest.count
    for group, articles in digest.groups:
        topics = [a.topic or "" for a in articles]
        assert topics == sorted(topics, key=lambda t: (t == "", t)), group
        for a in articles:
            extraction = await library.article_extraction(a.article_id)
            primary = {p["prefecture"] for p in extraction["places"] if p["is_primary"]}
            assert bool(primary) != (group == REGION_GROUP)
    assert [g for g, _ in digest.groups][-1] == REGION_GROUP
    assert 1 <= len(digest.top_cases) <= 3
    assert len({c.article_id for c in digest.top_cases}) == len(digest.top_cases)


async def test_filters_empty_days_and_weeks(library: Store) -> None:
    chifeng = await build_digest(library, DAY, filters="地区:赤峰")
    assert "赤峰市" in [g for g, _ in chifeng.groups]
    assert all(c.chain[0] == "赤峰市" for c in chifeng.top_cases)
    topic = await build_digest(library, DAY, filters="主题:为民服务")
    tagged = await library.topics_of([a.article_id for _, g in topic.groups for a in g])
    assert 0 < topic.count < 19 and all("为民服务" in t for t in tagged.values())
    empty = await build_digest(library, date(2024, 7, 2))
    assert empty.count == 0 and not empty.top_cases
    [(text, ids)] = digest_messages(empty)
    assert "没有符合条件的新文章" in text and ids == []
    week = await build_digest(library, *week_of(date(2024, 7, 3)))
    assert (week.date, week.end, week.count) == ("2024-07-01", "2024-07-07", 19)


async def test_split_keeps_articles_whole_and_repeats_the_heading(library: Store) -> None:
    digest = await build_digest(library, DAY)
    messages = digest_messages(digest, limit=1200)
    assert len(messages) > 3
    numbered = []
    for text, ids in messages:
        assert html_length(text) <= 1200
        numbers = [int(n) for n in re.findall(r"<b>(\d+)\. ", text)]
        assert len(numbers) == len(ids)
        numbered += numbers
    assert numbered == list(range(1, 20))
    assert any("（续）" in text for text, _ in messages[1:])
    assert len(digest_messages(digest)) <= 2  # 19 articles in at most two full messages


def test_due_digests_catch_up_oldest_first_once() -> None:
    created = "2024-07-01T12:00:00+00:00"
    sub = Subscription(1, 5, "private", "", 5, "08:30", None, "", False, "active", "", created,
                       created, created)  # fmt: skip
    now = datetime(2024, 7, 5, 9, 0, tzinfo=TZ)
    every = [first.isoformat() for first, _ in due_digests(sub, now, set())]
    assert every == ["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-04"]
    assert due_digests(sub, now, set(), "latest") == [(date(2024, 7, 4), date(2024, 7, 4))]
    after = due_digests(sub, now, {"2024-07-02"})
    assert [f.isoformat() for f, _ in after] == ["2024-07-03", "2024-07-04"]
    assert due_digests(sub, now.replace(hour=8, minute=29), {"2024-07-03"}) == []
    weekly = dataclasses.replace(sub, weekday=0)
    assert due_digests(weekly, datetime(2024, 7, 8, 9, 0, tzinfo=TZ), set()) == [
        (date(2024, 7, 1), date(2024, 7, 7))
    ]


def test_command_arguments() -> None:
    assert parse_subscribe(
        ["时间", "7:05", "每周三", "地区:赤峰", "养老", "跳过空日"], "08:30"
    ) == (SubscribeRequest("07:05", 2, "地区:赤峰 养老", True, None))
    assert parse_subscribe(["频道:-100777"], "08:30") == SubscribeRequest(
        "08:30", None, "", False, "-100777"
    )
    assert "无效" in str(parse_subscribe(["25:00"], "08:30"))
    now = datetime(2024, 7, 2, 9, 0, tzinfo=TZ)
    assert parse_digest_args([], now) == (DAY, DAY, "")
    assert parse_digest_args(["2024-07-01", "地区:赤峰"], now) == (DAY, DAY, "地区:赤峰")
    assert parse_digest_args(["每周", "2024-07-03"], now) == (DAY, date(2024, 7, 7), "")
    assert isinstance(parse_digest_args(["2024-07"], now), str)


def test_an_invalid_date_is_an_error_not_a_keyword() -> None:
    now = datetime(2024, 7, 2, 9, 0, tzinfo=TZ)
    for typed in ("2024-13-01", "2024-02-30", "2024年13月1日", "0000-01-01", "9999-12"):
        told = parse_digest_args([typed], now)
        assert isinstance(told, str) and told.startswith(f"日期“{typed}”无效")


def test_the_bot_and_the_cli_mean_the_same_week(seeded_target: Path | str) -> None:
    # /digest 每周 showed the week before last while `casebot digest --week` showed another.
    wednesday = datetime(2024, 7, 10, 9, 0, tzinfo=TZ)
    assert parse_digest_args(["每周"], wednesday) == (date(2024, 7, 8), date(2024, 7, 14), "")
    assert parse_digest_args(["上周"], wednesday) == (date(2024, 7, 1), date(2024, 7, 7), "")
    monday = datetime(2024, 7, 8, 9, 0, tzinfo=TZ)  # yesterday ended last week
    assert parse_digest_args(["每周"], monday) == (date(2024, 7, 1), date(2024, 7, 7), "")
    db = seeded_target
    done = casebot("digest", "--week", "--json", db=db)
    first, last, _ = parse_digest_args(["每周"], datetime.now(TZ))
    assert json.loads(done.stdout)["date"] == first.isoformat()
    assert json.loads(done.stdout)["end"] == last.isoformat()
    text = casebot("digest", "--week", "--date", "2024-07-01", db=db).stdout
    assert text.startswith("党建周报 2024-07-01 至 2024-07-07") and "本周" not in text


def test_cli_digest_json(seeded_target: Path | str) -> None:
    db = seeded_target
    done = casebot("digest", "--date", "2024-07-01", "--json", db=db)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["date"] == "2024-07-01" and len(out["top_cases"]) <= 3
    article = out["groups"][0]["articles"][0]
    assert {"article_id", "title", "summary", "figures"} <= set(article)
    assert {"prefecture", "articles"} <= set(out["groups"][0])
    bad = casebot("digest", "--date", "2024-07-01", "地区:火星", db=db)
    assert bad.returncode == 2 and "火星" in bad.stderr
    empty = casebot("digest", "--date", "2024-07-02", db=db)
    assert empty.returncode == 0 and "没有符合条件的文章" in empty.stdout


async def test_channels_switched_on_before_subscriptions_keep_their_digest(tmp_path: Path) -> None:
    db = tmp_path / "before.db"
    conn = sqlite3.connect(db)
    conn.create_function("han_set", 1, han_set, deterministic=True)  # as Store registers it
    for version, sql in migrations():
        if version <= 7:  # the database as /channels left it before migration 0009
            conn.executescript(sql)
    conn.execute("PRAGMA user_version = 7")
    conn.executemany(
        "INSERT INTO chats (id, type, title, bot_status, settings, updated_at)"
        " VALUES (?, 'channel', ?, 'administrator', ?, '2024-07-01')",
        [(-100777, "党建频道", '{"digest": true}'), (-100888, "别的频道", '{"digest": false}')],
    )
    conn.commit()
    conn.close()
    store = await Store.open(db)
    try:
        kept = await subs.subscriptions(store)
    finally:
        await store.close()
    assert [(s.chat_id, s.at_time, s.status) for s in kept] == [(-100777, "08:30", "active")]


async def test_of_replicas_claiming_one_digest_at_once_exactly_one_sends_it(
    library: Store, seeded_target: Path | str
) -> None:
    """The delivery log's key makes every claim but one a no-op, whichever store (replica)
    and connection they come from and however they interleave."""
    from bot.chat.subscriptions import new_subscription

    request = SubscribeRequest("08:30", None, "", False, None)
    made = datetime(2024, 7, 1, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    sub = await subs.add_subscription(library, new_subscription(request, 7, "private", "", 7, made))
    other = await Store.open(seeded_target)
    try:
        claims = await asyncio.gather(
            *(subs.claim_delivery(s, sub, "2024-07-01", made.isoformat())
              for _ in range(4) for s in (library, other))
        )  # fmt: skip
    finally:
        await other.close()
    assert sorted(claims) == [False] * 7 + [True]
    assert [d["state"] for d in await subs.deliveries(library, sub)] == ["sending"]
