"""Subscriptions in a chat: /subscribe, /subscriptions, /unsubscribe, their buttons and
the channels' digest switch, as core replies and actions (handlers send the replies and
check who may act, see bot.access)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from bot.chat.html import channels_html
from bot.chat.links import ChannelSetting, SubscriptionAction
from bot.chat.reply import Button, Reply, short_label
from bot.clock import time_of_day
from bot.search.query import MAX_QUERY
from bot.store import Store
from bot.store import subscriptions as subs
from bot.store.subscriptions import NewSubscription, Subscription

TIME_CHOICES = ("07:00", "07:30", "08:00", "08:30", "09:00", "12:00", "17:30", "20:00")
WEEKDAYS = "一二三四五六日"
# What looks like an attempt at a time of day (time_of_day then says whether it is one).
_CLOCK = re.compile(r"^[0-9０-９]{1,4}[:：点][0-9０-９]*分?$")
MAX_FILTERS = MAX_QUERY  # characters of 地区:/主题:/words: what a search reads of a query
_WEEKLY = re.compile(rf"^每?周([{WEEKDAYS}天])$")
EMPTY_SKIP = {"跳过空日", "无文章不发", "不发空报"}
SUBSCRIBE_USAGE = (
    "用法：<code>/subscribe [时间 08:30] [每天|每周一] [地区:…] [主题:…] [关键词]</code>\n"
    "例如 <code>/subscribe 时间 07:30 地区:赤峰 主题:基层治理</code>；"
    "加“跳过空日”则没有新文章的日子不发送。"
)


@dataclass(frozen=True)
class SubscribeRequest:
    """What /subscribe asked for."""

    at_time: str  # HH:MM
    weekday: int | None  # None: daily
    filters: str
    skip_empty: bool
    channel: str | None  # 频道:<id or @name>, from a private chat


def parse_subscribe(args: list[str], default_time: str) -> SubscribeRequest | str:
    """The subscription the arguments describe, or a Chinese message saying what is wrong."""
    at_time, weekday, skip, channel = default_time, None, False, None
    rest: list[str] = []
    words = list(args)
    while words:
        word = words.pop(0)
        if word in {"时间", "时间:", "时间："} and words:
            word = words.pop(0)
        elif word.startswith(("时间:", "时间：")) and _CLOCK.match(word[3:]):
            word = word[3:]
        if _CLOCK.match(word):
            at_time = time_of_day(word)  # type: ignore[assignment]
            if at_time is None:
                return f"时间“{word[:20]}”无效，请写成 08:30 这样的 24 小时制。"
        elif word in {"每天", "每日"}:
            weekday = None
        elif weekly := _WEEKLY.match(word):
            weekday = WEEKDAYS.index(weekly[1].replace("天", "日"))
        elif word in {"每周", "周报"}:
            weekday = 0
        elif word in EMPTY_SKIP:
            skip = True
        elif word.startswith(("频道:", "频道：")):
            channel = word[3:]
        else:
            rest.append(word)
    filters = " ".join(rest)
    if len(filters) > MAX_FILTERS:
        return (
            f"筛选条件太长（{len(filters)} 字），最多 {MAX_FILTERS} 字。"
            "请只写地区、主题和几个关键词。"
        )
    return SubscribeRequest(at_time, weekday, filters, skip, channel)


def subscribe_problem_reply(problem: str) -> Reply:
    """What is wrong with a /subscribe (a plain-text message), then how to write one."""
    return Reply(f"{escape(problem)}\n{SUBSCRIBE_USAGE}")


def new_subscription(
    request: SubscribeRequest, chat_id: int, chat_type: str, title: str, owner: int, now: datetime
) -> NewSubscription:
    """What /subscribe stores; no digest is due from before `now`."""
    return NewSubscription(
        chat_id=chat_id,
        chat_type=chat_type,
        chat_title=title,
        owner=owner,
        at_time=request.at_time,
        weekday=request.weekday,
        filters=request.filters,
        skip_empty=request.skip_empty,
        created_at=now.astimezone(UTC).isoformat(),
    )


def _when(weekday: int | None) -> str:
    return "每天" if weekday is None else f"每周{WEEKDAYS[weekday]}"


def schedule_text(sub: Subscription) -> str:
    return f"{_when(sub.weekday)} {sub.at_time}"


def _sub_line(n: int, sub: Subscription, here: int | None) -> str:
    where = "" if sub.chat_id == here else f" → {escape(sub.chat_title or str(sub.chat_id))}"
    state = {"active": "", "paused": "（已暂停）"}.get(sub.status, "")
    extras = [escape(sub.filters) if sub.filters else "全部文章"]
    if sub.skip_empty:
        extras.append("无新文章的日子不发送")
    return f"{n}. <b>{schedule_text(sub)}</b>{where}{state}\n   {'；'.join(extras)}"


def subscriptions_reply(found: list[Subscription], here: int | None) -> Reply:
    """Subscriptions with their buttons; `here` is the chat the list is shown in."""
    if not found:
        return Reply("还没有订阅。" + SUBSCRIBE_USAGE)
    lines = ["<b>摘要订阅</b>"] + [_sub_line(n, s, here) for n, s in enumerate(found, 1)]
    rows = []
    for n, s in enumerate(found, 1):
        pause = (
            Button(f"{n} ▶ 恢复", SubscriptionAction(s.id, "resume"))
            if s.status == "paused"
            else Button(f"{n} ⏸ 暂停", SubscriptionAction(s.id, "pause"))
        )
        rows.append(
            (
                pause,
                Button("🕘 时间", SubscriptionAction(s.id, "time")),
                Button("👁 预览", SubscriptionAction(s.id, "preview")),
                Button("🗑 删除", SubscriptionAction(s.id, "del")),
            )
        )
        rows.append(
            (
                Button(
                    f"{n} 空日：{'跳过' if s.skip_empty else '简短告知'}",
                    SubscriptionAction(s.id, "empty"),
                ),
            )
        )
    return Reply("\n".join(lines), tuple(rows))


def unsubscribe_reply(found: list[Subscription], here: int | None) -> Reply:
    if not found:
        return Reply("还没有订阅。")
    lines = ["选择要取消的订阅："] + [_sub_line(n, s, here) for n, s in enumerate(found, 1)]
    rows = tuple(
        (Button(f"🗑 取消第 {n} 个：{schedule_text(s)}", SubscriptionAction(s.id, "del")),)
        for n, s in enumerate(found, 1)
    )
    return Reply("\n".join(lines), rows)


def time_choice_reply(sub: Subscription, number: int) -> Reply:
    """The times to choose from for the subscription listed as `number`, and how to set any
    other time."""
    buttons = [
        Button(t, SubscriptionAction(sub.id, "t" + t.replace(":", ""))) for t in TIME_CHOICES
    ]
    return Reply(
        f"当前发送时间 {sub.at_time}，请选择新的时间"
        f"（其他时间请发送 <code>/subscriptions {number} 时间 07:45</code>）：",
        (tuple(buttons[:4]), tuple(buttons[4:])),
    )


TIME_CHANGE_USAGE = "改发送时间：/subscriptions 编号 时间 HH:MM，如 /subscriptions 1 时间 07:45。"


def parse_time_change(args: list[str], found: list[Subscription]) -> SubscriptionAction | str:
    """`/subscriptions N 时间 HH:MM`: the change of time of the subscription listed as N, or
    a plain-text message saying what is wrong."""
    words = [w for w in args if w not in {"时间", "时间:", "时间："}]
    if len(words) != 2 or not words[0].isascii() or not words[0].isdigit():
        return TIME_CHANGE_USAGE
    number, at_time = int(words[0]), time_of_day(words[1].removeprefix("时间:"))
    if not 1 <= number <= len(found):
        return f"没有编号为 {words[0][:10]} 的订阅。" + TIME_CHANGE_USAGE
    if at_time is None:
        return f"时间“{words[1][:20]}”无效，请写成 07:45 这样的 24 小时制。"
    return SubscriptionAction(found[number - 1].id, "t" + at_time.replace(":", ""))


async def change_subscription(
    store: Store, sub: Subscription, link: SubscriptionAction, now: datetime
) -> str:
    """Apply a button's action; the Chinese confirmation."""
    at = now.astimezone(UTC).isoformat()
    if link.action == "pause":
        await subs.update_subscription(store, sub.id, at, status="paused")
        return "已暂停。"
    if link.action == "resume":
        # The digests of the paused days are skipped, not caught up on.
        await subs.update_subscription(store, sub.id, at, status="active", due_from=at)
        return "已恢复。"
    if link.action == "empty":
        await subs.update_subscription(store, sub.id, at, skip_empty=int(not sub.skip_empty))
        return "已更新空日设置。"
    if link.action == "del":
        await subs.delete_subscription(store, sub.id)
        return "已取消订阅。"
    if link.new_time:
        await subs.update_subscription(store, sub.id, at, at_time=link.new_time)
        return f"发送时间已改为 {link.new_time}。"
    return "未知操作。"


