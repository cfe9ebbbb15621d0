"""What an attack on the chat found (issue 24): a forged subscription time that stopped
every digest, user text echoed unescaped into HTML replies, a filter too long to deliver,
and edited messages that ran commands again. The real bot against the strict Bot API peer,
which refuses what Telegram would refuse."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.chat.subscriptions import MAX_FILTERS, new_subscription
from bot.segment import han_set
from bot.store import Store
from bot.store import subscriptions as subs
from bot.store.sqlite import migrations
from bot.values import time_of_day
from handlers.delivery import run_round
from tests import test_bot_api_rules as rules
from tests.botkit import ADMIN, STAFF, TOKEN, assert_no_errors, bot_settings, running_bot
from tests.peers.strict_api import StrictBotApi
from tests.test_bot_api_rules import texts
from tests.test_digest_bot import DAILY, DAY_2, SUBSCRIBED, Clock, digests, subscribe

db = rules.db

# Markup as one word of a command, and as a file name (which may hold spaces).
MARKUP = ["<a_href=https://example.com/x>登录</a>", "<b>", "a&b", "<i>x</i>&lt;"]
FILE_NAME = '<a href="https://example.com/login">点此重新登录</a>'


@pytest.fixture
async def api() -> AsyncIterator[StrictBotApi]:
    """The strict peer; at the end, nothing the bot sent was refused but its asking for a
    channel a user named that does not exist."""
    async with StrictBotApi(token=TOKEN) as peer:
        peer.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
        yield peer
        refused = [
            c
            for c in peer.calls
            if not c.ok and c.error.startswith("Bad Request") and c.method != "getChat"
        ]
        assert not refused, refused


@pytest.mark.parametrize("text", ["25:61", "9999", "24:00", "7:60", "²:00", "", "08:30:00"])
def test_times_that_are_no_time_of_day_are_refused(text: str) -> None:
    assert time_of_day(text) is None


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("7:05", "07:05"),
        ("07：05", "07:05"),
        ("７:０５", "07:05"),
        ("7点", "07:00"),
        ("23:59", "23:59"),
    ],
)
def test_times_of_day_in_the_ways_people_write_them(text: str, meant: str) -> None:
    assert time_of_day(text) == meant


async def test_the_database_refuses_a_time_that_is_none(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    try:
        good = new_subscription(DAILY, STAFF, "private", "", STAFF, SUBSCRIBED)
        bad = dataclasses.replace(good, at_time="25:61")
        with pytest.raises(sqlite3.IntegrityError):
            await subs.add_subscription(store, bad)
    finally:
        await store.close()


async def test_forged_time_buttons_change_nothing(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A subscription's owner (or a staffer, or a group's admin) pressing a forged t9999."""
    clock = Clock(SUBSCRIBED)
    async with running_bot(bot_settings(db, api.base_url), clock=clock) as app:
        await subscribe(api, "/subscribe 时间 08:30", STAFF)
        store = app.bot_data["runtime"].store
        [sub] = await subs.subscriptions(store, chat_ids=[STAFF])
        message = api.sent[STAFF][-1]
        for action in ("t9999", "t2460", "t0800x", "drop"):
            api.forged_callback(f"sub:{sub.id}:{action}", user_id=STAFF, message=message)
        alerts = await api.wait_for("answerCallbackQuery", count=4)
        [kept] = await subs.subscriptions(store, chat_ids=[STAFF])
        clock.at = DAY_2
        report = await run_round(app)
    assert kept.at_time == "08:30" and report.sent == 1
    assert all("失效" in a.params.get("text", "") for a in alerts)
    assert_no_errors(caplog)


