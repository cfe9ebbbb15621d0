"""Digests in a chat: /digest's arguments and its replies (the digest as messages with a
button per article). Subscriptions are in bot.chat.subscriptions."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.chat.html import digest_messages
from bot.chat.links import OpenArticle
from bot.chat.reply import Button, Reply
from bot.digest import build_digest, digest_period
from bot.search import filter_problems
from bot.search.query import parse_time
from bot.store import Store

BUTTONS_PER_ROW = 5
_DATE_LIKE = re.compile(r"\d{4}[-./年]\d{1,2}[-./月]\d{1,2}日?")


def filter_problem(filters: str) -> str | None:
    """A Chinese message when a 地区: or 主题: of `filters` names nothing; None when they are
    fine (places and topics resolve exactly as in /search)."""
    return " ".join(n.text for n in filter_problems(filters)) or None


def parse_digest_args(args: list[str], now: datetime) -> tuple[date, date, str] | str:
    """/digest [日期] [每周] [filters] → (first day, last day, filters), or a message."""
    day: date | None = None
    weekly = False
    rest = []
    for word in args:
        span = parse_time(word) if day is None and word[:1].isdigit() else None
        if span is None and _DATE_LIKE.fullmatch(word):  # 2024-13-01 is no keyword
            return f"日期“{word}”无效，请写成 YYYY-MM-DD，如 2024-07-01。"
        if word in {"昨天", "昨日"}:
            day = now.date() - timedelta(days=1)
        elif word in {"今天", "今日"}:
            day = now.date()
        elif word in {"每周", "本周", "周报"}:
            weekly = True
        elif word == "上周":
            weekly, day = True, now.date() - timedelta(days=8)
        elif span and span[0] and span[0] == span[1]:
            day = date.fromisoformat(span[0])
        elif span:
            return "请给出一天的日期，如 2024-07-01（加“每周”得到那一周的周报）。"
        else:
            rest.append(word)
    first, last = digest_period(day, weekly, now.date())
    return first, last, " ".join(rest)


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
