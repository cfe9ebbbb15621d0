"""Digests and subscriptions end to end: the real bot against the strict Bot API peer, with
the digest clock injected and delivery rounds triggered by the test (no waiting for 08:30).

The seed library's articles are all published on 2024-07-01, so the digest sent on the
morning of 2024-07-02 lists them and the one of 2024-07-03 is an empty day."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.chat.subscriptions import SubscribeRequest, new_subscription
from bot.store import Store
from bot.store import subscriptions as subs
from handlers.delivery import SLEEP, run_round
from tests import test_bot_api_rules as rules
from tests.botkit import ADMIN, GROUP, STAFF, assert_no_errors, bot_settings, running_bot
from tests.peers.strict_api import AnsweredLate, Dropped, StrictBotApi
from tests.test_bot_api_rules import CHANNEL, texts, to

BACKENDS = ("sqlite", "postgresql")  # the bot on either store

api, db = rules.api, rules.db  # the strict peer and a copy of the seeded library

TZ = ZoneInfo("Asia/Shanghai")
SUBSCRIBED = datetime(2024, 7, 1, 20, 0, tzinfo=TZ)
DAY_2 = datetime(2024, 7, 2, 9, 0, tzinfo=TZ)  # after 08:30: the 2024-07-01 digest is due
DAY_3 = datetime(2024, 7, 3, 9, 0, tzinfo=TZ)
TITLE = "📰"
READ_TIMEOUT = 5.0  # python-telegram-bot's default: how long the bot waits for an answer
DAILY = SubscribeRequest("08:30", None, "", False, None)


class Clock:
    """The time the bot's digest scheduler sees; tests move it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def digests(api: StrictBotApi, chat: int) -> list[str]:
    """The digests a chat received (their first messages)."""
    return [t for t in texts(api, chat) if t.startswith(TITLE)]


def answered(text: str) -> Callable[[object], bool]:
    return lambda call: text in call.params.get("text", "")  # type: ignore[attr-defined]


async def subscribe(api: StrictBotApi, command: str, user: int, **chat: object) -> str:
    """Sends a command and returns the bot's answer in that chat."""
    where = int(chat.get("chat_id", user))  # type: ignore[call-overload]
    before = len([c for c in api.calls if c.ok and c.method == "sendMessage" and to(where)(c)])
    api.user_message(command, user_id=user, **chat)  # type: ignore[arg-type]
    calls = await api.wait_for("sendMessage", to(where), count=before + 1)
    return calls[-1].params["text"]


