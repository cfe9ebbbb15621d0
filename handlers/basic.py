"""/start and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat.html import help_html, start_html
from bot.chat.reply import Button, Reply, plain
from handlers.common import reply


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try_inline = ((Button("在本聊天试试行内搜索", switch_inline="党建引领"),),)
    text = start_html(context.bot.username)
    await reply(update.effective_message, [Reply(text, try_inline)])  # type: ignore[arg-type]


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update.effective_message, [Reply(help_html(context.bot.username))])  # type: ignore[arg-type]


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update.effective_message, [plain("未知命令。发送 /help 查看可用命令。")])  # type: ignore[arg-type]


async def edited_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited command that changes something (see handlers.app) is not carried out again."""
    text = "修改过的命令不会再次执行。如需更改，请发送一条新命令。"
    await reply(update.effective_message, [plain(text)])  # type: ignore[arg-type]
