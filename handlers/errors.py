"""The error handler: log with the traceback, tell the user briefly, report to admins."""

from __future__ import annotations

import html
import io
import logging
import traceback

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from handlers.common import runtime

log = logging.getLogger("casebot.bot")

SORRY = "抱歉，处理您的请求时出错了，已记录在日志中。请稍后再试。"
SORRY_REPORTED = "抱歉，处理您的请求时出错了，已通知管理员。请稍后再试。"
REPORT_INLINE = 3500  # longer tracebacks go to the admin chat as a file


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        # The user blocked the bot or removed it: nobody to tell, nothing to retry.
        log.warning("Telegram refused to deliver: %s (update %s)", error, _describe(update))
        return
    if isinstance(error, RetryAfter | NetworkError) and not isinstance(update, Update):
        # Polling itself failed; PTB retries with back-off.
        log.warning("Bot API unavailable: %s", error)
        return
    log.error("Error while handling update %s", _describe(update), exc_info=error)
    if isinstance(update, Update):
        # Only promise an admin was told when there is an admin chat to tell.
        reported = bool(runtime(context).settings.admin_chat_id)
        await _tell_user(update, SORRY_REPORTED if reported else SORRY)
    await _report(context, update)


async def _tell_user(update: Update, sorry: str) -> None:
    try:
        if update.callback_query:
            await update.callback_query.answer(sorry, show_alert=True)
        elif update.effective_message and update.effective_chat.type == ChatType.PRIVATE:  # type: ignore[union-attr]
            await update.effective_message.reply_text(sorry)
    except TelegramError as exc:  # the fault may be Telegram itself
        log.warning("Could not tell the user about the error: %s", exc)


async def _report(context: ContextTypes.DEFAULT_TYPE, update: object) -> None:
    chat = runtime(context).settings.admin_chat_id
    if not chat:
        return
    error = context.error
    trace = "".join(traceback.format_exception(error))  # type: ignore[arg-type]
    head = f"⚠️ 出错：{html.escape(type(error).__name__)}\n更新：{html.escape(_describe(update))}"
    try:
        if len(trace) <= REPORT_INLINE:
            await context.bot.send_message(chat, f"{head}\n<pre>{html.escape(trace)}</pre>")
        else:
            await context.bot.send_document(
                chat, io.BytesIO(trace.encode("utf-8")), filename="traceback.txt", caption=head
            )
    except TelegramError as exc:
        log.warning("Could not report the error to the admin chat %s: %s", chat, exc)


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return repr(update)[:200]
    who = update.effective_user.id if update.effective_user else "-"
    where = update.effective_chat.id if update.effective_chat else "-"
    what = (
        (update.effective_message and update.effective_message.text)
        or (update.callback_query and update.callback_query.data)
        or (update.inline_query and update.inline_query.query)
        or ""
    )
    return f"#{update.update_id} 用户 {who} 聊天 {where}：{what[:100]}"
