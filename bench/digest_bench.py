"""Digest speed: building one day's digest, and delivering it to many subscribers.

* build: `digest_replies` (search for the day, extraction rows, summaries, rendering into
  messages with buttons) for a day of about 50 articles in a library of N articles; the
  first (cold: jieba's dictionary loads) and the median of R warm runs;
* delivery: one round of the real bot (handlers.app, AIORateLimiter) to S private
  subscribers through the strict Bot API peer on loopback: wall time and messages per
  second; then our code's share: the same round (same database work, digest built once)
  with a sender that returns at once, over the wall time.

    python bench/digest_bench.py [--library N] [--day-articles A] [--subscribers S] [--runs R]
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from ingest_bench import OUT, remove_db
from synth import generate

from bot.access import Access
from bot.chat.digest import digest_replies
from bot.chat.reply import Reply
from bot.chat.subscriptions import SubscribeRequest, new_subscription
from bot.digest_delivery import Outcome, Round, SendResult
from bot.ingest.pipeline import ingest_paths
from bot.store import Store
from bot.store import subscriptions as subs
from handlers import delivery as digest_handlers
from tests.botkit import ADMIN, bot_settings, running_bot
from tests.peers.strict_api import StrictBotApi

DAY = date(2024, 7, 2)
SENDING = datetime(2024, 7, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # DAY's digest is due
TZ = ZoneInfo("Asia/Shanghai")


async def build_library(db: Path, library: int, day_articles: int) -> None:
    """`library` synthetic articles on other days, `day_articles` more on DAY."""
    if db.exists():
        return
    options = {"max_bytes": 20 * 1024 * 1024, "near_ratio": 90.0, "timezone": "Asia/Shanghai"}
    store = await Store.open(db)
    try:
        rest = generate(OUT / f"digest_corpus_{library}", library, seed=7)
        today = generate(OUT / f"digest_day_{day_articles}", day_articles, seed=8)
        await ingest_paths(store, rest, forced_date="2024-06-15", **options)  # type: ignore[arg-type]
        await ingest_paths(store, today, forced_date=DAY.isoformat(), **options)  # type: ignore[arg-type]
    finally:
        await store.close()


async def bench_build(db: Path, runs: int) -> None:
    store = await Store.open(db)
    try:
        started = time.perf_counter()
        replies, count = await digest_replies(store, DAY, DAY)
        cold = time.perf_counter() - started
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            await digest_replies(store, DAY, DAY)
            warm.append(time.perf_counter() - started)
    finally:
        await store.close()
    print(
        f"build: {count} articles, {len(replies)} messages; cold {cold * 1000:.0f} ms, "
        f"warm median {statistics.median(warm) * 1000:.1f} ms, max {max(warm) * 1000:.1f} ms "
        f"({runs} runs)"
    )


async def subscribe_all(db: Path, users: tuple[int, ...]) -> None:
    """Daily 08:30 subscriptions made after the 2024-07-02 digest went out: the first one
    due is that of DAY, on the morning of 2024-07-03."""
    daily = SubscribeRequest("08:30", None, "", False, None)
    made = datetime(2024, 7, 2, 12, 0, tzinfo=TZ)
    store = await Store.open(db)
    try:
        for user in users:
            await subs.add_subscription(
                store, new_subscription(daily, user, "private", "", user, made)
            )
    finally:
        await store.close()


class InstantSender:
    """Telegram answering at once: what a round costs without the network and the limiter."""

    async def send(self, chat_id: int, reply: Reply) -> SendResult:
        return SendResult(Outcome.SENT)


async def round_without_telegram(db: Path, users: tuple[int, ...]) -> tuple[float, int]:
    settings = bot_settings(db, "http://unused/bot", staff_ids=users)
    store = await Store.open(db)
    try:
        started = time.perf_counter()
        report = await Round(
            store, Access(store, settings), InstantSender(), now=lambda: SENDING, timezone=TZ.key
        ).run()
        return time.perf_counter() - started, report.messages
    finally:
        await store.close()


async def round_through_peer(db: Path, users: tuple[int, ...]) -> tuple[float, int, int]:
    async with StrictBotApi(token="123:ABC") as api:
        for user in (ADMIN, *users):
            api.add_chat({"id": user, "type": "private", "first_name": "订阅者"})
        clock = {"now": SENDING.replace(hour=8, minute=0)}  # nothing due at start
        settings = bot_settings(db, api.base_url, staff_ids=users)
        async with running_bot(settings, clock=lambda: clock["now"]) as app:
            clock["now"] = SENDING
            started = time.perf_counter()
            report = await digest_handlers.run_round(app)
            wall = time.perf_counter() - started
    return wall, report.sent, report.messages


def fresh_copy(db: Path, name: str) -> Path:
    work = OUT / name
    remove_db(work)
    work.write_bytes(db.read_bytes())
    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", type=int, default=2000, help="articles on other days")
    parser.add_argument("--day-articles", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"digest_{args.library}_{args.day_articles}.db"
    asyncio.run(build_library(db, args.library, args.day_articles))
    asyncio.run(bench_build(db, args.runs))
    users = tuple(range(100_000, 100_000 + args.subscribers))
    alone = fresh_copy(db, "digest_alone.db")
    asyncio.run(subscribe_all(alone, users))
    ours, _ = asyncio.run(round_without_telegram(alone, users))
    peer = fresh_copy(db, "digest_peer.db")
    asyncio.run(subscribe_all(peer, users))
    wall, sent, messages = asyncio.run(round_through_peer(peer, users))
    print(
        f"delivery: {sent} subscribers, {messages} messages in {wall:.1f} s through the peer "
        f"({messages / wall:.1f} messages/s; AIORateLimiter allows 30/s); the same round with "
        f"Telegram answering at once {ours:.2f} s: our code's share {ours / wall:.1%}"
    )


if __name__ == "__main__":
    main()
