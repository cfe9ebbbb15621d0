"""Search in chats: /search, /case, plain text in private, the result buttons, inline mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineQueryResultArticle, InputTextMessageContent, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.chat.links import NOOP, OpenArticle, PageHint, SearchPage, SimilarArticles
from bot.chat.reply import Reply
from bot.chat.search import (
    CASES_ONLY,
    article_replies,
    inline_answer,
    page_reply,
    search_reply,
    similar_reply,
)
from bot.store import Store
from handlers.common import edit, keyboard, pressed, reply, runtime

USAGE = (
    "用法：<code>/search 关键词</code>，例如 <code>/search 党建引领 集体经济</code>。"
    "发送 /help 查看语法。"
)
CASE_USAGE = "用法：<code>/case 关键词</code>，例如 <code>/case 地区:赤峰 产业</code>。"
EXPIRED = "这条搜索已过期，请重新搜索。"


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _search_arguments(update, context, "", USAGE)


async def case_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _search_arguments(update, context, CASES_ONLY, CASE_USAGE)


async def _search_arguments(
    update: Update, context: ContextTypes.DEFAULT_TYPE, prefix: str, usage: str
) -> None:
    """Search for the command's arguments; without any, say how to use the command."""
    query = " ".join(context.args or [])
    message = update.effective_message
    assert message
    if not query:
        await message.reply_text(usage)
        return
    found = await search_reply(runtime(context).store, f"{prefix} {query}".strip())
    await reply(message, [found])


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat, any text is a search."""
    message = update.effective_message
    assert message and message.text
    await reply(message, [await search_reply(runtime(context).store, message.text)])


async def page_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query
    link = pressed(update, SearchPage)
    found = await page_reply(runtime(context).store, link.key, link.page)
    if found is None:
        await query.answer(EXPIRED, show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        try:
            await edit(query.message, found)
        except BadRequest as exc:
            # A double tap asks for the page already shown.
            if "not modified" not in exc.message:
                raise
    else:  # the message is too old to edit: send the page anew
        await context.bot.send_message(
            query.from_user.id, found.text, reply_markup=keyboard(found.buttons)
        )


async def open_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    link = pressed(update, OpenArticle)
    await _article_button(update, context, link.article_id, article_replies)


async def similar_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    async def similar(store: Store, article_id: int) -> list[Reply] | None:
        found = await similar_reply(store, article_id)
        return None if found is None else [found]

    link = pressed(update, SimilarArticles)
    await _article_button(update, context, link.article_id, similar)


async def _article_button(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    article_id: int,
    answer: Callable[[Store, int], Awaitable[list[Reply] | None]],
) -> None:
    """What `answer` says about the article of a button, or an alert when it is no longer
    in the library."""
    query = update.callback_query
    assert query
    replies = await answer(runtime(context).store, article_id)
    if replies is None:
        await query.answer("这篇文章已不在库中，请重新搜索。", show_alert=True)
        return
    await query.answer()
    await _send(update, context, replies)


async def _send(update: Update, context: ContextTypes.DEFAULT_TYPE, replies: list[Reply]) -> None:
    """Below the message whose button was pressed, or in private if it is too old or in a
    channel (a digest post: the article is for the reader, not the channel)."""
    query = update.callback_query
    assert query
    if isinstance(query.message, Message) and query.message.chat.type != ChatType.CHANNEL:
        await reply(query.message, replies)
        return
    for r in replies:
        await context.bot.send_message(query.from_user.id, r.text, reply_markup=keyboard(r.buttons))


async def hint_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The page counter, ◀ on the first page, ▶ on the last."""
    assert update.callback_query
    await update.callback_query.answer(pressed(update, PageHint).text)


async def noop_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button that does nothing, or one no handler takes (forged, or from an older version
    of the bot)."""
    query = update.callback_query
    assert query
    if query.data == NOOP:
        await query.answer()
    else:
        await query.answer("这个按钮已失效，请重新操作。", show_alert=True)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    assert query
    results, next_offset = await inline_answer(runtime(context).store, query.query, query.offset)
    await query.answer(
        [
            InlineQueryResultArticle(
                id=r.id,
                title=r.title,
                description=r.description,
                input_message_content=InputTextMessageContent(r.text),
            )
            for r in results
        ],
        # PTB 22 with Defaults sends an empty next_offset as "[]", which clients would send
        # back as the next offset; leaving it out means "no more results" just the same.
        next_offset=next_offset or None,
        is_personal=True,
        cache_time=30,
    )
