"""/article: an admin corrects or deletes an article (bot/chat/articles.py does the work)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat.articles import article_reply
from handlers.admin import admin_message
from handlers.common import runtime


async def article_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await admin_message(update, context)
    if message is None:
        return
    actor = message.from_user.id  # type: ignore[union-attr]
    text = await article_reply(
        runtime(context).store, context.args or [], actor=actor, chat=message.chat_id
    )
    await message.reply_text(text)
