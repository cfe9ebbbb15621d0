"""Digests in Telegram: /digest, /subscribe, /subscriptions, /unsubscribe, their buttons,
the scheduled delivery rounds and the sender that maps Telegram's errors to outcomes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ContextTypes

from bot.conversation import Reply
from bot.digest_delivery import (
    Outcome,
    Round,
    RoundReport,
    SendResult,
    covered,
    settle_interrupted,
)
from bot.runtime import Runtime
from bot.store import subscriptions as subs
from bot.subscribe import (
    SUBSCRIBE_USAGE,
    change_subscription,
    digest_replies,
    filter_problem,
    parse_digest_args,
    parse_subscribe,
    subscribed_text,
    subscription_row,
    subscriptions_reply,
    time_choice_reply,
    unsubscribe_reply,
)
from bot.values import parse_id
from handlers.common import RUNTIME, clock, edit, keyboard, local_now, reply, runtime

SLEEP = "digest_sleep"  # back-off between network retries; tests inject theirs
_LOCK = "digest_lock"
ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
GROUP_ADMINS_ONLY = "只有群管理员可以管理本群的订阅。"
NOT_YOURS = "您不能管理这个订阅。"


@dataclass(frozen=True)
class TelegramSender:
    """Sends one digest message; Telegram's errors become outcomes the round acts on.
    RetryAfter is waited out and retried by PTB's AIORateLimiter before it gets here."""

    bot: Bot

    async def send(self, chat_id: int, r: Reply) -> SendResult:
        try:
            await self.bot.send_message(chat_id, r.text, reply_markup=keyboard(r.buttons))
        except Forbidden as exc:
            return SendResult(Outcome.BLOCKED, exc.message)
        except ChatMigrated as exc:
            return SendResult(Outcome.MIGRATED, exc.message, exc.new_chat_id)
        except BadRequest as exc:  # a NetworkError subclass, but nothing to retry
            return SendResult(Outcome.FAILED, exc.message)
        except TimedOut as exc:  # the request may have been carried out
            return SendResult(Outcome.UNKNOWN, exc.message)
        except NetworkError as exc:
            return SendResult(Outcome.RETRY, exc.message)
        except TelegramError as exc:
            return SendResult(Outcome.FAILED, exc.message)
        return SendResult(Outcome.SENT)


async def run_round(app: Application) -> RoundReport:
    """Send every digest due now; rounds run one at a time."""
    rt = runtime_of(app)
    lock: asyncio.Lock = app.bot_data.setdefault(_LOCK, asyncio.Lock())
    async with lock:
        return await Round(
            rt.store,
            rt.access,
            TelegramSender(app.bot),
            now=clock(app),
            timezone=rt.settings.timezone,
            catch_up=rt.settings.digest_catch_up,
            sleep=app.bot_data.get(SLEEP, asyncio.sleep),
        ).run()


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_round(context.application)


def schedule_slot(app: Application, at_time: str) -> None:
    """A daily job at `at_time` unless one exists: one job per minute of the day, however
    many subscribe to it (a round sends to them a few at a time, paced by the rate
    limiter). A job whose subscriptions are gone finds nothing due."""
    assert app.job_queue
    name = f"digest {at_time}"
    if app.job_queue.get_jobs_by_name(name):
        return
    tz = ZoneInfo(runtime_of(app).settings.timezone)
    app.job_queue.run_daily(digest_job, time.fromisoformat(at_time).replace(tzinfo=tz), name=name)


def runtime_of(app: Application) -> Runtime:
    return app.bot_data[RUNTIME]


async def start_digests(app: Application) -> None:
    """After every start: settle sends a dead process left open, schedule every
    subscription's time, and catch up on what was missed meanwhile."""
    rt = runtime_of(app)
    await settle_interrupted(rt.store, rt.access)
    for sub in await subs.active_subscriptions(rt.store):
        schedule_slot(app, sub["at_time"])
    assert app.job_queue
    app.job_queue.run_once(digest_job, 0, name="digest catch-up")


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message
    parsed = parse_digest_args(context.args or [], local_now(context))
    if isinstance(parsed, str):
        await message.reply_text(parsed)
        return
    first, last, filters = parsed
    store = runtime(context).store
    problem = await filter_problem(store, filters)
    if problem:
        await message.reply_text(problem)
        return
    replies, _ = await digest_replies(store, first, last, filters)
    await reply(message, replies)


async def _is_chat_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in ADMIN_STATUSES


