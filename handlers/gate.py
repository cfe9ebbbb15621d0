"""The gate: runs before every other handler and stops updates from outsiders."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from handlers.common import runtime

REFUSAL = (
    "您好！本机器人仅供宣传部工作人员使用。\n"
    "如需开通，请把您的用户编号 <code>{user_id}</code> 发给管理员。"
)
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff pass; in an allowed group everyone passes. Outsiders get a polite refusal in
    private, nothing in inline mode, and the bot leaves groups not on the allowlist."""
    message = update.effective_message
    if update.my_chat_member or (
        message and (message.migrate_to_chat_id or message.migrate_from_chat_id)
    ):
        return  # handlers.membership decides whether the bot stays in a group or channel
    access = runtime(context).access
    chat, user = update.effective_chat, update.effective_user
    if update.channel_post or update.edited_channel_post:
        raise ApplicationHandlerStop  # the bot posts in channels; it never answers there
    if chat and chat.type in GROUPS:
        if await access.chat_allowed(chat.id):
            return
        await access.audit(user.id if user else None, chat.id, "leave", chat.title or "")
        await context.bot.leave_chat(chat.id)
        raise ApplicationHandlerStop
    if await access.role(user.id if user else None):
        return
    if update.inline_query:
        await update.inline_query.answer([], is_personal=True, cache_time=0)
    elif update.callback_query:
        await update.callback_query.answer("您没有使用权限。", show_alert=True)
    elif message and user:
        await message.reply_text(REFUSAL.format(user_id=user.id))
    raise ApplicationHandlerStop
