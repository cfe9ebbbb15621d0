"""Admin actions: file uploads, /reindex, /admin (who may use the bot), /channels."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.access import ADMIN, STAFF
from bot.chat.html import audit_html, members_html, upload_summary_html
from bot.chat.links import ChannelSetting, parse_link
from bot.chat.reply import plain
from bot.chat.subscriptions import (
    SubscribeRequest,
    channels_reply,
    new_subscription,
    toggle_channel_digest,
)
from bot.ingest.reindex import reindex
from bot.store import StoreError
from bot.uploads import ingest_upload, safe_file_name, upload_refusal
from handlers.common import clock_now, edit, reply, runtime
from handlers.delivery import schedule_slot

ADMINS_ONLY = "只有管理员可以执行此操作。"
ADMIN_USAGE = "用法：/admin add 编号 [备注] | /admin admin 编号 | /admin remove 编号 | /admin log"
TEST_POST = "✅ 测试消息：本频道已接入党建典型案例库，每日摘要将发布在这里。"


async def admin_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Message | None:
    """The message if its sender is an admin; otherwise tells them and returns None."""
    message, user = update.effective_message, update.effective_user
    assert message and user
    access = runtime(context).access
    if await access.is_admin(user.id):
        return message
    await access.audit(user.id, message.chat_id, "refused", (message.text or "文件")[:100])
    await reply(message, [plain(ADMINS_ONLY)])
    return None


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document sent in private: refused before download if its type or size is wrong,
    else downloaded, ingested and summarised."""
    message = await admin_message(update, context)
    if message is None:
        return
    document = message.document
    assert document
    access = runtime(context).access
    refusal = upload_refusal(document.file_name, document.file_size, access.settings)
    if refusal:
        await access.audit(message.from_user.id, message.chat_id, "upload refused", refusal)  # type: ignore[union-attr]
        await reply(message, [plain(f"❌ {refusal}")])
        return
    name = safe_file_name(document.file_name or "upload.txt")
    await message.reply_chat_action("typing")
    with tempfile.TemporaryDirectory(prefix="casebot-upload-") as folder:
        path = Path(folder) / name
        telegram_file = await document.get_file()
        await telegram_file.download_to_drive(path)
        actor = message.from_user.id  # type: ignore[union-attr]
        try:
            report = await ingest_upload(access, path, actor=actor, chat=message.chat_id)
        except StoreError as exc:  # e.g. the disk is full: nothing stored before is lost
            await message.reply_text(f"❌ 未能导入“{html.escape(name)}”：{html.escape(str(exc))}")
            return
    await message.reply_text(upload_summary_html(name, report))


async def reindex_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await admin_message(update, context)
    if message is None:
        return
    everything = (context.args or [""])[0] in {"all", "全部"}
    rt = runtime(context)
    await message.reply_text("正在重新抽取地区、案例和数字……")
    done = await reindex(rt.store, everything=everything, workers=rt.settings.ingest_workers)
    await rt.access.audit(message.from_user.id, message.chat_id, "reindex", f"{done} 篇")  # type: ignore[union-attr]
    await message.reply_text(
        f"已重新抽取 {done} 篇文章。"
        if done
        else "所有文章均已是最新抽取结果。发送 /reindex all 全部重新抽取。"
    )


async def admin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await admin_message(update, context)
    if message is None:
        return
    access = runtime(context).access
    actor = message.from_user.id  # type: ignore[union-attr]
    args = context.args or []
    action = args[0] if args else ""
    if not args:
        await message.reply_text(members_html(await access.listing()))
    elif action == "log":
        await message.reply_text(audit_html(await access.store.audit_entries(20)))
    elif action in {"add", "admin", "remove"} and len(args) >= 2 and _is_id(args[1]):
        member = int(args[1])
        if action == "remove":
            text = await access.revoke(actor, member)
        else:
            role = ADMIN if action == "admin" else STAFF
            text = await access.grant(actor, member, role, " ".join(args[2:]) or None)
        await reply(message, [plain(text)])
    else:
        await reply(message, [plain(ADMIN_USAGE)])


def _is_id(text: str) -> bool:
    return text.lstrip("-").isdigit()


async def channels_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await admin_message(update, context)
    if message is None:
        return
    await reply(message, [await channels_reply(runtime(context).store)])


async def channel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query and query.data
    rt = runtime(context)
    if not await rt.access.is_admin(query.from_user.id):
        await query.answer(ADMINS_ONLY, show_alert=True)
        return
    link = parse_link(query.data)
    assert isinstance(link, ChannelSetting)  # the handler's pattern
    channel = link.chat_id
    if link.what == "test":
        try:
            await context.bot.send_message(channel, TEST_POST)
        except TelegramError as exc:
            await query.answer(f"无法在该频道发布：{exc.message}", show_alert=True)
            return
        await rt.access.audit(query.from_user.id, channel, "channel test", "")
        await query.answer("已发送测试消息。")
        return
    daily = SubscribeRequest(rt.settings.digest_time, None, "", False, None)
    new = new_subscription(daily, channel, "channel", "", query.from_user.id, clock_now(context))
    on = await toggle_channel_digest(rt.store, channel, new)
    if on is None:
        await query.answer("机器人已不在该频道。", show_alert=True)
        return
    if on:
        schedule_slot(context.application, daily.at_time)
    await rt.access.audit(query.from_user.id, channel, "channel digest", "开" if on else "关")
    await query.answer("已更新。")
    if isinstance(query.message, Message):
        await edit(query.message, await channels_reply(rt.store))
