"""The bot added to or removed from a group or channel, or blocked by a user."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.access import STAFF, now_iso
from bot.chat.subscriptions import move_chat_subscriptions
from handlers.common import runtime

WELCOME = (
    "大家好！我是党建典型案例库助手。在群里发送 "
    "<code>/search@{bot} 关键词</code> 搜索文章，<code>/case@{bot} 关键词</code> 搜索案例。"
)
NOT_ALLOWED = "本群未获授权使用此机器人，请联系管理员。机器人将退出本群。"
GONE = (ChatMember.LEFT, ChatMember.BANNED)


async def my_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember where the bot is; stay only where an admin added it or the chat is allowed."""
    change = update.my_chat_member
    assert change
    chat, status, actor = change.chat, change.new_chat_member.status, change.from_user
    rt = runtime(context)
    await rt.store.put_chat(
        chat.id, chat.type, chat.title or chat.full_name or "", status, now_iso()
    )
    if chat.type == ChatType.PRIVATE:
        # A user blocked (or unblocked) the bot: sends to them would fail with Forbidden.
        await rt.access.audit(actor.id, chat.id, f"private {status}", "")
        return
    if status in GONE:
        await rt.access.audit(actor.id, chat.id, "removed", chat.title or "")
        return
    was_in = change.old_chat_member.status not in GONE
    if not await rt.access.chat_allowed(chat.id):
        if not await rt.access.is_admin(actor.id):
            await rt.access.audit(actor.id, chat.id, "refused chat", chat.title or "")
            if chat.type != ChatType.CHANNEL:
                await context.bot.send_message(chat.id, NOT_ALLOWED)
            await context.bot.leave_chat(chat.id)
            return
        await rt.access.grant(actor.id, chat.id, STAFF, chat.title)
    if chat.type != ChatType.CHANNEL and not was_in:
        await context.bot.send_message(chat.id, WELCOME.format(bot=context.bot.username))


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group upgraded to a supergroup: Telegram tells both chats, in either order."""
    message = update.effective_message
    assert message
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat_id  # type: ignore[assignment]
    rt = runtime(context)
    await rt.access.migrate_chat(old, new)
    if await move_chat_subscriptions(rt.store, old, new, now_iso()):
        await rt.access.audit(None, new, "digest moved", f"{old} → {new}")
