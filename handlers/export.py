"""/export in chats: the Word documents of `casebot export`, sent as files."""

from __future__ import annotations

import html

from telegram import InputFile, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.charts import pictures_in_background
from bot.chat.export import chat_export
from bot.export import ExportError, Issuer
from handlers.common import local_now, quotes_asker, runtime

UPLOAD_LIMIT = 50 * 1024 * 1024  # Telegram's limit on files a bot sends
TOO_LARGE = (
    "生成的文件有 {size:.1f} MB，超过 Telegram 允许机器人发送的 50 MB 上限，未能发送。"
    "请缩小范围（地区、主题、时间）后再导出，或请管理员在服务器上运行 casebot export。"
)


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message
    rt = runtime(context)
    now = local_now(context)
    quote = quotes_asker(message)
    await message.chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    try:
        made = await chat_export(
            rt.store,
            context.args or [],
            now,
            Issuer.from_settings(rt.settings, now.date()),
            pictures_in_background,
        )
    except ExportError as exc:
        await message.reply_text(html.escape(str(exc)), do_quote=quote)
        return
    if len(made.content) > UPLOAD_LIMIT:
        size = len(made.content) / 1024 / 1024
        await message.reply_text(TOO_LARGE.format(size=size), do_quote=quote)
        return
    await message.reply_document(
        InputFile(made.content, filename=made.name),
        caption=html.escape(made.summary),
        do_quote=quote,
    )
