"""Sources in the bot, end to end: the real bot against the strict Bot API peer, fixture
news sites on 127.0.0.1 and a moved clock (no waiting for the morning)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.chat.subscriptions import SubscribeRequest, new_subscription
from bot.store import Store
from bot.store import sources as db
from bot.store import subscriptions as subs
from bot.store.sources import Selectors
from handlers.delivery import run_round
from tests import test_bot_api_rules as rules
from tests.botkit import ADMIN, STAFF, assert_no_errors, bot_settings, running_bot
from tests.peers.strict_api import StrictBotApi
from tests.test_bot_api_rules import to
from tests.websites import STORIES, Site, list_html, serve, story_html

api = rules.api  # the strict peer

TZ = ZoneInfo("Asia/Shanghai")
EVENING = datetime(2024, 7, 1, 20, 0, tzinfo=TZ)
NEXT_MORNING = datetime(2024, 7, 2, 9, 0, tzinfo=TZ)
KEYS = ["pasture", "library", "roads"]


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _news_site(site: Site) -> str:
    for key in KEYS:
        site.put(f"/jcdj/202407/t20240701_{key}.html", story_html(key))
    links = [(f"/jcdj/202407/t20240701_{k}.html", STORIES[k][0]) for k in KEYS]
    return site.put("/jcdj/", list_html(links))


async def _setup(db_path: Path, url: str, *, subscriber: int | None = None) -> None:
    store = await Store.open(db_path)
    try:
        await db.add_source(store, "盟委组织部网站", "list", url, Selectors(), 60, "2024-07-01")
        if subscriber:
            request = SubscribeRequest("08:30", None, "", False, None)
            row = new_subscription(request, subscriber, "private", "", subscriber, EVENING)
            await subs.add_subscription(store, row)
    finally:
        await store.close()


async def _ask(api: StrictBotApi, text: str, user: int = ADMIN) -> dict[str, object]:
    """Sends `text` and returns the bot's next message to that user."""
    before = len(api.sent.get(user, []))
    api.user_message(text, user_id=user)
    calls = await api.wait_for("sendMessage", to(user), count=before + 1)
    return calls[-1].result