async def test_digest_arrives_once_and_again_after_a_restart_the_next_day(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(SUBSCRIBED)
    settings = bot_settings(db, api.base_url, staff_ids=(STAFF, 601))
    api.add_chat({"id": 601, "type": "private", "first_name": "跳过空日"})
    async with running_bot(settings, clock=clock) as app:
        confirmation = await subscribe(api, "/subscribe 时间 08:30", STAFF)
        await subscribe(api, "/subscribe 8:30 跳过空日", 601)
        clock.at = DAY_2
        first = await run_round(app)
        again = await run_round(app)
    assert "已订阅" in confirmation and "每天 08:30" in confirmation
    assert first.sent == 2 and again.sent == 0
    [digest] = digests(api, STAFF)
    assert "2024-07-01" in digest and "今日典型案例" in digest
    clock.at = DAY_3
    async with running_bot(settings, clock=clock) as app:
        # The catch-up round at start sends the digest due this morning by itself.
        await api.wait_for("sendMessage", lambda c: "2024-07-02" in c.params["text"])
        report = await run_round(app)
    assert report.sent == 0
    assert [d.split("\n")[0] for d in digests(api, STAFF)] == [
        f"{TITLE} 党建日报 2024-07-01",
        f"{TITLE} 党建日报 2024-07-02",
    ]
    assert "没有符合条件的新文章" in digests(api, STAFF)[1]  # an empty day, said briefly
    assert len(digests(api, 601)) == 1  # the empty day skipped, as asked
    assert_no_errors(caplog)


async def test_a_round_killed_midway_sends_each_of_50_subscribers_exactly_one(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    users = tuple(range(10_000, 10_050))
    for user in users:
        api.add_chat({"id": user, "type": "private", "first_name": f"用户{user}"})
    store = await Store.open(db)
    try:
        for user in users:
            await subs.add_subscription(store, _row(user))
    finally:
        await store.close()
    settings = bot_settings(db, api.base_url, staff_ids=users)
    clock = Clock(datetime(2024, 7, 2, 8, 0, tzinfo=TZ))  # before 08:30: nothing due at start
    async with running_bot(settings, clock=clock) as app:
        clock.at = DAY_2
        round_ = asyncio.create_task(run_round(app))
        await api.wait_for("sendMessage", answered(TITLE), count=20)
        round_.cancel()
        with pytest.raises(asyncio.CancelledError):
            await round_
    reached = [u for u in users if digests(api, u)]
    assert 20 <= len(reached) < 50  # killed in the middle
    clock.at = DAY_2.replace(minute=5)
    async with running_bot(settings, clock=clock) as app:
        await api.wait_for("sendMessage", answered(TITLE), count=50, timeout=60)
        await run_round(app)
    parts = {len(texts(api, u)) for u in users}
    assert all(len(digests(api, u)) == 1 for u in users)
    assert len(parts) == 1  # every subscriber got every part of it, once
    assert_no_errors(caplog)


def _row(chat: int, chat_type: str = "private") -> dict[str, object]:
    """A daily 08:30 subscription made the evening before the first digest."""
    return new_subscription(DAILY, chat, chat_type, "", chat, SUBSCRIBED)


async def test_a_blocked_subscriber_is_stopped_and_logged(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(SUBSCRIBED)
    async with running_bot(bot_settings(db, api.base_url), clock=clock) as app:
        await subscribe(api, "/subscribe", STAFF)
        api.block(STAFF)
        clock.at = DAY_2
        report = await run_round(app)
        clock.at = DAY_3
        later = await run_round(app)
        store = app.bot_data["runtime"].store
        entries = await store.audit_entries(5)
        left = await subs.subscriptions(store, chat_ids=[STAFF])
    assert report.stopped == 1 and later.sent == later.failed == 0
    assert left == []  # stopped subscriptions are not listed
    assert any(e["action"] == "digest stopped" and "blocked" in e["detail"] for e in entries)
    refused = [c for c in api.calls if c.method == "sendMessage" and not c.ok]
    assert len(refused) == 1  # tried once, never again
    assert_no_errors(caplog)


async def test_channel_digest_managed_from_private(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(SUBSCRIBED)
    async with running_bot(bot_settings(db, api.base_url), clock=clock) as app:
        api.my_chat_member(
            chat_id=CHANNEL, chat_type="channel", title="党建频道", user_id=ADMIN,
            new_status="administrator",
        )  # fmt: skip
        confirmation = await subscribe(api, f"/subscribe 频道:{CHANNEL} 主题:为民服务", ADMIN)
        api.user_message("/channels", user_id=ADMIN)
        [listing] = await api.wait_for("sendMessage", answered("每日摘要"))
        api.set_member(CHANNEL, api.bot_id, "member")  # demoted: it may not post any more
        api.user_message(f"/subscribe 频道:{CHANNEL}", user_id=ADMIN)
        await api.wait_for("sendMessage", answered("还不是该频道的管理员"))
        api.set_member(CHANNEL, api.bot_id, "administrator")
        clock.at = DAY_2
        await run_round(app)
    assert "频道“党建频道”" in confirmation
    assert "每日摘要：开启" in listing.params["text"]
    [post] = digests(api, CHANNEL)
    assert "主题:为民服务" in post and "为民服务" in post
    assert_no_errors(caplog)


async def test_filters_group_admins_and_the_digest_command(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(SUBSCRIBED)
    api.add_chat({"id": GROUP, "type": "supergroup", "title": "宣传群"})
    api.set_member(GROUP, STAFF, "member")
    api.set_member(GROUP, ADMIN, "administrator")
    async with running_bot(bot_settings(db, api.base_url), clock=clock) as app:
        await subscribe(api, "/subscribe 地区:赤峰", STAFF)
        api.user_message("/subscribe 地区:火星", user_id=STAFF)
        await api.wait_for("sendMessage", answered("未找到地区"))
        group = {"chat_id": GROUP, "chat_type": "supergroup"}
        refused = await subscribe(api, "/subscribe", STAFF, **group)
        allowed = await subscribe(api, "/subscribe 每周一 07:00", ADMIN, **group)
        api.user_message("/digest 2024-07-01 地区:呼和浩特", user_id=STAFF)
        await api.wait_for("sendMessage", answered("党建日报</b> 2024-07-01"))
        clock.at = DAY_2
        await run_round(app)
    assert "只有群管理员" in refused and "每周一 07:00" in allowed
    [mine] = digests(api, STAFF)[1:]
    assert "🏛 赤峰市（" in mine and "🏛 呼和浩特市" not in mine
    on_demand = digests(api, STAFF)[0]
    assert "🏛 呼和浩特市（" in on_demand and "🏛 赤峰市" not in on_demand
    assert digests(api, GROUP) == []  # weekly: due on a Monday
    assert_no_errors(caplog)


async def test_subscription_buttons_pause_resume_time_preview_delete(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(SUBSCRIBED)
    async with running_bot(bot_settings(db, api.base_url), clock=clock) as app:
        await subscribe(api, "/subscribe", STAFF)
        api.user_message("/subscriptions", user_id=STAFF)
        [listing] = await api.wait_for("sendMessage", answered("摘要订阅"))
        buttons = [b for row in listing.result["reply_markup"]["inline_keyboard"] for b in row]
        data = {b["text"].split()[-1]: b["callback_data"] for b in buttons}
        api.callback(data["暂停"], user_id=STAFF, message=listing.result)
        await api.wait_for("editMessageText", answered("已暂停"))
        clock.at = DAY_2
        paused = await run_round(app)
        api.callback(
            data["暂停"].replace("pause", "resume"), user_id=STAFF, message=api.sent[STAFF][-1]
        )
        await api.wait_for("answerCallbackQuery", answered("已恢复"))
        resumed = await run_round(app)  # the paused morning is skipped, not caught up on
        api.callback(data["时间"], user_id=STAFF, message=api.sent[STAFF][-1])
        [times] = await api.wait_for("editMessageText", answered("请选择新的时间"))
        api.callback(data["暂停"].replace("pause", "t0700"), user_id=STAFF, message=times.result)
        await api.wait_for("editMessageText", answered("07:00"))
        api.callback(data["预览"], user_id=STAFF, message=api.sent[STAFF][-1])
        await api.wait_for("sendMessage", answered("党建日报</b> 2024-07-01"))
        api.user_message("/unsubscribe", user_id=STAFF)
        [choices] = await api.wait_for("sendMessage", answered("选择要取消的订阅"))
        delete = choices.result["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        api.callback(delete, user_id=STAFF, message=choices.result)
        await api.wait_for("answerCallbackQuery", answered("已取消订阅"))
        gone = await subs.subscriptions(app.bot_data["runtime"].store, chat_ids=[STAFF])
    assert paused.sent == resumed.sent == 0 and gone == []
    assert_no_errors(caplog)


async def test_network_errors_are_retried_with_backoff_and_migration_moves_the_group(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(SUBSCRIBED)
    supergroup = -100_123
    api.add_chat({"id": GROUP, "type": "group", "title": "宣传群"})
    api.add_chat({"id": supergroup, "type": "supergroup", "title": "宣传群"})
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with running_bot(bot_settings(db, api.base_url), clock=clock) as app:
        app.bot_data[SLEEP] = sleep
        store = app.bot_data["runtime"].store
        await subs.add_subscription(store, _row(GROUP, "group"))
        await subscribe(api, "/subscribe", STAFF)
        api.fail_next(
            "sendMessage", error_code=502, description="Bad Gateway", times=2, chat_id=GROUP
        )
        clock.at = DAY_2
        api.fail_next(
            "sendMessage", error_code=400,
            description="Bad Request: group chat was upgraded to a supergroup chat (injected)",
            parameters={"migrate_to_chat_id": supergroup}, chat_id=GROUP,
        )  # fmt: skip
        report = await run_round(app)
        moved = await subs.subscriptions(store, chat_ids=[supergroup])
    assert report.sent == 2
    assert waits == [2.0, 4.0]  # backing off, doubled
    assert len(digests(api, STAFF)) == 1 and len(digests(api, supergroup)) == 1
    assert len(moved) == 1 and digests(api, GROUP) == []
    assert_no_errors(caplog)


async def test_a_dropped_connection_is_retried_and_a_late_answer_never_resent(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A connection closed before any answer: nothing went out, so the digest is sent again.
    An answer that comes after the bot stopped waiting (Telegram did send it): logged
    `unknown`, not sent a second time, the next day's digest goes out as usual."""
    clock = Clock(SUBSCRIBED)
    async with running_bot(bot_settings(db, api.base_url), clock=clock) as app:
        app.bot_data[SLEEP] = _no_wait
        store = app.bot_data["runtime"].store
        await subscribe(api, "/subscribe", STAFF)
        await subs.add_subscription(store, _row(ADMIN))
        api.fault_next("sendMessage", Dropped(), chat_id=STAFF)
        api.fault_next("sendMessage", AnsweredLate(READ_TIMEOUT + 1), chat_id=ADMIN)
        clock.at = DAY_2
        report = await run_round(app)
        clock.at = DAY_3
        later = await run_round(app)
        logged = {sub.chat_id: await subs.deliveries(store, sub.id)
                  for sub in await subs.subscriptions(store, chat_ids=[STAFF, ADMIN])}  # fmt: skip
    assert report.sent == 1 and report.failed == 1 and later.sent == 2
    assert [d["state"] for d in logged[STAFF]] == ["sent", "sent"]
    assert len(digests(api, STAFF)) == 2
    assert sorted(d["state"] for d in logged[ADMIN]) == ["sent", "unknown"]
    assert len(digests(api, ADMIN)) == 2  # the late one arrived, and was not repeated
    assert_no_errors(caplog)


async def _no_wait(seconds: float) -> None:
    """The back-off between retries, skipped: the test waits for the round, not the clock."""


async def test_a_send_cut_off_by_a_killed_process_is_not_repeated(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await Store.open(db)
    try:
        sub = await subs.add_subscription(store, _row(STAFF))
        # What a process killed between claiming the digest and confirming it leaves behind.
        assert await subs.claim_delivery(store, sub, "2024-07-01", "2024-07-02T00:30:00+00:00")
    finally:
        await store.close()
    async with running_bot(bot_settings(db, api.base_url), clock=Clock(DAY_2)) as app:
        report = await run_round(app)
        store = app.bot_data["runtime"].store
        log = await subs.deliveries(store, sub)
        entries = await store.audit_entries(5)
    assert report.sent == 0 and digests(api, STAFF) == []
    assert [(d["digest_date"], d["state"]) for d in log] == [("2024-07-01", "unknown")]
    assert any(e["action"] == "digest unknown" for e in entries)
    assert_no_errors(caplog)


async def test_a_time_subscribed_through_another_replica_is_scheduled_here_too(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Should the replica that took /subscribe 时间 07:15 stop, this one still runs the
    07:15 round: every replica schedules every time in the database, checking each minute."""
    async with running_bot(bot_settings(db, api.base_url), clock=Clock(SUBSCRIBED)) as app:
        assert app.job_queue
        other = await Store.open(db)  # another replica's
        try:
            at_07_15 = SubscribeRequest("07:15", None, "", False, None)
            await subs.add_subscription(
                other, new_subscription(at_07_15, STAFF, "private", "", STAFF, SUBSCRIBED)
            )
        finally:
            await other.close()
        before = app.job_queue.get_jobs_by_name("digest 07:15")
        [check] = app.job_queue.get_jobs_by_name("digest slots")
        await check.run(app)  # what the job queue does a minute after start, and each minute
        after = app.job_queue.get_jobs_by_name("digest 07:15")
    assert before == () and len(after) == 1
    assert_no_errors(caplog)
