"""Subscriptions in Telegram: /subscribe, /subscriptions, /unsubscribe and their buttons.
Who may manage a subscription is decided in bot.access; Telegram is asked who a chat's
admins are."""

from __future__ import annotations

from functools import partial

from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.chat.digest import digest_replies, filter_problem
from bot.chat.links import SubscriptionAction
from bot.chat.reply import plain
from bot.chat.subscriptions import (
    change_subscription,
    find_subscription,
    listed_subscriptions,
    new_subscription,
    parse_subscribe,
    parse_time_change,
    subscribe,
    subscribe_problem_reply,
    subscribed_text,
    subscriptions_reply,
    time_choice_reply,
    unsubscribe_reply,
)
from bot.digest_delivery import days_covered
from bot.store.subscriptions import NewSubscription, Subscription
from handlers.common import clock_now, edit, keyboard, local_now, pressed, reply, runtime
from handlers.delivery import schedule_slot

ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
GROUP_ADMINS_ONLY = "只有群管理员可以管理本群的订阅。"
NOT_YOURS = "您不能管理这个订阅。"


async def _is_chat_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in ADMIN_STATUSES


async def _manages(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    chat_admin = partial(_is_chat_admin, context.bot, user_id=user_id)
    return await runtime(context).access.manages_chat(chat_id, user_id, chat_admin)


async def subscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    assert message and user
    rt = runtime(context)
    request = parse_subscribe(context.args or [], rt.settings.digest_time)
    if isinstance(request, str):
        await reply(message, [subscribe_problem_reply(request)])
        return
    if problem := filter_problem(request.filters):
        await reply(message, [subscribe_problem_reply(problem)])
        return
    chat = message.chat
    if request.channel is not None:
        target = await _channel_target(context, message, request.channel, user.id)
        if target is None:
            return
        chat_id, chat_type, title, where = target
    elif chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        if not await _manages(context, chat.id, user.id):
            await reply(message, [plain(GROUP_ADMINS_ONLY)])
            return
        chat_id, chat_type, title, where = chat.id, chat.type, chat.title or "", "本群"
    else:
        chat_id, chat_type, title, where = chat.id, ChatType.PRIVATE, "", ""
    new = new_subscription(request, chat_id, chat_type, title, user.id, clock_now(context))
    await add_subscription(context, new)
    await rt.access.audit(user.id, chat_id, "subscribe", f"{request.at_time} {request.filters}")
    await message.reply_text(subscribed_text(request, where))


async def add_subscription(context: ContextTypes.DEFAULT_TYPE, new: NewSubscription) -> int:
    sub_id = await subscribe(runtime(context).store, new)
    schedule_slot(context.application, new.at_time)
    return sub_id


async def _channel_target(
    context: ContextTypes.DEFAULT_TYPE, message: Message, name: str, user_id: int
) -> tuple[int, str, str, str] | None:
    """The channel `name` (id or @username) if the bot may post there and the user manages
    it; otherwise says why and returns None."""
    rt = runtime(context)
    if message.chat.type != ChatType.PRIVATE:
        await reply(message, [plain("频道的订阅请在与机器人的私聊中设置。")])
        return None
    ref: int | str = int(name) if name.lstrip("-").isdigit() else name
    try:
        channel = await context.bot.get_chat(ref)
    except TelegramError:
        await reply(message, [plain(f"找不到频道“{name}”。请先把机器人添加为该频道的管理员。")])
        return None
    if channel.type != ChatType.CHANNEL:
        await reply(message, [plain(f"“{name}”不是频道。")])
        return None
    if not await _is_chat_admin(context.bot, channel.id, context.bot.id):
        await reply(
            message, [plain("机器人还不是该频道的管理员，无法发布。请先把机器人设为频道管理员。")]
        )
        return None
    if not await _manages(context, channel.id, user_id):
        await reply(message, [plain("只有该频道的管理员可以为它订阅摘要。")])
        return None
    if not await rt.access.chat_allowed(channel.id):
        await reply(message, [plain("该频道未获授权使用此机器人，请联系管理员。")])
        return None
    return channel.id, ChatType.CHANNEL, channel.title or "", f"频道“{channel.title}”"


async def _listed(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[list[Subscription], int]:
    """The subscriptions a chat shows (its own, and in private also those the user manages
    elsewhere), and the chat's id."""
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    owner = user.id if chat.type == ChatType.PRIVATE else None
    return await listed_subscriptions(runtime(context).store, [chat.id], owner), chat.id


async def subscriptions_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The list, or with `N 时间 HH:MM` the time of the subscription listed as N changed."""
    message = update.effective_message
    assert message
    found, here = await _listed(update, context)
    if not context.args:
        await reply(message, [subscriptions_reply(found, here)])
        return
    change = parse_time_change(context.args, found)
    if isinstance(change, str):
        await reply(message, [plain(change)])
        return
    sub = await _manageable(update, context, change)
    if isinstance(sub, str):
        await reply(message, [plain(sub)])
        return
    text = await _apply(update, context, sub, change)
    found, here = await _listed(update, context)
    await reply(message, [plain(text), subscriptions_reply(found, here)])


async def _manageable(
    update: Update, context: ContextTypes.DEFAULT_TYPE, link: SubscriptionAction
) -> Subscription | str:
    """The subscription a link names if the user may manage it, else why not."""
    user = update.effective_user
    assert user
    rt = runtime(context)
    sub = await find_subscription(rt.store, link.subscription_id)
    if sub is None:
        return "这个订阅已不存在。"
    chat_admin = partial(_is_chat_admin, context.bot, user_id=user.id)
    if not await rt.access.may_manage(sub, user.id, chat_admin):
        return NOT_YOURS
    return sub


async def _apply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    sub: Subscription,
    link: SubscriptionAction,
) -> str:
    """Carry out a change of a subscription; the Chinese answer."""
    user = update.effective_user
    assert user
    rt = runtime(context)
    text = await change_subscription(rt.store, sub, link, clock_now(context))
    await rt.access.audit(user.id, sub.chat_id, f"subscription {link.action}", str(sub.id))
    if link.new_time:
        schedule_slot(context.application, link.new_time)
    return text


async def unsubscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found, here = await _listed(update, context)
    await reply(update.effective_message, [unsubscribe_reply(found, here)])  # type: ignore[arg-type]


async def subscription_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query
    link = pressed(update, SubscriptionAction)
    sub = await _manageable(update, context, link)
    if isinstance(sub, str):
        await query.answer(sub, show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    if link.action == "preview":
        await query.answer("正在生成预览……")
        first, last = days_covered(local_now(context).date(), sub.weekday)
        replies, _ = await digest_replies(runtime(context).store, first, last, sub.filters)
        target = message.chat_id if message else query.from_user.id
        for r in replies:
            await context.bot.send_message(target, r.text, reply_markup=keyboard(r.buttons))
        return
    if link.action == "time":
        await query.answer()
        found, _ = await _listed(update, context)
        number = next((n for n, s in enumerate(found, 1) if s.id == sub.id), 1)
        if message:
            await edit(message, time_choice_reply(sub, number))
        return
    await query.answer(await _apply(update, context, sub, link))
    if message:
        found, here = await _listed(update, context)
        await edit(message, subscriptions_reply(found, here))
