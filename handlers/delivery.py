"""Digests in Telegram: /digest on demand, the scheduled delivery rounds, and the sender
that maps Telegram's errors to outcomes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ContextTypes

from bot.chat.digest import digest_replies, filter_problem, parse_digest_args
from bot.chat.reply import Reply, plain
from bot.chat.subscriptions import scheduled_times
from bot.digest_delivery import Outcome, Round, RoundReport, SendResult, run_alone
from bot.runtime import Runtime
from handlers.common import RUNTIME, clock, keyboard, local_now, reply, runtime
from handlers.sources import before_digest

SLEEP = "digest_sleep"  # back-off between network retries; tests inject theirs
# How soon a time subscribed through another replica has its job here as well.
SLOTS_EVERY = timedelta(minutes=1)


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
    """Send every digest due now; rounds run one at a time, across replicas too."""
    rt = runtime_of(app)
    started = clock(app)()  # the round is for the moment it began, however long the wait
    await before_digest(app)  # the morning's articles are in the library first
    return await run_alone(
        Round(
            rt.store,
            rt.access,
            TelegramSender(app.bot),
            now=lambda: started,
            timezone=rt.settings.timezone,
            catch_up=rt.settings.digest_catch_up,
            sleep=app.bot_data.get(SLEEP, asyncio.sleep),
        )
    )


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
    """After every start: schedule every subscription's time, and catch up on what was
    missed meanwhile (settling first the sends a dead process left open)."""
    await schedule_slots(app)
    assert app.job_queue
    app.job_queue.run_repeating(_slots_job, SLOTS_EVERY, first=SLOTS_EVERY, name="digest slots")
    app.job_queue.run_once(digest_job, 0, name="digest catch-up")


async def schedule_slots(app: Application) -> None:
    """A job at every time some subscription is sent at, those subscribed through another
    replica of the bot too: each replica runs every time's round (one at a time, and a
    round that follows another finds its digests sent), so the rounds go on whichever
    replica is still running."""
    for at_time in sorted(await scheduled_times(runtime_of(app).store)):
        schedule_slot(app, at_time)


async def _slots_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await schedule_slots(context.application)


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message
    parsed = parse_digest_args(context.args or [], local_now(context))
    if isinstance(parsed, str):
        await reply(message, [plain(parsed)])
        return
    first, last, filters = parsed
    if problem := filter_problem(filters):
        await reply(message, [plain(problem)])
        return
    store = runtime(context).store
    replies, _ = await digest_replies(store, first, last, filters)
    await reply(message, replies)
