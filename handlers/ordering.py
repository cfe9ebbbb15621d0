"""Updates handled side by side, but each person's in the order they sent them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerSenderOrder(BaseUpdateProcessor):
    """A chart drawn for one user must not hold up another's search, yet one user's quick
    "/subscribe" after adding the bot to a channel must see the channel added, and two
    taps on ▶ must page twice in order. Updates from the same sender (or, without one, the
    same chat) wait for each other; everything else runs concurrently."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _sender(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle senders: the dict stays small
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _sender(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat else None