async def _manages(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    """A group's or channel's digests are managed by its admins and the bot's admins."""
    return await runtime(context).access.is_admin(user_id) or await _is_chat_admin(
        context.bot, chat_id, user_id
    )


async def subscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    assert message and user
    rt = runtime(context)
    spec = parse_subscribe(context.args or [], rt.settings.digest_time)
    if isinstance(spec, str):
        await message.reply_text(spec + "\n" + SUBSCRIBE_USAGE)
        return
    problem = await filter_problem(rt.store, spec.filters)
    if problem:
        await message.reply_text(problem)
        return
    chat = message.chat
    if spec.channel is not None:
        target = await _channel_target(context, message, spec.channel, user.id)
        if target is None:
            return
        chat_id, chat_type, title, where = target
    elif chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        if not await _manages(context, chat.id, user.id):
            await message.reply_text(GROUP_ADMINS_ONLY)
            return
        chat_id, chat_type, title, where = chat.id, chat.type, chat.title or "", "本群"
    else:
        chat_id, chat_type, title, where = chat.id, ChatType.PRIVATE, "", ""
    row = subscription_row(spec, chat_id, chat_type, title, user.id, digest_now(context))
    await add_subscription(context, row)
    await rt.access.audit(user.id, chat_id, "subscribe", f"{spec.at_time} {spec.filters}")
    await message.reply_text(subscribed_text(spec, where))


def digest_now(context: ContextTypes.DEFAULT_TYPE) -> datetime:
    """The clock's time (tests move it)."""
    return clock(context.application)()


async def add_subscription(context: ContextTypes.DEFAULT_TYPE, row: dict[str, Any]) -> int:
    sub_id = await subs.add_subscription(runtime(context).store, row)
    schedule_slot(context.application, row["at_time"])
    return sub_id


async def _channel_target(
    context: ContextTypes.DEFAULT_TYPE, message: Message, name: str, user_id: int
) -> tuple[int, str, str, str] | None:
    """The channel `name` (id or @username) if the bot may post there and the user manages
    it; otherwise says why and returns None."""
    rt = runtime(context)
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text("频道的订阅请在与机器人的私聊中设置。")
        return None
    ref: int | str = parse_id(name, negative=True) if name.lstrip("-").isdigit() else name
    try:
        channel = await context.bot.get_chat(ref)
    except TelegramError:
        await message.reply_text(f"找不到频道“{name}”。请先把机器人添加为该频道的管理员。")
        return None
    if channel.type != ChatType.CHANNEL:
        await message.reply_text(f"“{name}”不是频道。")
        return None
    if not await _is_chat_admin(context.bot, channel.id, context.bot.id):
        await message.reply_text(
            "机器人还不是该频道的管理员，无法发布。请先把机器人设为频道管理员。"
        )
        return None
    if not await _manages(context, channel.id, user_id):
        await message.reply_text("只有该频道的管理员可以为它订阅摘要。")
        return None
    if not await rt.access.chat_allowed(channel.id):
        await message.reply_text("该频道未获授权使用此机器人，请联系管理员。")
        return None
    return channel.id, ChatType.CHANNEL, channel.title or "", f"频道“{channel.title}”"


def _listed(update: Update) -> tuple[list[int], int | None]:
    """Whose subscriptions a chat shows: its own, and in private also those the user
    manages elsewhere (channels)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    return [chat.id], user.id if chat.type == ChatType.PRIVATE else None


async def _listed_subscriptions(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[list[dict[str, Any]], int]:
    """The subscriptions a chat shows (see _listed), and the chat's id."""
    chat_ids, owner = _listed(update)
    found = await subs.subscriptions(runtime(context).store, chat_ids=chat_ids, owner=owner)
    return found, chat_ids[0]


async def subscriptions_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found, here = await _listed_subscriptions(update, context)
    await reply(update.effective_message, [subscriptions_reply(found, here)])  # type: ignore[arg-type]


async def unsubscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found, here = await _listed_subscriptions(update, context)
    await reply(update.effective_message, [unsubscribe_reply(found, here)])  # type: ignore[arg-type]


async def _may_manage(context: ContextTypes.DEFAULT_TYPE, sub: dict[str, Any], user: int) -> bool:
    if sub["owner"] == user or sub["chat_id"] == user:
        return True
    if sub["chat_type"] == ChatType.PRIVATE:
        return await runtime(context).access.is_admin(user)
    return await _manages(context, sub["chat_id"], user)


async def subscription_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query and query.data
    rt = runtime(context)
    _, number, action = query.data.split(":")
    sub = await subs.subscription(rt.store, parse_id(number))
    if sub is None or sub["status"] == "stopped":
        await query.answer("这个订阅已不存在。", show_alert=True)
        return
    if not await _may_manage(context, sub, query.from_user.id):
        await query.answer(NOT_YOURS, show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    if action == "preview":
        await query.answer("正在生成预览……")
        first, last = covered(local_now(context).date(), sub["weekday"])
        replies, _ = await digest_replies(rt.store, first, last, sub["filters"])
        target = message.chat_id if message else query.from_user.id
        for r in replies:
            await context.bot.send_message(target, r.text, reply_markup=keyboard(r.buttons))
        return
    if action == "time":
        await query.answer()
        if message:
            await edit(message, time_choice_reply(sub))
        return
    text = await change_subscription(rt.store, sub, action, digest_now(context))
    await rt.access.audit(
        query.from_user.id, sub["chat_id"], f"subscription {action}", str(sub["id"])
    )
    if action.startswith("t"):
        schedule_slot(context.application, f"{action[1:3]}:{action[3:]}")
    await query.answer(text)
    if message:
        found, here = await _listed_subscriptions(update, context)
        await edit(message, subscriptions_reply(found, here))
