"""The services one bot process shares: settings, the store, access decisions and the
statistics answers chats share."""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import Access
from bot.chat.stats import StatsAnswers
from bot.config import Settings
from bot.store import Store


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    store: Store
    access: Access
    stats: StatsAnswers

    @classmethod
    async def open(cls, settings: Settings) -> Runtime:
        store = await Store.open(settings.db_path)
        return cls(settings, store, Access(store, settings), StatsAnswers(store))

    async def close(self) -> None:
        await self.store.close()