def subscribed_text(spec: SubscribeRequest, where: str) -> str:
    when = _when(spec.weekday)
    covers = "前一天" if spec.weekday is None else "前一周"
    what = escape(spec.filters) if spec.filters else "全部文章"
    empty = "没有新文章的日子不发送" if spec.skip_empty else "没有新文章时简短告知"
    return (
        f"✅ 已订阅{where}：{when} {spec.at_time} 发送{covers}发表的文章摘要（{what}；{empty}）。\n"
        "发送 /subscriptions 管理订阅。"
    )


async def toggle_channel_digest(store: Store, channel_id: int, new: NewSubscription) -> bool | None:
    """Turn a channel's digest off (its subscriptions deleted) or on (`new` added); None if
    the bot cannot post in the channel."""
    chat = await store.chat(channel_id)
    if chat is None or chat["type"] != "channel" or chat["bot_status"] != "administrator":
        return None
    existing = await subs.subscriptions(store, chat_ids=[channel_id])
    for sub in existing:
        await subs.delete_subscription(store, sub.id)
    if existing:
        return False
    await subs.add_subscription(store, dataclasses.replace(new, chat_title=chat["title"]))
    return True


async def channels_reply(store: Store) -> Reply:
    """The channels the bot can post in, each with its digest switch and a test post
    (admins); the digest is on while the channel has a subscription."""
    channels = [c for c in await store.chats("channel") if c["bot_status"] == "administrator"]
    ids = [c["id"] for c in channels]
    subscribed = {s.chat_id for s in await subs.subscriptions(store, chat_ids=ids)}
    rows = []
    for c in channels:
        state = "开" if c["id"] in subscribed else "关"
        rows.append(
            (
                Button(
                    f"{short_label(c['title'], 12)}：每日摘要 {state}",
                    ChannelSetting(c["id"], "digest"),
                ),
                Button("发送测试消息", ChannelSetting(c["id"], "test")),
            )
        )
    return Reply(channels_html(channels, subscribed), tuple(rows))


async def subscribe(store: Store, new: NewSubscription) -> int:
    return await subs.add_subscription(store, new)


async def listed_subscriptions(
    store: Store, chat_ids: list[int], owner: int | None
) -> list[Subscription]:
    """The subscriptions a chat shows: its own and, in private, those the user owns
    elsewhere (channels)."""
    return await subs.subscriptions(store, chat_ids=chat_ids, owner=owner)


async def find_subscription(store: Store, subscription_id: int) -> Subscription | None:
    """A subscription a button names; None once it was deleted or stopped."""
    sub = await subs.subscription(store, subscription_id)
    return None if sub is None or sub.status == "stopped" else sub


async def scheduled_times(store: Store) -> set[str]:
    """The times of day some active subscription is sent at (a time that is none, stored
    before times were checked, is set aside by the next round instead)."""
    active = await subs.active_subscriptions(store)
    return {sub.at_time for sub in active if time_of_day(sub.at_time) == sub.at_time}


async def move_chat_subscriptions(store: Store, old: int, new: int, at: str) -> int:
    """A group became a supergroup: its subscriptions (and their log) follow it."""
    return await subs.move_chat_subscriptions(store, old, new, at)
