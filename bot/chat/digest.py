"""Digests in a chat: /digest's arguments and its replies (the digest as messages with a
button per article). Subscriptions are in bot.chat.subscriptions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.chat.html import digest_messages
from bot.chat.links import OpenArticle
from bot.chat.reply import Button, Reply
from bot.digest import build_digest, week_of
from bot.search import filter_problems
from bot.search.query import parse_time
from bot.store import Store

BUTTONS_PER_ROW = 5


def filter_problem(filters: str) -> str | None:
    """A Chinese message when a 地区: or 主题: of `filters` names nothing; None when they are
    fine (places and topics resolve exactly as in /search)."""
    return " ".join(n.text for n in filter_problems(filters)) or None


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
            buttons.append(Button(str(n), OpenArticle(article_id)))
        rows = tuple(
            tuple(buttons[i : i + BUTTONS_PER_ROW]) for i in range(0, len(buttons), BUTTONS_PER_ROW)
        )
        replies.append(Reply(text, rows))
    return replies, digest.count
