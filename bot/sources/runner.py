"""Polling inside the bot: one fetcher for the process (so per-host pacing holds between
the scheduled polls, "poll now" and links admins send), one poll at a time across every
replica of the bot (Store.exclusive), and the morning poll that the day's digests wait for."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import date, datetime

from bot.config import Settings
from bot.sources.fetch import Fetcher
from bot.sources.library import Stored
from bot.sources.model import KINDS, Link
from bot.sources.poll import Poller, PollReport, utc_iso
from bot.sources.service import politeness
from bot.sources.urls import is_web_url
from bot.store import Store
from bot.store import sources as db
from bot.store.sources import Selectors, Source

log = logging.getLogger(__name__)

# A digest goes out even if the morning poll is still running after this long (seconds).
DIGEST_WAIT = 15 * 60
POLLING = "source-polls"  # the exclusive work of polling: sources are not polled twice over
MAX_LINKS = 10  # links taken from one message
_URL = re.compile(r"https?://[^\s<>\"'，。；！？、）】》]+")
KIND_WORDS = {
    **{k: k for k in KINDS},
    "rss": "feed", "atom": "feed", "订阅源": "feed", "订阅": "feed",
    "列表": "list", "列表页": "list", "栏目": "list",
    "电子报": "epaper", "报纸": "epaper",
    "网页": "page", "单篇": "page", "单篇网页": "page", "文章": "page",
}  # fmt: skip
ADD_USAGE = (
    "用法：/sources add 网址 [类型] [选择器]\n"
    "类型：订阅源、列表页、电子报、单篇网页（可省略，按内容判断）\n"
    "选择器：列表页和电子报为文章链接的 CSS 选择器，单篇网页为正文的 CSS 选择器"
)


def urls_in(text: str) -> list[str]:
    """The web addresses in a message, each once, in order."""
    found = dict.fromkeys(u.rstrip(".,;") for u in _URL.findall(text))
    return [u for u in found if is_web_url(u)][:MAX_LINKS]


def parse_add(args: list[str]) -> tuple[str, str | None, Selectors] | str:
    """`/sources add URL [类型] [选择器]` → (url, kind, selectors), or the usage."""
    if not args or not is_web_url(args[0].replace("{", "").replace("}", "")):
        return ADD_USAGE
    url, rest = args[0], args[1:]
    kind = KIND_WORDS.get(rest[0].lower()) if rest else None
    if kind:
        rest = rest[1:]
    selector = " ".join(rest) or None
    if selector is None or kind == "feed":
        return url, kind, Selectors()
    try:
        return url, kind, Selectors(**{"body" if kind == "page" else "links": selector})
    except ValueError as exc:
        return f"{exc}\n{ADD_USAGE}"


def polled_since(source: Source, moment: str) -> bool:
    """Polled (successfully or not) at or after `moment` (UTC ISO, to the second)."""
    return max(source.last_success_at or "", source.last_error_at or "") >= moment


class SourcesRunner:
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.fetcher = Fetcher(politeness(settings))
        self.poller = Poller(
            store, self.fetcher, near_ratio=settings.near_duplicate_ratio,
            timezone=settings.timezone, max_failures=settings.sources_max_failures, clock=clock,
        )  # fmt: skip
        self._morning: tuple[date, asyncio.Task[PollReport]] | None = None

    async def close(self) -> None:
        if self._morning:
            self._morning[1].cancel()
        await self.fetcher.aclose()

    async def poll_due(self) -> PollReport:
        async with self.poller.store.exclusive(POLLING):
            return await self.poller.poll_due()

    # Sources are read once the lock is held: a poll that ran meanwhile (here or in another
    # replica) changed their ETag, hash, failures and next poll.
    async def poll_one(self, source_id: int) -> PollReport | None:
        async with self.poller.store.exclusive(POLLING):
            source = await db.source(self.poller.store, source_id)
            return None if source is None else await self.poller.poll([source])

    async def morning_poll(self) -> PollReport | None:
        """Poll every active source, once a day: a later call the same day waits for the
        first (up to DIGEST_WAIT) and returns None."""
        today = datetime.fromisoformat(self.poller.today()).date()
        if self._morning is None or self._morning[0] != today:
            self._morning = (today, asyncio.create_task(self._poll_active()))
            first = True
        else:
            first = False
        task = self._morning[1]
        try:
            report = await asyncio.wait_for(asyncio.shield(task), DIGEST_WAIT)
        except TimeoutError:
            return None
        except Exception:  # a bug in polling must not keep the digests from going out
            log.exception("the morning poll failed")
            return None
        return report if first else None

    async def _poll_active(self) -> PollReport:
        """Every active source not polled since this began: another replica's morning poll,
        which this one waited for, polled them already."""
        began = utc_iso(self.poller.clock())
        async with self.poller.store.exclusive(POLLING):
            found = await db.sources(self.poller.store)
            return await self.poller.poll(
                [s for s in found if s.status == "active" and not polled_since(s, began)]
            )

    async def ingest_links(self, urls: list[str]) -> list[Stored]:
        return [await self.poller.ingest(Link(url)) for url in urls]
