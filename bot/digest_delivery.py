"""Delivery rounds: every digest due to every active subscription, each sent exactly once.

A round is run by the scheduler at each subscription time, and once at start-up to catch
up on what was missed while the bot was down. Sending goes through a `DigestSender` (the
Telegram adapter in handlers.delivery); the clock and the back-off sleep are passed in, so
tests drive rounds without waiting.

Exactly once: before a digest is sent, its (subscription, digest date) row is inserted into
the delivery log as 'sending' in its own transaction, and the transaction after the send
marks it 'sent'. A logged digest is never sent again, whatever its state. Cancelling a round
(a restart) lets the send in flight finish and be logged first, so a graceful restart never
loses or repeats one; only a process killed between the claim and the confirmation leaves a
'sending' row, reported by the next round as 'unknown' and not resent (at most once).

Several replicas of the bot share the database: a round runs in one of them at a time
(Store.exclusive; on PostgreSQL an advisory lock held by the round's own connection, which
a killed replica's session gives up), the others' rounds wait their turn and find what it
sent logged, and the log's key (subscription, date) makes any second claim a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import FIRST_COMPLETED
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.access import Access, now_iso
from bot.chat.digest import digest_replies
from bot.chat.reply import Reply
from bot.store import Store
from bot.store import subscriptions as subs
from bot.store.subscriptions import Subscription
from bot.values import time_of_day

log = logging.getLogger("casebot.digest")

CATCH_UP_DAYS = 7  # missed daily digests older than this are not sent any more
NETWORK_RETRIES = 3
BACKOFF = 2.0  # seconds before the first retry, doubled each time
# Subscriptions sent to concurrently: enough to keep PTB's rate limiter (30 messages/s) busy
# while each request waits for its answer; the limiter, not this, spreads the sends.
SENDING_AT_ONCE = 4
ROUNDS = "digest-round"  # the name rounds are exclusive under (Store.exclusive)

Sleep = Callable[[float], Awaitable[None]]


class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # Forbidden: the user blocked the bot, or it was removed
    MIGRATED = "migrated"  # the group became a supergroup (new_chat_id)
    RETRY = "retry"  # a network error before the request was answered: nothing was sent
    UNKNOWN = "unknown"  # timed out: Telegram may or may not have posted it
    FAILED = "failed"  # refused for another reason


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    detail: str = ""
    new_chat_id: int | None = None


class DigestSender(Protocol):
    async def send(self, chat_id: int, reply: Reply) -> SendResult: ...


@dataclass
class RoundReport:
    sent: int = 0
    empty: int = 0
    stopped: int = 0
    failed: int = 0
    not_allowed: int = 0
    messages: int = 0


def days_covered(send_day: date, weekday: int | None) -> tuple[date, date]:
    """The days a digest sent on `send_day` covers: the day before, or the 7 days before."""
    if weekday is None:
        day = send_day - timedelta(days=1)
        return day, day
    return send_day - timedelta(days=7), send_day - timedelta(days=1)


def due_digests(
    sub: Subscription, now: datetime, logged: set[str], catch_up: str = "all"
) -> list[tuple[date, date]]:
    """The (first, last) days of each digest due to `sub` at `now` (aware, local time) and not
    logged yet, oldest first: one per scheduled moment since it was due from, within
    CATCH_UP_DAYS (a weekly one within as many weeks), never older than the newest logged."""
    tz = now.tzinfo
    at = time.fromisoformat(sub.at_time)
    since = datetime.fromisoformat(sub.due_from).astimezone(tz)
    window = CATCH_UP_DAYS * (7 if sub.weekday is not None else 1)
    newest = max(logged, default="")
    due = []
    for back in range(window, -1, -1):
        day = now.date() - timedelta(days=back)
        moment = datetime.combine(day, at, tzinfo=tz)
        if not since < moment <= now:
            continue
        if sub.weekday is not None and day.weekday() != sub.weekday:
            continue
        first, last = days_covered(day, sub.weekday)
        if first.isoformat() > newest:
            due.append((first, last))
    return due[-1:] if catch_up == "latest" else due


@dataclass
class Round:
    """One pass over the active subscriptions. `now` is the clock; `sleep` waits between
    network retries."""

    store: Store
    access: Access
    sender: DigestSender
    now: Callable[[], datetime]
    timezone: str
    catch_up: str = "all"
    sleep: Sleep = asyncio.sleep
    report: RoundReport = field(default_factory=RoundReport)
    _built: dict[tuple[str, str, str], asyncio.Future[tuple[list[Reply], int]]] = field(
        default_factory=dict
    )

    async def run(self) -> RoundReport:
        """Deliver everything due, SENDING_AT_ONCE subscriptions at a time. Cancelling the
        round (a restart) first lets the subscriptions in flight finish sending and logging
        what they started (asyncio.wait does not cancel them): the log says what chats got."""
        now = self.now().astimezone(ZoneInfo(self.timezone))
        # Only digests a round may still send matter (a weekly one looks back furthest).
        since = now.date() - timedelta(days=7 * (CATCH_UP_DAYS + 1))
        logged = await subs.logged_dates(self.store, since.isoformat())
        pending: set[asyncio.Future[None]] = set()
        try:
            for sub in await subs.active_subscriptions(self.store):
                if time_of_day(sub.at_time) != sub.at_time:
                    await self._set_aside(sub)
                    continue
                due = due_digests(sub, now, logged.get(sub.id, set()), self.catch_up)
                if not due:
                    continue
                if not await self._allowed(sub):
                    self.report.not_allowed += 1
                    continue
                while len(pending) >= SENDING_AT_ONCE:
                    done, pending = await asyncio.wait(pending, return_when=FIRST_COMPLETED)
                    _raise_failures(done)
                pending.add(asyncio.ensure_future(self._deliver_due(sub, due)))
            if pending:
                done, pending = await asyncio.wait(pending)
                _raise_failures(done)
        except BaseException:  # cancelled, or one subscription's delivery failed
            if pending:
                await asyncio.wait(pending)
            raise
        return self.report

    async def _deliver_due(self, sub: Subscription, due: list[tuple[date, date]]) -> None:
        """Each due digest in turn. One subscription's fault is its own: logged and audited,
        and the round goes on with the others."""
        try:
            for first, last in due:
                if not await self._deliver(sub, first, last):
                    return  # stopped (blocked, removed): nothing more goes there
        except Exception as exc:
            log.exception("Digest for subscription %s failed", sub.id)
            self.report.failed += 1
            await self.access.audit(None, sub.chat_id, "digest error", f"订阅 {sub.id}：{exc!r}")

    async def _set_aside(self, sub: Subscription) -> None:
        """A subscription whose time is no time of day (stored before times were checked)
        is paused with the reason, so it is reported once and holds up no one else."""
        reason = f"发送时间无效：{sub.at_time[:20]}"
        log.error("Subscription %s paused: %s", sub.id, reason)
        await subs.update_subscription(
            self.store, sub.id, now_iso(), status="paused", reason=reason
        )
        await self.access.audit(None, sub.chat_id, "digest paused", f"订阅 {sub.id}：{reason}")
        self.report.failed += 1

    async def _allowed(self, sub: Subscription) -> bool:
        """Digests go only where the bot may be used: staff in private, allowed chats."""
        if sub.chat_type == "private":
            return await self.access.role(sub.chat_id) is not None
        return await self.access.chat_allowed(sub.chat_id)

    async def _digest(self, first: date, last: date, filters: str) -> tuple[list[Reply], int]:
        """Built once per round for everyone subscribed to the same filters (the first
        subscription to need it builds it, the others wait for it)."""
        key = (first.isoformat(), last.isoformat(), filters)
        if key not in self._built:
            self._built[key] = asyncio.ensure_future(
                digest_replies(self.store, first, last, filters)
            )
        return await asyncio.shield(self._built[key])

    async def _deliver(self, sub: Subscription, first: date, last: date) -> bool:
        """Send one digest unless logged; False if the subscription was stopped."""
        day = first.isoformat()
        replies, count = await self._digest(first, last, sub.filters)
        if not await subs.claim_delivery(self.store, sub.id, day, now_iso()):
            return True
        if not count and sub.skip_empty:
            await subs.finish_delivery(self.store, sub.id, day, "empty", 0, now_iso())
            self.report.empty += 1
            return True
        chat, sent = sub.chat_id, 0
        for reply in replies:
            result = await self._send(chat, reply)
            if result.outcome is Outcome.MIGRATED and result.new_chat_id:
                await self.access.migrate_chat(chat, result.new_chat_id)
                await subs.move_chat_subscriptions(self.store, chat, result.new_chat_id, now_iso())
                await self.access.audit(None, result.new_chat_id, "digest moved", f"{chat}")
                chat = result.new_chat_id
                result = await self._send(chat, reply)
            if result.outcome is Outcome.SENT:
                sent += 1
                continue
            await self._failed(sub, chat, day, sent, result)
            return result.outcome is not Outcome.BLOCKED
        await subs.finish_delivery(self.store, sub.id, day, "sent", sent, now_iso())
        self.report.sent += 1
        self.report.messages += sent
        return True

    async def _send(self, chat: int, reply: Reply) -> SendResult:
        """The send, retried with back-off while the network fails before an answer."""
        delay = BACKOFF
        for attempt in range(NETWORK_RETRIES + 1):
            result = await self.sender.send(chat, reply)
            if result.outcome is not Outcome.RETRY or attempt == NETWORK_RETRIES:
                return result
            log.warning("Digest to %s: %s; retrying in %.0f s", chat, result.detail, delay)
            await self.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    async def _failed(
        self, sub: Subscription, chat: int, day: str, sent: int, result: SendResult
    ) -> None:
        self.report.failed += 1
        detail = f"订阅 {sub.id} {day}：{result.detail}"
        if result.outcome is Outcome.BLOCKED:
            await subs.update_subscription(
                self.store, sub.id, now_iso(), status="stopped", reason=result.detail
            )
            await subs.finish_delivery(self.store, sub.id, day, "failed", sent, now_iso())
            await self.access.audit(None, chat, "digest stopped", detail)
            self.report.stopped += 1
        elif result.outcome is Outcome.UNKNOWN or sent:
            # Part of it (or maybe all) reached the chat: never send it again.
            await subs.finish_delivery(self.store, sub.id, day, "unknown", sent, now_iso())
            await self.access.audit(None, chat, "digest unknown", detail)
        else:
            await subs.release_delivery(self.store, sub.id, day)  # the next round retries
            await self.access.audit(None, chat, "digest failed", detail)


async def run_alone(round_: Round) -> RoundReport:
    """The round, while no other round runs in this or another replica. Claims still
    'sending' once it may start were left by a round that died (a live one would still be
    running): they are settled first, so a round taking over from a killed replica never
    sends what that one may have sent."""
    async with round_.store.exclusive(ROUNDS):
        log.info("Digest round started")  # in this replica: the others wait for it
        await settle_interrupted(round_.store, round_.access)
        report = await round_.run()
    log.info("Digest round done: %s", report)
    return report


def _raise_failures(done: set[asyncio.Future[None]]) -> None:
    for unit in done:
        unit.result()


async def settle_interrupted(store: Store, access: Access) -> int:
    """Claims left 'sending' by a process that died mid-send may or may not have reached
    their chat; they become 'unknown' and are not resent. Only while no round runs."""
    stale = await subs.interrupted_deliveries(store)
    for row in stale:
        await subs.finish_delivery(
            store, row["subscription_id"], row["digest_date"], "unknown", 0, now_iso()
        )
        await access.audit(
            None, None, "digest unknown", f"订阅 {row['subscription_id']} {row['digest_date']}"
        )
    return len(stale)
