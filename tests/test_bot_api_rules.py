"""The real bot against the strict Bot API peer (tests/peers/strict_api.py): the flows the
npm emulator lacks (inline mode, uploads, command menus, channels, faults), with every
request checked against Telegram's documented limits."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.store import Store
from tests.botkit import (
    ADMIN,
    GROUP,
    OUTSIDER,
    STAFF,
    STRANGE_GROUP,
    TOKEN,
    assert_no_errors,
    bot_settings,
    running_bot,
)
from tests.peers.strict_api import StrictBotApi

CHANNEL = -100777
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def api() -> AsyncIterator[StrictBotApi]:
    async with StrictBotApi(token=TOKEN) as peer:
        peer.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
        yield peer
        # Telegram would have accepted everything the bot sent (faults a test injects aside).
        refused = [
            c
            for c in peer.calls
            if not c.ok and c.error.startswith("Bad Request") and "injected" not in c.error
        ]
        assert not refused, refused


@pytest.fixture
def db(seeded_target: Path | str) -> Path | str:
    """A copy of the seeded library, on the test's backend."""
    return seeded_target


def to(chat: int):
    return lambda call: int(call.params.get("chat_id", 0)) == chat


def texts(api: StrictBotApi, chat: int) -> list[str]:
    return [m.get("text", "") for m in api.sent.get(chat, [])]


async def test_inline_mode_pages_citations_for_staff_only(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url, bot_api_file_url=api.base_file_url)):
        # 33 of the seeds' cases match: more than one page of 20
        api.inline_query("类型:案例 党建 | 嘎查", user_id=STAFF)
        [first] = await api.wait_for("answerInlineQuery")
        api.inline_query("类型:案例 党建 | 嘎查", user_id=STAFF, offset=first.params["next_offset"])
        api.inline_query("党建", user_id=OUTSIDER)
        # Updates are handled side by side: the two answers may come in either order.
        [outsider, second] = sorted(
            (await api.wait_for("answerInlineQuery", count=3))[1:],
            key=lambda c: len(c.params["results"]),
        )
    results = first.params["results"]
    assert len(results) == 20 and first.params["next_offset"] == "20"
    assert first.params["is_personal"] is True
    assert second.params["results"] and not second.params.get("next_offset")
    ids = [r["id"] for r in results + second.params["results"]]
    assert len(ids) == len(set(ids))
    citation = results[0]["input_message_content"]["message_text"]
    assert "《" in citation and "做法：" in citation
    assert outsider.params["results"] == [] and outsider.params["is_personal"] is True
    assert_no_errors(caplog)