async def test_a_bad_time_stored_before_the_check_holds_up_no_one(
    api: StrictBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A library whose subscriptions table predates the check (schema 10) holds a 25:61 row:
    the migration pauses it with the reason, the bot starts, everyone else gets their
    digest; the same row slipping past the check later is set aside by the round, once."""
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.create_function("han_set", 1, han_set, deterministic=True)  # as Store registers it
    for version, sql in migrations():
        if version <= 10:  # the schema before subscription times were checked
            conn.executescript(sql)
    conn.execute("PRAGMA user_version = 10")
    rows = [(STAFF, "08:30"), (ADMIN, "25:61"), (601, "9999")]
    conn.executemany(
        "INSERT INTO subscriptions (chat_id, chat_type, owner, at_time, due_from, created_at,"
        " updated_at) VALUES (?, 'private', ?, ?, ?, ?, ?)",
        [(c, c, t, *[SUBSCRIBED.isoformat()] * 3) for c, t in rows],
    )
    conn.commit()
    conn.close()
    for chat in (STAFF, 601):
        api.add_chat({"id": chat, "type": "private", "first_name": str(chat)})
    settings = bot_settings(old, api.base_url, staff_ids=(STAFF, 601))
    clock = Clock(DAY_2)
    async with running_bot(settings, clock=clock) as app:
        await api.wait_for("sendMessage", lambda c: "党建日报" in c.params["text"])
        store = app.bot_data["runtime"].store
        paused = {s.chat_id: s.reason for s in await subs.subscriptions(store) if s.reason}
        # A row written past the check (by hand, or by a version without it).
        await store.conn.execute("DROP TRIGGER subscriptions_time_update")
        await store.conn.execute(
            "UPDATE subscriptions SET at_time = '30:00' WHERE chat_id = ?", (STAFF,)
        )
        await store.conn.commit()
        first = await run_round(app)
        second = await run_round(app)
        audit = await store.audit_entries(50)
    assert paused == {ADMIN: "发送时间无效：25:61", 601: "发送时间无效：9999"}
    assert len(digests(api, STAFF)) == 1 and not digests(api, ADMIN)
    assert first.failed == 1 and second.failed == 0  # set aside, and reported, once
    assert sum(e["action"] == "digest paused" for e in audit) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].endswith("paused: 发送时间无效：30:00")


@pytest.mark.parametrize("markup", MARKUP)
async def test_user_text_in_every_reply_is_escaped(
    api: StrictBotApi, db: Path, markup: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Place, topic, channel and file names with markup come back as the text typed: the
    strict peer accepts every reply (a bad tag would be refused) and no link is made."""
    async with running_bot(bot_settings(db, api.base_url), clock=Clock(SUBSCRIBED)):
        for command in ("/digest 2024-07-01 地区:", "/subscribe 主题:", "/subscribe 频道:"):
            await subscribe(api, command + markup, STAFF)
        upload = api.add_file(b"x", f"{markup}{FILE_NAME}.zip")
        api.user_message("", user_id=ADMIN, document=upload)
        [refusal] = await api.wait_for("sendMessage", lambda c: "❌" in c.params["text"])
    sent = [m for chat in (STAFF, ADMIN) for m in api.sent[chat]]
    assert not any(e["type"] in ("text_link", "bold", "italic") and markup in m["text"]
                   for m in sent for e in m.get("entities", []))  # fmt: skip
    shown = [*texts(api, STAFF), *texts(api, ADMIN)]
    assert sum(markup in t for t in shown) == 4, shown  # place, topic, channel, file name
    shown_refusal = api.sent[ADMIN][-1]
    assert "❌" in refusal.params["text"] and FILE_NAME in shown_refusal["text"]
    assert not any(e["type"] == "text_link" for e in shown_refusal.get("entities", []))
    assert_no_errors(caplog)


async def test_a_filter_too_long_to_deliver_is_not_saved(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    words = " ".join(["养老"] * 1400)  # ~4,200 characters
    async with running_bot(bot_settings(db, api.base_url), clock=Clock(SUBSCRIBED)) as app:
        answer = await subscribe(api, f"/subscribe 时间 07:00 {words}", STAFF)
        fits = await subscribe(api, f"/subscribe 时间 07:00 {'养' * MAX_FILTERS}", STAFF)
        store = app.bot_data["runtime"].store
        saved = await subs.subscriptions(store, chat_ids=[STAFF])
    assert "太长" in answer and "已订阅" in fits
    assert [len(s.filters) for s in saved] == [MAX_FILTERS]
    assert_no_errors(caplog)


def _edit(api: StrictBotApi, chat: int, message_id: int, text: str) -> None:
    """The user edits a message they sent earlier (Telegram sends edited_message)."""
    original = api._chats[chat].messages[message_id]
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    api.push_update(
        {"edited_message": original | {"text": text, "entities": entities, "edit_date": 1}}
    )


async def test_edited_commands_that_change_something_are_not_run_again(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url), clock=Clock(SUBSCRIBED)) as app:
        await subscribe(api, "/subscribe 时间 07:00", STAFF)
        first = next(
            m for m in api._chats[STAFF].messages.values() if "/subscribe" in m.get("text", "")
        )
        _edit(api, STAFF, first["message_id"], "/subscribe 时间 08:00")
        told = await api.wait_for("sendMessage", lambda c: "修改过的命令" in c.params["text"])
        await subscribe(api, "/admin add 503", ADMIN)
        grant = next(
            m for m in api._chats[ADMIN].messages.values() if "/admin add" in m.get("text", "")
        )
        _edit(api, ADMIN, grant["message_id"], "/admin admin 503")
        await api.wait_for("sendMessage", lambda c: "修改过的命令" in c.params["text"], count=2)
        await subscribe(api, "/search 赤锋", STAFF)
        query = next(
            m for m in api._chats[STAFF].messages.values() if "/search" in m.get("text", "")
        )
        _edit(api, STAFF, query["message_id"], "/search 赤峰")
        answers = await api.wait_for("sendMessage", lambda c: "赤峰" in c.params["text"], count=1)
        rt = app.bot_data["runtime"]
        saved = await subs.subscriptions(rt.store, chat_ids=[STAFF])
        role = await rt.access.role(503)
    assert told and answers
    assert [s.at_time for s in saved] == ["07:00"]
    assert role == "staff"
    assert_no_errors(caplog)


def test_migration_numbers_are_unique() -> None:
    versions = [v for v, _ in migrations()]
    assert len(versions) == len(set(versions)) and versions == sorted(versions)


async def test_any_time_of_day_can_be_set_from_the_list(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url), clock=Clock(SUBSCRIBED)) as app:
        await subscribe(api, "/subscribe 时间 07:00", STAFF)
        bad = [
            await subscribe(api, f"/subscriptions {args}", STAFF)
            for args in ("1 时间 25:61", "2 时间 07:45", "x 07:45", "1")
        ]
        await subscribe(api, "/subscriptions 1 时间 07:45", STAFF)
        [sub] = await subs.subscriptions(app.bot_data["runtime"].store, chat_ids=[STAFF])
        jobs = [j.name for j in app.job_queue.jobs()]  # type: ignore[union-attr]
    assert "无效" in bad[0] and "没有编号为 2" in bad[1]
    assert all("/subscriptions 1 时间 07:45" in b or "无效" in b for b in bad)
    assert sub.at_time == "07:45" and "digest 07:45" in jobs
    assert "发送时间已改为 07:45" in texts(api, STAFF)[-2]
    assert_no_errors(caplog)
