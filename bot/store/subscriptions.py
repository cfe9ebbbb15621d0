"""SQL of digests: subscriptions, their delivery log (migration 0009), batched reads."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from bot.store.base import _marks
from bot.store.db import Store


@dataclass(frozen=True)
class NewSubscription:
    """A subscription about to be stored; no digest is due from before `created_at`."""

    chat_id: int
    chat_type: str  # private, group, supergroup or channel
    chat_title: str
    owner: int | None  # the user who subscribed (manages a channel's)
    at_time: str  # HH:MM in the configured timezone
    weekday: int | None  # None: daily; 0 = Monday (weekly digest of the week before)
    filters: str  # the search query language: 地区: 主题: words
    skip_empty: bool  # no message on a day without articles
    created_at: str  # UTC ISO


@dataclass(frozen=True)
class Subscription:
    id: int
    chat_id: int
    chat_type: str
    chat_title: str
    owner: int | None
    at_time: str
    weekday: int | None
    filters: str
    skip_empty: bool
    status: str  # active, paused or stopped
    reason: str  # why it was stopped (blocked, removed)
    due_from: str  # UTC ISO: no digest is due from a scheduled moment before it
    created_at: str
    updated_at: str


_FIELDS = ", ".join(f.name for f in dataclasses.fields(Subscription))


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(**{**row, "skip_empty": bool(row["skip_empty"])})


async def _subscriptions(store: Store, sql: str, params: Any) -> list[Subscription]:
    return [_subscription(row) for row in await store._dicts(sql, params)]


async def add_subscription(store: Store, new: NewSubscription) -> int:
    async with store.transaction():
        ((new_id,),) = await store.conn.execute_fetchall(
            "INSERT INTO subscriptions (chat_id, chat_type, chat_title, owner, at_time, weekday,"
            " filters, skip_empty, due_from, created_at, updated_at) VALUES (:chat_id,"
            " :chat_type, :chat_title, :owner, :at_time, :weekday, :filters, :skip_empty,"
            " :created_at, :created_at, :created_at) RETURNING id",
            {**dataclasses.asdict(new), "skip_empty": int(new.skip_empty)},
        )
    return new_id


async def subscription(store: Store, subscription_id: int) -> Subscription | None:
    rows = await _subscriptions(
        store, f"SELECT {_FIELDS} FROM subscriptions WHERE id = ?", (subscription_id,)
    )
    return rows[0] if rows else None


async def subscriptions(
    store: Store, *, chat_ids: list[int] | None = None, owner: int | None = None
) -> list[Subscription]:
    """Subscriptions not stopped, of the given chats and/or owned by a user (all if neither)."""
    where, params = ["status != 'stopped'"], []
    scope = []
    if chat_ids is not None:
        scope.append(f"chat_id IN ({_marks(chat_ids)})")
        params += chat_ids
    if owner is not None:
        scope.append("owner = ?")
        params.append(owner)
    if scope:
        where.append(f"({' OR '.join(scope)})")
    return await _subscriptions(
        store,
        f"SELECT {_FIELDS} FROM subscriptions WHERE {' AND '.join(where)} ORDER BY chat_id, id",
        params,
    )


async def active_subscriptions(store: Store) -> list[Subscription]:
    return await _subscriptions(
        store,
        f"SELECT {_FIELDS} FROM subscriptions WHERE status = 'active' ORDER BY at_time, id",
        (),
    )


async def update_subscription(store: Store, subscription_id: int, at: str, **changes: Any) -> bool:
    columns = ", ".join(f"{name} = :{name}" for name in changes)
    async with store.transaction():
        cursor = await store.conn.execute(
            f"UPDATE subscriptions SET {columns}, updated_at = :at WHERE id = :id",
            {**changes, "at": at, "id": subscription_id},
        )
    return cursor.rowcount > 0


async def delete_subscription(store: Store, subscription_id: int) -> bool:
    async with store.transaction():
        cursor = await store.conn.execute(
            "DELETE FROM subscriptions WHERE id = ?", (subscription_id,)
        )
    return cursor.rowcount > 0


async def move_chat_subscriptions(store: Store, old: int, new: int, at: str) -> int:
    """A group became a supergroup: its subscriptions (and their log) follow it."""
    async with store.transaction():
        cursor = await store.conn.execute(
            "UPDATE subscriptions SET chat_id = ?, chat_type = 'supergroup', updated_at = ?"
            " WHERE chat_id = ?",
            (new, at, old),
        )
    return cursor.rowcount


async def logged_dates(store: Store, since: str) -> dict[int, set[str]]:
    """Every subscription's logged digest dates from `since` on (a round reads them once)."""
    rows = await store.conn.execute_fetchall(
        "SELECT subscription_id, digest_date FROM digest_deliveries WHERE digest_date >= ?",
        (since,),
    )
    out: dict[int, set[str]] = {}
    for subscription_id, day in rows:
        out.setdefault(subscription_id, set()).add(day)
    return out


async def claim_delivery(store: Store, subscription_id: int, digest_date: str, at: str) -> bool:
    """Log the digest as being sent; False if it is logged already (sent, or claimed by a
    round that died): the caller must not send it."""
    async with store.transaction():
        cursor = await store.conn.execute(
            "INSERT INTO digest_deliveries (subscription_id, digest_date, state, at)"
            " VALUES (?, ?, 'sending', ?) ON CONFLICT DO NOTHING",
            (subscription_id, digest_date, at),
        )
    return cursor.rowcount > 0


async def finish_delivery(
    store: Store, subscription_id: int, digest_date: str, state: str, messages: int, at: str
) -> None:
    async with store.transaction():
        await store.conn.execute(
            "UPDATE digest_deliveries SET state = ?, messages = ?, at = ?"
            " WHERE subscription_id = ? AND digest_date = ?",
            (state, messages, at, subscription_id, digest_date),
        )


async def release_delivery(store: Store, subscription_id: int, digest_date: str) -> None:
    """Forget a claim whose send surely failed (nothing reached the chat): a later round
    may try again."""
    async with store.transaction():
        await store.conn.execute(
            "DELETE FROM digest_deliveries WHERE subscription_id = ? AND digest_date = ?"
            " AND state = 'sending'",
            (subscription_id, digest_date),
        )


async def interrupted_deliveries(store: Store) -> list[dict[str, Any]]:
    """Claims left 'sending' by a process that died mid-send."""
    return await store._dicts(
        "SELECT subscription_id, digest_date, at FROM digest_deliveries WHERE state = 'sending'",
        (),
    )


async def deliveries(store: Store, subscription_id: int) -> list[dict[str, Any]]:
    return await store._dicts(
        "SELECT digest_date, state, messages, at FROM digest_deliveries"
        " WHERE subscription_id = ? ORDER BY digest_date",
        (subscription_id,),
    )
