"""Digests and subscriptions in a chat: /digest, /subscribe, /subscriptions, /unsubscribe
and their buttons, as core replies (handlers send them and check who may act).

Button callback data (see bot.conversation for the others):

    sub:<id>:<action>   pause, resume, time (pick a time), t<HHMM>, empty (toggle sending
                        empty days), preview, del
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

from bot.conversation import Button, Reply
from bot.digest import build_digest, week_of
from bot.render_chat import digest_messages
from bot.search import search
from bot.search.query import parse_time
from bot.store import Store
from bot.store import subscriptions as subs
from bot.values import YEARS_HINT

BUTTONS_PER_ROW = 5
TIME_CHOICES = ("07:00", "07:30", "08:00", "08:30", "09:00", "12:00", "17:30", "20:00")
WEEKDAYS = "一二三四五六日"
_DATE_SHAPED = re.compile(r"\d{4}(?:[-/.]\d{1,2}){0,2}")
_CLOCK = re.compile(r"^(\d{1,2})[:：点](\d{2})?分?$")
_WEEKLY = re.compile(rf"^每?周([{WEEKDAYS}天])$")
EMPTY_SKIP = {"跳过空日", "无文章不发", "不发空报"}
SUBSCRIBE_USAGE = (
    "用法：<code>/subscribe [时间 08:30] [每天|每周一] [地区:…] [主题:…] [关键词]</code>\n"
    "例如 <code>/subscribe 时间 07:30 地区:赤峰 主题:基层治理</code>；"
    "加“跳过空日”则没有新文章的日子不发送。"
)


@dataclass(frozen=True)
class Spec:
    """What /subscribe asked for."""

    at_time: str  # HH:MM
    weekday: int | None  # None: daily
    filters: str
    skip_empty: bool
    channel: str | None  # 频道:<id or @name>, from a private chat


def parse_subscribe(args: list[str], default_time: str) -> Spec | str:
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
        if clock := _CLOCK.match(word):
            hours, minutes = int(clock[1]), int(clock[2] or 0)
            if hours > 23 or minutes > 59:
                return f"时间“{escape(word)}”无效，请写成 08:30 这样的 24 小时制。"
            at_time = f"{hours:02d}:{minutes:02d}"
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
    return Spec(at_time, weekday, " ".join(rest), skip, channel)


def subscription_row(
    spec: Spec, chat_id: int, chat_type: str, title: str, owner: int, now: datetime
) -> dict[str, Any]:
    """A new subscription; no digest is due from before `now`."""
    return {
        "chat_id": chat_id,
        "chat_type": chat_type,
        "chat_title": title,
        "owner": owner,
        "at_time": spec.at_time,
        "weekday": spec.weekday,
        "filters": spec.filters,
        "skip_empty": int(spec.skip_empty),
        "created_at": now.astimezone(UTC).isoformat(),
    }


async def filter_problem(store: Store, filters: str) -> str | None:
    """A Chinese message when a 地区: or 主题: of `filters` names nothing; None when they are
    fine (places and topics resolve exactly as in /search)."""
    if not filters:
        return None
    page = await search(store, f"{filters} 时间:1900-01-01", limit=1)
    bad = [n for n in page.notices if n.startswith(("未找到地区", "没有主题"))]
    return " ".join(bad) or None


def default_digest_day(now: datetime) -> date:
    """What a digest without a date covers: yesterday, the day the morning digest sends."""
    return now.date() - timedelta(days=1)


def parse_digest_args(args: list[str], now: datetime) -> tuple[date, date, str] | str:
    """/digest [日期] [每周] [filters] → (first day, last day, filters), or a message."""
    day: date | None = None
    weekly = False
    rest = []
    for word in args:
        span = parse_time(word) if day is None and word[:1].isdigit() else None
        if word in {"昨天", "昨日"}:
            day = now.date() - timedelta(days=1)
        elif word in {"今天", "今日"}:
            day = now.date()
        elif word in {"每周", "本周", "周报"}:
            weekly = True
        elif word == "上周":
            weekly, day = True, now.date() - timedelta(days=7)
        elif span and span[0] and span[0] == span[1]:
            day = date.fromisoformat(span[0])
        elif span:
            return "请给出一天的日期，如 2024-07-01（加“每周”得到那一周的周报）。"
        elif day is None and _DATE_SHAPED.fullmatch(word):
            return f"无法识别日期“{word}”，应为 YYYY-MM-DD，{YEARS_HINT}。"
        else:
            rest.append(word)
    if weekly:
        first, last = week_of(day or now.date() - timedelta(days=7))
        return first, last, " ".join(rest)
    day = day or default_digest_day(now)
    return day, day, " ".join(rest)


async def digest_replies(
    store: Store, first: date, last: date, filters: str = ""
) -> tuple[list[Reply], int]:
    """The digest as messages, each with a numbered button per article it lists, and how
    many articles it has."""
    digest = await build_digest(store, first, last, filters)
    replies, n = [], 0
    for text, ids in digest_messages(digest):
        buttons = []
        for article_id in ids:
            n += 1
            buttons.append(Button(str(n), f"art:{article_id}"))
        rows = tuple(
            tuple(buttons[i : i + BUTTONS_PER_ROW]) for i in range(0, len(buttons), BUTTONS_PER_ROW)
        )
        replies.append(Reply(text, rows))
    return replies, digest.count


def _when(weekday: int | None) -> str:
    return "每天" if weekday is None else f"每周{WEEKDAYS[weekday]}"


def schedule_text(sub: dict[str, Any]) -> str:
    return f"{_when(sub['weekday'])} {sub['at_time']}"


def _sub_line(n: int, sub: dict[str, Any], here: int | None) -> str:
    where = (
        "" if sub["chat_id"] == here else f" → {escape(sub['chat_title'] or str(sub['chat_id']))}"
    )
    state = {"active": "", "paused": "（已暂停）"}.get(sub["status"], "")
    extras = [escape(sub["filters"]) if sub["filters"] else "全部文章"]
    if sub["skip_empty"]:
        extras.append("无新文章的日子不发送")
    return f"{n}. <b>{schedule_text(sub)}</b>{where}{state}\n   {'；'.join(extras)}"


def subscriptions_reply(found: list[dict[str, Any]], here: int | None) -> Reply:
    """Subscriptions with their buttons; `here` is the chat the list is shown in."""
    if not found:
        return Reply("还没有订阅。" + SUBSCRIBE_USAGE)
    lines = ["<b>摘要订阅</b>"] + [_sub_line(n, s, here) for n, s in enumerate(found, 1)]
    rows = []
    for n, s in enumerate(found, 1):
        pause = (
            Button(f"{n} ▶ 恢复", f"sub:{s['id']}:resume")
            if s["status"] == "paused"
            else Button(f"{n} ⏸ 暂停", f"sub:{s['id']}:pause")
        )
        rows.append(
            (
                pause,
                Button("🕘 时间", f"sub:{s['id']}:time"),
                Button("👁 预览", f"sub:{s['id']}:preview"),
                Button("🗑 删除", f"sub:{s['id']}:del"),
            )
        )
        rows.append(
            (
                Button(
                    f"{n} 空日：{'跳过' if s['skip_empty'] else '简短告知'}", f"sub:{s['id']}:empty"
                ),
            )
        )
    return Reply("\n".join(lines), tuple(rows))


def unsubscribe_reply(found: list[dict[str, Any]], here: int | None) -> Reply:
    if not found:
        return Reply("还没有订阅。")
    lines = ["选择要取消的订阅："] + [_sub_line(n, s, here) for n, s in enumerate(found, 1)]
    rows = tuple(
        (Button(f"🗑 取消第 {n} 个：{schedule_text(s)}", f"sub:{s['id']}:del"),)
        for n, s in enumerate(found, 1)
    )
    return Reply("\n".join(lines), rows)


def time_choice_reply(sub: dict[str, Any]) -> Reply:
    buttons = [Button(t, f"sub:{sub['id']}:t{t.replace(':', '')}") for t in TIME_CHOICES]
    return Reply(
        f"当前发送时间 {sub['at_time']}，请选择新的时间"
        f"（其他时间请发送 <code>/subscribe 时间 HH:MM</code> 新建订阅）：",
        (tuple(buttons[:4]), tuple(buttons[4:])),
    )


async def change_subscription(store: Store, sub: dict[str, Any], action: str, now: datetime) -> str:
    """Apply a button's action; the Chinese confirmation."""
    at = now.astimezone(UTC).isoformat()
    if action == "pause":
        await subs.update_subscription(store, sub["id"], at, status="paused")
        return "已暂停。"
    if action == "resume":
        # The digests of the paused days are skipped, not caught up on.
        await subs.update_subscription(store, sub["id"], at, status="active", due_from=at)
        return "已恢复。"
    if action == "empty":
        await subs.update_subscription(store, sub["id"], at, skip_empty=int(not sub["skip_empty"]))
        return "已更新空日设置。"
    if action == "del":
        await subs.delete_subscription(store, sub["id"])
        return "已取消订阅。"
    if re.fullmatch(r"t\d{4}", action):
        await subs.update_subscription(store, sub["id"], at, at_time=f"{action[1:3]}:{action[3:]}")
        return f"发送时间已改为 {action[1:3]}:{action[3:]}。"
    return "未知操作。"


def subscribed_text(spec: Spec, where: str) -> str:
    when = _when(spec.weekday)
    covers = "前一天" if spec.weekday is None else "前一周"
    what = escape(spec.filters) if spec.filters else "全部文章"
    empty = "没有新文章的日子不发送" if spec.skip_empty else "没有新文章时简短告知"
    return (
        f"✅ 已订阅{where}：{when} {spec.at_time} 发送{covers}发表的文章摘要（{what}；{empty}）。\n"
        "发送 /subscriptions 管理订阅。"
    )


async def toggle_channel_digest(store: Store, channel_id: int, new: dict[str, Any]) -> bool | None:
    """Turn a channel's digest off (its subscriptions deleted) or on (`new` added); None if
    the bot cannot post in the channel."""
    chat = await store.chat(channel_id)
    if chat is None or chat["type"] != "channel" or chat["bot_status"] != "administrator":
        return None
    existing = await subs.subscriptions(store, chat_ids=[channel_id])
    for sub in existing:
        await subs.delete_subscription(store, sub["id"])
    if existing:
        return False
    await subs.add_subscription(store, {**new, "chat_title": chat["title"]})
    return True
