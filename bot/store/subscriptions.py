"""SQL of digests: subscriptions, their delivery log (migration 0009), batched reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.store.db import _FIGURE_FIELDS, Store

_FIELDS = (
    "id, chat_id, chat_type, chat_title, owner, at_time, weekday, filters, skip_empty, status,"
    " reason, due_from, created_at, updated_at"
)


async def add_subscription(store: Store, values: dict[str, Any]) -> int:
    async with store.transaction():
        cursor = await store.conn.execute(
            "INSERT INTO subscriptions (chat_id, chat_type, chat_title, owner, at_time, weekday,"
            " filters, skip_empty, due_from, created_at, updated_at) VALUES (:chat_id,"
            " :chat_type, :chat_title, :owner, :at_time, :weekday, :filters, :skip_empty,"
            " :created_at, :created_at, :created_at)",
            values,
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def subscription(store: Store, subscription_id: int) -> dict[str, Any] | None:
    rows = await store._dicts(
        f"SELECT {_FIELDS} FROM subscriptions WHERE id = ?", (subscription_id,)
    )
    return rows[0] if rows else None


async def subscriptions(
    store: Store, *, chat_ids: list[int] | None = None, owner: int | None = None
) -> list[dict[str, Any]]:
    """Subscriptions not stopped, of the given chats and/or owned by a user (all if neither)."""
    where, params = ["status != 'stopped'"], []
    scope = []
    if chat_ids is not None:
        scope.append(f"chat_id IN ({','.join('?' * len(chat_ids)) or 'NULL'})")
        params += chat_ids
    if owner is not None:
        scope.append("owner = ?")
        params.append(owner)
    if scope:
        where.append(f"({' OR '.join(scope)})")
    return await store._dicts(
        f"SELECT {_FIELDS} FROM subscriptions WHERE {' AND '.join(where)} ORDER BY chat_id, id",
        params,
    )


async def active_subscriptions(store: Store) -> list[dict[str, Any]]:
    return await store._dicts(
        f"SELECT {_FIELDS} FROM subscriptions WHERE status = 'active' ORDER BY at_time, id", ()
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


async def figures_of(store: Store, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The key figures of several articles at once (a digest reads some fifty)."""
    rows = await store.conn.execute_fetchall(
        f"SELECT article_id, figures FROM article_extracts WHERE article_id IN"
        f" ({','.join('?' * len(ids))})",
        ids,
    )
    return {
        article_id: [dict(zip(_FIGURE_FIELDS, f, strict=True)) for f in json.loads(figures)]
        for article_id, figures in rows
    }
