"""Polling sources: the index page (conditionally), the article links on it, each new or
recently seen article read and stored. A source that fails backs off exponentially and
is paused after `max_failures` failures in a row; the report says which were paused, so
admins are told once."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.ingest.model import RejectedFile
from bot.ingest.readers import decode_markup
from bot.sources import pages
from bot.sources.fetch import Fetched, Fetcher
from bot.sources.library import REJECTED, Stored, prepare_page, store_page
from bot.sources.model import FetchError, Link
from bot.sources.urls import url_key
from bot.store import Store, StoreError, database_errors
from bot.store import sources as db
from bot.store.sources import Selectors, Source

log = logging.getLogger(__name__)

SOURCES_AT_ONCE = 16  # sources polled side by side (each host still one request at a time)
MAX_BACKOFF = timedelta(hours=24)
# Articles are edited in the first days after publication: a known link first seen within
# REVISIT is read again (to notice an edit) when its index changed, at most every REREAD.
REVISIT = timedelta(days=2)
REREAD = timedelta(hours=6)
MAX_LIST_PAGES = 5  # next-page links followed while pages still bring new links


@dataclass
class SourcePoll:
    """What one poll of one source did; the `casebot poll --json` entry of a source."""

    source_id: int
    name: str
    kind: str
    status: str = "ok"  # ok, not_modified, failed, paused (this failure paused it)
    links: int = 0
    new: int = 0
    near_duplicates: int = 0
    duplicates: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Stored] = field(default_factory=list)
    error: str = ""

    def count(self, stored: Stored) -> None:
        if stored.outcome == REJECTED:
            self.rejected.append(stored)
        else:
            name = "near_duplicates" if stored.outcome == "near_duplicate" else stored.outcome
            name = {"duplicate": "duplicates"}.get(name, name)
            setattr(self, name, getattr(self, name) + 1)

    def as_json(self) -> dict[str, object]:
        return {
            "source_id": self.source_id,
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "links": self.links,
            "new": self.new,
            "near_duplicates": self.near_duplicates,
            "duplicates": self.duplicates,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"url": r.url, "reason": r.reason} for r in self.rejected],
            "error": self.error,
        }


@dataclass
class PollReport:
    started_at: str
    finished_at: str = ""
    sources: list[SourcePoll] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0

    @property
    def paused(self) -> list[SourcePoll]:
        """Sources this poll paused: admins are told about each once."""
        return [s for s in self.sources if s.status == "paused"]

    def as_json(self) -> dict[str, object]:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "requests": self.requests,
            "bytes": self.bytes,
            "new": sum(s.new for s in self.sources),
            "updated": sum(s.updated for s in self.sources),
            "sources": [s.as_json() for s in self.sources],
        }


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def body_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def backoff(interval_min: int, failures: int) -> timedelta:
    """How long after its `failures`-th failure in a row a source is tried again."""
    return min(timedelta(minutes=interval_min) * 2 ** (failures - 1), MAX_BACKOFF)


class Poller:
    """Polls sources and ingests URLs with one fetcher; CPU-bound reading and preparing of
    pages runs in `executor` (None: the default thread pool)."""

    def __init__(
        self, store: Store, fetcher: Fetcher, *, near_ratio: float, timezone: str,
        max_failures: int, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        executor: Executor | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.fetcher = fetcher
        self.near_ratio = near_ratio
        self.tz = ZoneInfo(timezone)
        self.max_failures = max_failures
        self.clock = clock
        self.executor = executor

    def day(self) -> date:
        """Today where the articles are published (the bot's timezone)."""
        return self.clock().astimezone(self.tz).date()

    def today(self) -> str:
        return self.day().isoformat()

    async def poll(self, sources: Sequence[Source]) -> PollReport:
        report = PollReport(started_at=utc_iso(self.clock()))
        requests, size = self.fetcher.requests, self.fetcher.bytes
        gate = asyncio.Semaphore(SOURCES_AT_ONCE)

        async def one(source: Source) -> SourcePoll:
            async with gate:
                return await self.poll_source(source)

        report.sources = list(await asyncio.gather(*(one(s) for s in sources)))
        report.finished_at = utc_iso(self.clock())
        report.requests = self.fetcher.requests - requests
        report.bytes = self.fetcher.bytes - size
        return report

    async def poll_due(self) -> PollReport:
        return await self.poll(await db.due_sources(self.store, utc_iso(self.clock())))

    async def poll_source(self, source: Source) -> SourcePoll:
        result = SourcePoll(source.id, source.name, source.kind)
        now = self.clock()
        try:
            index = await self.index(source)
            if index is None:
                result.status = "not_modified"
            else:
                _, links, first = index
                result.links = len(links)
                await self._articles(source, links, first, result)
        except FetchError as exc:
            return await self._failed(source, result, exc.reason, now)
        except StoreError as exc:  # the database, not the source, is at fault: no back-off
            result.status, result.error = "failed", str(exc)
            return result
        except Exception as exc:  # a bug must not stop the other sources' polls
            log.exception("polling source %s failed", source.id)
            return await self._failed(source, result, f"处理出错（{type(exc).__name__}）", now)
        read = index[0] if index else None  # what the next conditional request compares with
        await db.record_success(
            self.store, source, at=utc_iso(now),
            next_poll=utc_iso(now + timedelta(minutes=source.interval_min)),
            etag=read.etag if read else source.etag,
            last_modified=read.last_modified if read else source.last_modified,
            body_hash=body_hash(read.data) if read else source.body_hash,
        )  # fmt: skip
        return result

    async def _failed(
        self, source: Source, result: SourcePoll, reason: str, now: datetime
    ) -> SourcePoll:
        failures = source.failures + 1
        # Only an active source is paused (and reported): polling a paused one by hand
        # does not tell the admins again.
        pause = failures >= self.max_failures and source.status == "active"
        await db.record_failure(
            self.store, source, at=utc_iso(now), error=reason, pause=pause,
            next_poll=utc_iso(now + backoff(source.interval_min, failures)),
        )  # fmt: skip
        result.status = "paused" if pause else "failed"
        result.error = reason
        return result

    async def index(self, source: Source) -> tuple[Fetched, list[Link], Fetched | None] | None:
        """The index fetched, its article links, and the first article's page when the
        index is the article (`page`); None when nothing changed since the last poll."""
        url = source.url
        if source.kind == "epaper":
            try:
                url = pages.epaper_url(source.url, self.day())
            except ValueError as exc:
                raise FetchError(source.url, str(exc)) from exc
        try:
            fetched = await self.fetcher.get(
                url, etag=source.etag, last_modified=source.last_modified
            )
        except FetchError as exc:
            if source.kind == "epaper" and exc.status == 404:
                return None  # today's paper is not out (yet, or on a day without one)
            raise
        if fetched.not_modified or body_hash(fetched.data) == source.body_hash:
            return None
        if source.kind == "page":
            return fetched, [Link(fetched.url)], fetched
        if source.kind == "feed":
            return fetched, pages.feed_links(fetched.data, fetched.url), None
        markup = await self._decode(fetched)
        if source.kind == "epaper":
            return fetched, await self._epaper(source, fetched, markup), None
        return fetched, await self._list(source.selectors, fetched, markup), None

    async def _list(self, selectors: Selectors, fetched: Fetched, markup: str) -> list[Link]:
        links, next_url = pages.list_links(markup, fetched.url, selectors)
        latest, seen = links, {fetched.url}
        for _ in range(MAX_LIST_PAGES - 1):
            if next_url is None or next_url in seen:
                break
            known = await db.known_keys(self.store, [url_key(x.url) for x in latest])
            if len(known) == len(latest):  # this page brought nothing new: older ones won't
                break
            seen.add(next_url)
            page = await self.fetcher.get(next_url)
            latest, next_url = pages.list_links(await self._decode(page), page.url, selectors)
            links += [x for x in latest if x not in links]
        return links

    async def _epaper(self, source: Source, fetched: Fetched, markup: str) -> list[Link]:
        day = self.day()
        links = pages.epaper_articles(markup, fetched.url, source.selectors, day)
        for page_url in pages.epaper_pages(markup, fetched.url, source.selectors)[1:]:
            page = await self.fetcher.get(page_url)
            found = pages.epaper_articles(await self._decode(page), page.url, source.selectors, day)
            links += [x for x in found if x not in links]
        return links

    async def _decode(self, fetched: Fetched) -> str:
        try:
            return decode_markup(fetched.url, fetched.data, fetched.charset)[0]
        except RejectedFile as exc:
            raise FetchError(fetched.url, exc.reason) from exc

    async def _articles(
        self, source: Source, links: list[Link], first: Fetched | None, result: SourcePoll
    ) -> None:
        known = await db.known_keys(self.store, [url_key(x.url) for x in links])
        now = self.clock()
        recent, stale = utc_iso(now - REVISIT), utc_iso(now - REREAD)
        for link in links:
            seen = known.get(url_key(link.url))
            # A `page` source's page was fetched as the index, and changed: always read.
            if first is None and seen and (seen[0] < recent or seen[1] > stale):
                continue
            result.count(await self.ingest(link, source, fetched=first))

    async def ingest(
        self, link: Link, source: Source | None = None, *, fetched: Fetched | None = None
    ) -> Stored:
        """Fetch (unless given), read and store one article URL."""
        try:
            if fetched is None:
                fetched = await self.fetcher.get(link.url)
            today = self.today()
            selectors = pages.selectors_for(
                fetched.url, source.selectors if source else Selectors()
            )
            page = await asyncio.get_running_loop().run_in_executor(
                self.executor, prepare_page, fetched.data, fetched.url, fetched.charset,
                selectors, link, today,
            )  # fmt: skip
        except FetchError as exc:
            return Stored(link.url, REJECTED, reason=exc.reason)
        except Exception as exc:  # a bug or a dead worker: this page only is skipped
            log.exception("reading %s failed", link.url)
            return Stored(link.url, REJECTED, reason=f"读取页面时出错（{type(exc).__name__}）")
        try:
            return await store_page(
                self.store, page, source_id=source.id if source else None,
                source_name=source.name if source else None, guid=link.guid,
                near_ratio=self.near_ratio, at=utc_iso(self.clock()),
                also=link.url if link.url != fetched.url else None,
            )  # fmt: skip
        except database_errors() as exc:  # rolled back: nothing of this page is stored
            raise StoreError.on_write(exc) from exc