async def test_a_day_of_news_is_polled_stored_once_and_in_the_next_digest(
    api: StrictBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = Site()
    db_path = tmp_path / "bot.db"
    clock = Clock(EVENING)
    settings = bot_settings(db_path, api.base_url, sources_host_delay=0.0)
    api.add_chat({"id": STAFF, "type": "private", "first_name": "工作人员"})
    async with serve(site):
        await _setup(db_path, _news_site(site), subscriber=STAFF)
        async with running_bot(settings, clock=clock) as app:
            clock.at = NEXT_MORNING
            await run_round(app)  # waits for the morning poll, run by the scheduler's jobs
            [digest] = await api.wait_for("sendMessage", lambda c: "📰" in c.params["text"])
            health = await _ask(api, "/sources")
    text = digest.params["text"]
    assert "2024-07-01" in text and all(STORIES[k][0] in text for k in KEYS)
    assert all(site.hits[f"/jcdj/202407/t20240701_{k}.html"] == 1 for k in KEYS)
    store = await Store.open(db_path)
    try:
        assert await store.count_articles() == 3
    finally:
        await store.close()
    assert "盟委组织部网站" in str(health["text"]) and "近7天文章：3 篇" in str(health["text"])
    assert "最近成功：07-0" in str(health["text"])
    buttons = [b["callback_data"] for row in health["reply_markup"]["inline_keyboard"] for b in row]  # type: ignore[index]
    assert buttons == ["src:1:pause", "src:1:poll", "src:1:remove"]
    assert_no_errors(caplog)


async def test_links_an_admin_sends_are_ingested_with_the_usual_reply(
    api: StrictBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = Site()
    settings = bot_settings(tmp_path / "bot.db", api.base_url, sources_host_delay=0.0)
    async with serve(site):
        good = site.put("/a/1.html", story_html("market"))
        nav = site.put("/a/nav.html", list_html([("/x", "要闻")] * 20))
        api.add_chat({"id": STAFF, "type": "private", "first_name": "工作人员"})
        async with running_bot(settings):
            first = await _ask(api, f"看看这两篇 {good} 和 {nav}")
            again = await _ask(api, good)
            searched = await _ask(api, site.url("/a/2.html"), user=STAFF)
    assert f"✅ “{STORIES['market'][0]}” 新增" in str(first["text"])
    assert "❌ 未导入：页面上没有可识别的正文" in str(first["text"])
    assert "已在库中" in str(again["text"])
    assert "新增" not in str(searched["text"]) and site.hits["/a/2.html"] == 0  # a search
    assert_no_errors(caplog)


async def test_a_source_is_tested_saved_paused_resumed_polled_and_removed(
    api: StrictBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = Site()
    settings = bot_settings(tmp_path / "bot.db", api.base_url, sources_host_delay=0.0)
    async with serve(site):
        url = _news_site(site)
        api.add_chat({"id": STAFF, "type": "private", "first_name": "工作人员"})
        async with running_bot(settings):
            refused = await _ask(api, f"/sources add {url}", user=STAFF)
            tested = await _ask(api, f"/sources add {url} 列表页 ul.list a")
            assert "找到 3 个文章链接" in str(tested["text"])
            assert STORIES["pasture"][0] in str(tested["text"])
            api.callback(_save_button(tested), user_id=ADMIN, message=tested)
            [saved] = await api.wait_for(
                "editMessageText", lambda c: "新闻来源" in c.params["text"]
            )
            assert "#1 [列表页] 基层党建 — 正常" in saved.params["text"]  # named by its title
            for action, shows in (("pause", "已暂停"), ("resume", "正常")):
                api.callback(f"src:1:{action}", user_id=ADMIN, message=saved.result)
                [saved] = await api.wait_for(
                    "editMessageText", lambda c, s=shows: s in c.params["text"]
                )
            api.callback("src:1:poll", user_id=ADMIN, message=saved.result)
            [polled] = await api.wait_for(
                "sendMessage", lambda c: "抓取 1 个来源" in c.params["text"]
            )
            api.callback("src:1:remove", user_id=ADMIN, message=saved.result)
            await api.wait_for("editMessageText", lambda c: "还没有新闻来源" in c.params["text"])
    assert "只有管理员" in str(refused["text"])
    assert "新增 3 篇" in polled.params["text"]  # the test fetch stored nothing
    assert_no_errors(caplog)


async def test_a_tested_source_is_saved_by_whichever_replica_takes_the_press(
    api: StrictBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The tested source waits in the database, not in the process that tested it: the
    保存 button works after a restart, as on another replica behind the same webhook."""
    site = Site()
    settings = bot_settings(tmp_path / "bot.db", api.base_url, sources_host_delay=0.0)
    async with serve(site):
        url = _news_site(site)
        async with running_bot(settings):
            tested = await _ask(api, f"/sources add {url} 列表页 ul.list a")
            other = await _ask(api, f"/sources add {url} 列表页 ul.list a")
        async with running_bot(settings):
            for _ in range(2):  # a double tap: both presses arrive before the answer
                api.callback(_save_button(tested), user_id=ADMIN, message=tested)
            [saved] = await api.wait_for(
                "editMessageText", lambda c: "新闻来源" in c.params["text"]
            )
            [[_, cancel]] = other["reply_markup"]["inline_keyboard"]  # type: ignore[index]
            api.callback(cancel["callback_data"], user_id=ADMIN, message=other)
            answers = await api.wait_for("answerCallbackQuery", count=3)
    assert "#1 [列表页] 基层党建 — 正常" in saved.params["text"]
    # The two presses are handled side by side: one saves, the other finds it taken.
    assert sorted(a.params.get("text") for a in answers) == [
        "已保存。", "已取消。", "已过期，请重新发送 /sources add。",
    ]  # fmt: skip
    assert_no_errors(caplog)


def _save_button(message: dict[str, object]) -> str:
    [[save, _]] = message["reply_markup"]["inline_keyboard"]  # type: ignore[index]
    return save["callback_data"]


async def test_admins_are_told_once_when_a_failing_source_is_paused(
    api: StrictBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = Site()
    db_path = tmp_path / "bot.db"
    clock = Clock(EVENING)
    settings = bot_settings(db_path, api.base_url, sources_host_delay=0.0, sources_max_failures=2)
    async with serve(site):
        site.put("/down/", "oops", status=500)
        await _setup(db_path, site.url("/down/"))
        async with running_bot(settings, clock=clock) as app:
            from handlers.sources import runner_of

            runner = runner_of(app)
            await runner.morning_poll()  # the first failure (at start, or now)
            clock.at = NEXT_MORNING.replace(hour=23)
            await run_round(app)  # the next morning poll: the second failure pauses it
            [told] = await api.wait_for("sendMessage", lambda c: "已暂停" in c.params["text"])
            clock.at = NEXT_MORNING.replace(day=3)
            await run_round(app)  # paused: not polled, nobody told again
    assert "服务器返回错误 500" in told.params["text"] and "连续 2 次" in told.params["text"]
    assert len([m for m in api.sent[ADMIN] if "已暂停" in m.get("text", "")]) == 1
    assert site.hits["/down/"] == 2
    assert_no_errors(caplog)


async def test_many_sources_are_listed_over_several_messages(
    api: StrictBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = tmp_path / "bot.db"
    store = await Store.open(db_path)
    try:
        for n in range(25):
            url = f"https://site{n}.example.cn/zwdt/gzdt/index_{n}.html"
            name = f"某某旗人民政府网站 工作动态栏目 {n}"
            await db.add_source(store, name, "list", url, Selectors(links="ul a"), 60, "")
    finally:
        await store.close()
    async with running_bot(bot_settings(db_path, api.base_url)):
        api.user_message("/sources", user_id=ADMIN)
        pages = await api.wait_for("sendMessage", to(ADMIN), count=3)
        last = pages[2].result
        api.callback("src:25:pause", user_id=ADMIN, message=last)
        [edited] = await api.wait_for("editMessageText", to(ADMIN))
    assert [p.params["text"].split("\n")[0] for p in pages] == [
        "<b>新闻来源（1–10/25）</b>",
        "<b>新闻来源（11–20/25）</b>",
        "<b>新闻来源（21–25/25）</b>",
    ]
    assert edited.params["message_id"] == last["message_id"]
    assert "#25 [列表页] 某某旗人民政府网站 工作动态栏目 24 — 已暂停" in edited.params["text"]
    assert_no_errors(caplog)