async def test_admin_upload_is_ingested_and_searchable(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    page = (
        "牧民奶食坊带富一方\n\n"
        "锡林郭勒盟正镶白旗乌宁巴图嘎查党支部创办牧民奶食坊，带动32户牧民增收。\n"
    )
    upload = api.add_file(page.encode("gbk"), "奶食坊.txt")
    async with running_bot(bot_settings(db, api.base_url, bot_api_file_url=api.base_file_url)):
        api.user_message("", user_id=ADMIN, document=upload)
        await api.wait_for("sendMessage", lambda c: "已导入" in c.params["text"])
        api.user_message("奶食坊", user_id=STAFF)
        [found] = await api.wait_for("sendMessage", to(STAFF))
    assert "新增文章 1 篇" in texts(api, ADMIN)[-1]
    assert "牧民奶食坊带富一方" in found.params["text"]
    store = await Store.open(db)
    try:
        [entry] = [e for e in await store.audit_entries(5) if e["action"] == "ingest"]
    finally:
        await store.close()
    assert entry["actor"] == ADMIN and "奶食坊.txt" in entry["detail"]
    assert_no_errors(caplog)


async def test_bad_uploads_are_refused_before_download(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    program = api.add_file(b"MZ\x90\x00", "setup.exe")
    huge = api.add_file(b"x", "big.pdf") | {"file_size": 30 * 1024 * 1024}
    fine = api.add_file("标题\n\n正文。".encode(), "ok.txt")
    async with running_bot(bot_settings(db, api.base_url, bot_api_file_url=api.base_file_url)):
        api.user_message("", user_id=ADMIN, document=program)
        api.user_message("", user_id=ADMIN, document=huge)
        api.user_message("", user_id=STAFF, document=fine)
        await api.wait_for("sendMessage", count=3)
    assert "不支持该文件类型" in texts(api, ADMIN)[0]
    assert "超过上限 20 MB" in texts(api, ADMIN)[1]
    assert "只有管理员" in texts(api, STAFF)[0]
    assert not [c for c in api.calls if c.method == "getFile"]
    assert_no_errors(caplog)


async def test_command_menus_per_scope(api: StrictBotApi, db: Path) -> None:
    async with running_bot(bot_settings(db, api.base_url)):
        pass
    private = [c["command"] for c in api.commands["all_private_chats"]]
    assert private[:2] == ["search", "case"]
    assert "search" in [c["command"] for c in api.commands["all_group_chats"]]
    assert "search" in [c["command"] for c in api.commands["all_chat_administrators"]]
    assert "reindex" in [c["command"] for c in api.commands[f"chat:{ADMIN}"]]
    assert "reindex" not in private


async def test_flood_control_is_respected(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        parameters={"retry_after": 1},
    )
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("党建", user_id=STAFF)
        [delivered] = await api.wait_for("sendMessage", to(STAFF))
    attempts = [c for c in api.calls if c.method == "sendMessage"]
    assert [c.ok for c in attempts] == [False, True]
    assert "共" in delivered.params["text"]
    assert_no_errors(caplog)


async def test_a_user_who_blocked_the_bot_does_not_stop_it(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.block(STAFF)
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("党建", user_id=STAFF)
        api.user_message("党建", user_id=ADMIN)
        await api.wait_for("sendMessage", to(ADMIN))
    assert any("Telegram refused to deliver" in r.getMessage() for r in caplog.records)
    assert_no_errors(caplog)


async def test_errors_are_reported_to_the_admin_chat(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next("sendMessage", error_code=400, description="Bad Request: injected failure")
    settings = bot_settings(db, api.base_url, admin_chat_id=ADMIN)
    async with running_bot(settings):
        api.user_message("党建", user_id=STAFF)
        [apology] = await api.wait_for("sendMessage", to(STAFF))
        [report] = await api.wait_for("sendMessage", to(ADMIN))
    assert "出错了" in apology.params["text"] and "已通知管理员" in apology.params["text"]
    assert "BadRequest" in report.params["text"] and "<pre>" in report.params["text"]
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)


async def test_without_an_admin_chat_the_apology_promises_no_report(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next("sendMessage", error_code=400, description="Bad Request: injected failure")
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("党建", user_id=STAFF)
        [apology] = await api.wait_for("sendMessage", to(STAFF))
    assert "出错了" in apology.params["text"] and "已通知管理员" not in apology.params["text"]


async def test_outsider_groups_are_left_and_allowed_groups_served(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)) as app:
        api.user_message(
            f"/search@{app.bot.username} 养老",
            user_id=STAFF,
            chat_id=STRANGE_GROUP,
            chat_type="supergroup",
        )
        await api.wait_for("leaveChat")
        api.user_message("/search 养老", user_id=OUTSIDER, chat_id=GROUP, chat_type="supergroup")
        [answer] = await api.wait_for("sendMessage", to(GROUP))
    assert texts(api, STRANGE_GROUP) == []  # silence, then gone
    assert "养老" in answer.params["text"]
    assert_no_errors(caplog)


async def test_channel_added_by_admin_is_managed_from_private(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)):
        api.my_chat_member(
            chat_id=CHANNEL, chat_type="channel", title="党建频道", user_id=ADMIN,
            new_status="administrator",
        )  # fmt: skip
        api.my_chat_member(
            chat_id=-100888, chat_type="channel", title="别人的频道", user_id=OUTSIDER,
            new_status="administrator",
        )  # fmt: skip
        await api.wait_for("leaveChat", to(-100888))
        api.user_message("/channels", user_id=ADMIN)
        [listing] = await api.wait_for("sendMessage", to(ADMIN))
        toggle = listing.result["reply_markup"]["inline_keyboard"][0][0]
        assert toggle["text"].endswith("每日摘要 关")
        api.callback(toggle["callback_data"], user_id=ADMIN, message=listing.result)
        await api.wait_for("editMessageText", lambda c: "每日摘要：开启" in c.params["text"])
        test_post = listing.result["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
        edited = api.sent[ADMIN][-1]
        api.callback(test_post, user_id=ADMIN, message=edited)
        [post] = await api.wait_for("sendMessage", to(CHANNEL))
        api.channel_post("频道里的帖子", chat_id=CHANNEL)
        api.callback(test_post, user_id=STAFF, message=edited)  # not an admin
        await api.wait_for(
            "answerCallbackQuery", lambda c: "只有管理员" in c.params.get("text", "")
        )
    assert "测试消息" in post.params["text"]
    assert "别人的频道" not in texts(api, ADMIN)[0]
    assert_no_errors(caplog)


async def test_an_expired_search_button_asks_to_search_again(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("党建", user_id=STAFF)
        [page] = await api.wait_for("sendMessage", to(STAFF))
        store = await Store.open(db)
        try:
            await store.forget_queries_before("9999")  # as if 90 days had passed
        finally:
            await store.close()
        forward = page.result["reply_markup"]["inline_keyboard"][-1][-1]["callback_data"]
        api.callback(forward, user_id=STAFF, message=page.result)
        [answer] = await api.wait_for("answerCallbackQuery")
    assert "请重新搜索" in answer.params["text"] and answer.params["show_alert"] is True
    assert_no_errors(caplog)


async def test_admins_manage_access_and_reindex(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    newcomer = 600
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("党建", user_id=newcomer)
        [refusal] = await api.wait_for("sendMessage", to(newcomer))
        api.user_message(f"/admin add {newcomer} 新同事", user_id=STAFF)  # not an admin
        await api.wait_for("sendMessage", to(STAFF))
        api.user_message(f"/admin add {newcomer} 新同事", user_id=ADMIN)
        await api.wait_for("sendMessage", to(ADMIN))
        api.user_message("党建", user_id=newcomer)
        [_, served] = await api.wait_for("sendMessage", to(newcomer), count=2)
        # One at a time, as a person types: updates are handled side by side.
        for n, command in enumerate([f"/admin remove {newcomer}", f"/admin remove {ADMIN}"]):
            api.user_message(command, user_id=ADMIN)
            await api.wait_for("sendMessage", to(ADMIN), count=2 + n)
        api.user_message("/reindex all", user_id=ADMIN)
        await api.wait_for("sendMessage", lambda c: "已重新抽取" in c.params["text"])
        api.user_message("党建", user_id=newcomer)
        [*_, refused_again] = await api.wait_for("sendMessage", to(newcomer), count=3)
        api.user_message("/admin log", user_id=ADMIN)
        [*_, log] = await api.wait_for("sendMessage", to(ADMIN), count=6)
    assert "仅供宣传部工作人员使用" in refusal.params["text"]
    assert "只有管理员" in texts(api, STAFF)[0]
    assert "已将 600 添加为工作人员" in texts(api, ADMIN)[0]
    assert "篇文章" in served.params["text"]
    assert "已移除 600" in texts(api, ADMIN)[1]
    assert "配置文件中的管理员" in texts(api, ADMIN)[2]
    assert "已重新抽取 19 篇文章" in texts(api, ADMIN)[4]
    assert "仅供宣传部工作人员使用" in refused_again.params["text"]
    for action in ("grant:staff", "revoke", "reindex", "refused"):
        assert action in log.params["text"]
    assert_no_errors(caplog)


async def test_admins_correct_and_delete_articles_with_article(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    commands = [
        "/article 3",
        "/article 3 日期 2024-06-15",
        "/article 3 地点 杭锦",
        "/article 9 合并 10",
        "/article 9 拆分 牧企军",
        "/article 3 删除",
        "/article 3 删除 确认",
        "/search 玛拉沁",
        "/admin log",
    ]
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("/article 3 删除 确认", user_id=STAFF)  # staff may not
        await api.wait_for("sendMessage", to(STAFF))
        for n, command in enumerate(commands, start=1):  # one at a time, as a person types
            api.user_message(command, user_id=ADMIN)
            await api.wait_for("sendMessage", to(ADMIN), count=n)
    card, dated, ambiguous, merged, split, confirm, deleted, search, log = texts(api, ADMIN)
    assert "只有管理员" in texts(api, STAFF)[0]
    assert "#3 党建领航风帆劲" in card and "主要地点：阿拉善盟 › 阿拉善高新区" in card
    assert "已更正 #3：\n  日期：2024-07-01 → 2024-06-15" in dated
    assert "可指多个地区" in ambiguous
    assert merged.startswith("已将 #10《") and "并入 #9《" in merged
    assert split.startswith("已从第 2 段起把 #9 拆出新文章 #20《")
    assert "/article 3 删除 确认" in confirm and deleted == "已删除 #3。"
    assert "未找到" in search
    for action in ("article edit", "article merge", "article split", "article delete", "refused"):
        assert action in log
    assert_no_errors(caplog)


async def test_webhook_mode_takes_updates_with_the_secret_only(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = bot_settings(
        db,
        api.base_url,
        webhook_url="https://bot.example.org/",
        webhook_port=port,
        webhook_path="hook",
        webhook_secret="s3cret",
    )
    api.add_chat({"id": STAFF, "type": "private", "first_name": "同事"})
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": STAFF, "type": "private"},
            "from": {"id": STAFF, "is_bot": False, "first_name": "同事"},
            "text": "党建",
        },
    }
    async with running_bot(settings), httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{port}/hook"
        forged = await client.post(url, json=update, headers={SECRET_HEADER: "wrong"})
        taken = await client.post(url, json=update, headers={SECRET_HEADER: "s3cret"})
        [answer] = await api.wait_for("sendMessage", to(STAFF))
    [registered] = [c for c in api.calls if c.method == "setWebhook"]
    assert registered.params["url"] == "https://bot.example.org/hook"
    assert registered.params["secret_token"] == "s3cret"
    assert forged.status_code == 403 and taken.status_code == 200
    assert "篇文章" in answer.params["text"]
    assert_no_errors(caplog)


async def test_start_and_help_explain_the_query_language(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)) as app:
        api.user_message("/start", user_id=STAFF)
        api.user_message("/help", user_id=STAFF)
        [start, help_] = await api.wait_for("sendMessage", to(STAFF), count=2)
    assert "党建典型案例库" in start.params["text"]
    inline = start.params["reply_markup"]["inline_keyboard"][0][0]
    assert inline["switch_inline_query_current_chat"]
    for syntax in (
        "地区:赤峰",
        "时间:2024-01..2024-06",
        "类型:案例",
        "-医院",
        f"@{app.bot.username}",
    ):
        assert syntax in help_.params["text"]
    assert_no_errors(caplog)


async def test_forged_callbacks_from_outsiders_read_nothing(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("党建", user_id=STAFF)
        [page] = await api.wait_for("sendMessage", to(STAFF))
        for data in ["art:1", "sim:1", "pg:whatever:2", f"ch:{GROUP}:test"]:
            # An outsider replays button data against the staffer's message.
            api.forged_callback(data, user_id=OUTSIDER, message=page.result)
        answers = await api.wait_for("answerCallbackQuery", count=4)
    assert all(a.params["text"] == "您没有使用权限。" for a in answers)
    assert len(api.sent[STAFF]) == 1  # no article reached anyone
    assert OUTSIDER not in api.sent
    assert_no_errors(caplog)
