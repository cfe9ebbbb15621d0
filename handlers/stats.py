"""/stats in chats: statistics by locality with a chart, drill-down and CSV buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import InputFile, Message, Update
from telegram.ext import ContextTypes

from bot.chat.links import StatsPlace, parse_link
from bot.chat.stats import StatsAnswer, stats_csv_file
from bot.textsplit import html_length
from handlers.common import keyboard, local_now, quotes_asker, reply, runtime
from handlers.search import EXPIRED

Found = TypeVar("Found")
CAPTION_LIMIT = 1024  # Telegram's, after HTML parsing: the HTML as sent is never shorter


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message
    rt = runtime(context)
    answer = await rt.stats.answer(" ".join(context.args or []), local_now(context))
    await _send(message, answer)


async def stats_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    now = local_now(context)
    answer = await _pressed(
        update, context, lambda code, key: runtime(context).stats.button_answer(code, key, now)
    )
    query = update.callback_query
    if answer is None or query is None:
        return
    if isinstance(query.message, Message):
        await _send(query.message, answer)
    else:  # too old to reply to: send in private
        await _send_to(context, query.from_user.id, answer)


async def stats_csv_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _pressed(
        update, context, lambda code, key: stats_csv_file(runtime(context).store, code, key)
    )
    query = update.callback_query
    if found is None or query is None:
        return
    name, content = found
    chat = query.message.chat.id if query.message else query.from_user.id
    await context.bot.send_document(chat, InputFile(content, filename=name))


async def _pressed(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    fetch: Callable[[str, str], Awaitable[Found | None]],
) -> Found | None:
    """What a statistics button asks for (a place's code, the saved period and topic), the
    press answered; None (with an alert) when the saved context has expired."""
    query = update.callback_query
    assert query and query.data
    link = parse_link(query.data)
    assert isinstance(link, StatsPlace)  # or its StatsCsv: the handlers' patterns
    found = await fetch(link.code, link.key)
    if found is None:
        await query.answer(EXPIRED, show_alert=True)
    else:
        await query.answer()
    return found


async def _send(message: Message, answer: StatsAnswer) -> None:
    """The chart with the text as its caption when it fits, else the chart, then the text."""
    if answer.chart is None:
        await reply(message, [answer.reply])
        return
    quote = quotes_asker(message)
    r = answer.reply
    if html_length(r.text) <= CAPTION_LIMIT:
        await message.reply_photo(
            answer.chart, caption=r.text, reply_markup=keyboard(r.buttons), do_quote=quote
        )
        return
    await message.reply_photo(answer.chart, do_quote=quote)
    await message.reply_text(r.text, reply_markup=keyboard(r.buttons), do_quote=False)


async def _send_to(context: ContextTypes.DEFAULT_TYPE, chat: int, answer: StatsAnswer) -> None:
    r = answer.reply
    if answer.chart is not None:
        await context.bot.send_photo(chat, answer.chart)
    await context.bot.send_message(chat, r.text, reply_markup=keyboard(r.buttons))
