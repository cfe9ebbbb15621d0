"""The services one bot process shares: settings, the store, access decisions and the
statistics answers chats share."""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import Access
from bot.chat.stats import StatsAnswers
from bot.config import Settings
from bot.store import Store
from bot.uploads import UploadParser


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    store: Store
    access: Access
    stats: StatsAnswers
    uploads: UploadParser

    @classmethod
    async def open(cls, settings: Settings) -> Runtime:
        store = await Store.open(settings.database)
        store.shares_edits = True  # replicas of the bot see each other's changes at once
        access = Access(store, settings)
        return cls(settings, store, access, StatsAnswers(store), UploadParser())

    async def close(self) -> None:
        self.uploads.close()
        await self.store.close()
