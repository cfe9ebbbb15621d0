"""What every handler needs: the shared runtime and sending core replies as Telegram
messages with inline keyboards (HTML is the default parse mode, see handlers.app)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes

from bot.chat.links import Link, parse_link
from bot.chat.reply import Button, Reply
from bot.runtime import Runtime

LinkKind = TypeVar("LinkKind", bound=Link)
RUNTIME = "runtime"
CLOCK = "clock"  # () -> aware datetime: what "now" is for digests and statistics; tests move it


def runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return context.bot_data[RUNTIME]


def clock(app: Application) -> Callable[[], datetime]:
    return app.bot_data.get(CLOCK) or (lambda: datetime.now(UTC))


def clock_now(context: ContextTypes.DEFAULT_TYPE) -> datetime:
    """The clock's time (tests move it)."""
    return clock(context.application)()


def local_now(context: ContextTypes.DEFAULT_TYPE) -> datetime:
    """The clock's time in the bot's timezone."""
    return clock_now(context).astimezone(ZoneInfo(runtime(context).settings.timezone))


def pressed(update: Update, kind: type[LinkKind]) -> LinkKind:
    """The link of the button pressed (the handler's pattern admits only `kind`)."""
    query = update.callback_query
    assert query and query.data
    link = parse_link(query.data)
    assert isinstance(link, kind)
    return link


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, switch_inline_query_current_chat=b.switch_inline)
                if b.switch_inline is not None
                else InlineKeyboardButton(b.text, callback_data=b.data)
                for b in row
            ]
            for row in rows
        ]
    )


def quotes_asker(message: Message) -> bool:
    """In groups an answer quotes the asker, so they see which answer is theirs."""
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def reply(message: Message, replies: Sequence[Reply]) -> None:
    """Send replies to the chat of `message`, the first one quoting the asker in groups."""
    quote = quotes_asker(message)
    for n, r in enumerate(replies):
        await message.reply_text(
            r.text, reply_markup=keyboard(r.buttons), do_quote=quote and n == 0
        )


async def edit(message: Message, r: Reply) -> None:
    await message.edit_text(r.text, reply_markup=keyboard(r.buttons))
