"""What the CLI and the bot do with sources: open a poller from the settings, test a
source before saving it, list sources with their health, load example sources."""

from __future__ import annotations

import json
import secrets
import tomllib
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.access import Access
from bot.chat.links import SourceAction
from bot.config import Settings
from bot.ingest.pipeline import init_worker
from bot.sources.fetch import Fetched, Fetcher, Politeness
from bot.sources.library import prepare_page
from bot.sources.model import KINDS, FetchError, Link
from bot.sources.pages import index_title, selectors_for
from bot.sources.poll import Poller, utc_iso
from bot.store import Store
from bot.store import sources as db
from bot.store.sources import Selectors, Source

PREVIEW_ARTICLES = 3  # articles read (not stored) when a source is tested
HELD = timedelta(days=1)  # a tested source nobody saved or cancelled is forgotten after this
HEALTH_DAYS = 7


def politeness(settings: Settings) -> Politeness:
    return Politeness(
        host_delay=settings.sources_host_delay,
        timeout=settings.sources_timeout,
        max_bytes=int(settings.sources_max_mb * 1024 * 1024),
    )


@asynccontextmanager
async def open_poller(
    store: Store, settings: Settings, *, workers: int = 1
) -> AsyncIterator[Poller]:
    """A poller for one command; with `workers` > 1, pages are read and prepared in that
    many processes (started only once there is a page to read)."""
    fetcher = Fetcher(politeness(settings))
    executor = None
    if workers > 1:
        executor = ProcessPoolExecutor(max_workers=workers, initializer=init_worker)
    try:
        yield Poller(
            store, fetcher, near_ratio=settings.near_duplicate_ratio, timezone=settings.timezone,
            max_failures=settings.sources_max_failures, executor=executor,
        )  # fmt: skip
    finally:
        await fetcher.aclose()
        if executor:
            executor.shutdown(cancel_futures=True)


@dataclass(frozen=True)
class Sample:
    url: str
    title: str | None = None  # None when the page was rejected
    date: str | None = None
    paragraphs: int = 0
    reason: str = ""


@dataclass(frozen=True)
class Preview:
    """What polling a source would ingest, read but not stored."""

    kind: str
    url: str
    links: int = 0
    samples: list[Sample] = field(default_factory=list)
    error: str = ""  # the index could not be read
    name: str = ""  # the index page's (or feed's) title: a default name for the source

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "url": self.url,
            "name": self.name,
            "links": self.links,
            "error": self.error,
            "samples": [vars(s) for s in self.samples],
        }


def guess_kind(url: str, data: bytes) -> str:
    """epaper for a dated pattern, feed for RSS/Atom, else list (the commonest)."""
    if "{date" in url:
        return "epaper"
    head = data[:2048].lstrip().lower()
    if head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head:
        return "feed"
    return "list"


async def preview(
    poller: Poller, url: str, kind: str | None = None, selectors: Selectors | None = None
) -> Preview:
    """Read a would-be source: its index, its links and its first few articles."""
    if kind is None and "{date" not in url:
        try:
            kind = guess_kind(url, (await poller.fetcher.get(url)).data)
        except FetchError as exc:
            return Preview(kind or "list", url, error=exc.reason)
    kind = kind or "epaper"
    selectors = selectors or Selectors()
    source = Source(0, "", kind, url, selectors)
    try:
        index = await poller.index(source)
    except FetchError as exc:
        return Preview(kind, url, error=exc.reason)
    if index is None:  # a source never polled has no ETag or hash: an e-paper's 404
        return Preview(kind, url, error="当天的电子报首页不存在（404），可能尚未出版，请出版后再试")
    fetched, links, first = index
    samples = [await _sample(poller, link, selectors, first) for link in links[:PREVIEW_ARTICLES]]
    name = index_title(kind, fetched.url, fetched.data, fetched.charset)
    return Preview(kind, url, len(links), samples, name=name)


async def _sample(
    poller: Poller, link: Link, selectors: Selectors, first: Fetched | None
) -> Sample:
    try:
        fetched = first or await poller.fetcher.get(link.url)
        page = prepare_page(
            fetched.data, fetched.url, fetched.charset,
            selectors_for(fetched.url, selectors), link, poller.today(),
            extract=False,
        )  # fmt: skip
    except FetchError as exc:
        return Sample(link.url, reason=exc.reason)
    draft = page.file.articles[0].draft
    return Sample(link.url, draft.title, page.file.date, len(draft.paragraphs))


@dataclass(frozen=True)
class SourceHealth:
    source: Source
    recent: int  # articles it brought in over the last HEALTH_DAYS days

    def as_json(self) -> dict[str, object]:
        s = self.source
        return {
            "id": s.id, "name": s.name, "kind": s.kind, "url": s.url,
            "selectors": vars(s.selectors), "interval_min": s.interval_min,
            "status": s.status, "paused_reason": s.paused_reason, "failures": s.failures,
            "last_success_at": s.last_success_at, "last_error": s.last_error,
            "last_error_at": s.last_error_at, "next_poll_at": s.next_poll_at,
            "articles_7d": self.recent,
        }  # fmt: skip


async def health(store: Store, now: datetime) -> list[SourceHealth]:
    counts = await db.recent_counts(store, utc_iso(now - timedelta(days=HEALTH_DAYS)))
    return [SourceHealth(s, counts.get(s.id, 0)) for s in await db.sources(store)]


@dataclass(frozen=True)
class SourceSpec:
    """A source as written in sources.toml."""

    name: str
    kind: str
    url: str
    selectors: Selectors
    interval_min: int
    enabled: bool


def load_specs(path: Path, default_interval: int) -> list[SourceSpec]:
    """The [[source]] tables of a sources.toml; ValueError (Chinese) on a bad entry."""
    with open(path, "rb") as fh:
        table = tomllib.load(fh)
    specs = []
    for n, entry in enumerate(table.get("source", []), 1):
        kind = entry.get("kind", "")
        if kind not in KINDS or not entry.get("url"):
            raise ValueError(f"{path} 第 {n} 个来源：需要 url 和 kind（{'/'.join(KINDS)}）")
        specs.append(
            SourceSpec(
                name=entry.get("name") or entry["url"],
                kind=kind,
                url=entry["url"],
                selectors=Selectors.of(entry.get("selectors", {})),
                interval_min=int(entry.get("interval_min", default_interval)),
                enabled=bool(entry.get("enabled", False)),
            )
        )
    return specs


SOURCE_GONE = "该来源已不存在。"
_DONE = {
    "remove": "已删除（已入库文章保留）。",
    "pause": "已暂停。",
    "resume": "已恢复，将尽快抓取。",
}


async def change_source(store: Store, access: Access, actor: int, link: SourceAction) -> str:
    """An admin's pause, resume or remove of a source, audited; the Chinese answer."""
    if link.action == "remove":
        done = await db.remove_source(store, link.source_id)
    elif link.action in ("pause", "resume"):
        paused = link.action == "pause"
        status, reason = ("paused", "管理员暂停") if paused else ("active", "")
        done = await db.set_status(store, link.source_id, status, reason)
    else:
        return "未知操作。"
    await access.audit(actor, None, f"source {link.action}", str(link.source_id))
    return _DONE[link.action] if done else SOURCE_GONE


async def hold_source(store: Store, spec: SourceSpec, now: datetime) -> str:
    """Keep a source `/sources add` tested until an admin presses 保存 or 取消, on whichever
    bot replica the press arrives; the key its buttons carry."""
    key = secrets.token_hex(4)
    spec_json = json.dumps(asdict(spec), ensure_ascii=False)
    await db.hold_pending(store, key, spec_json, utc_iso(now), utc_iso(now - HELD))
    return key


async def held_source(store: Store, key: str) -> SourceSpec | None:
    """The source held under `key`, taken (a second press finds nothing); None when it was
    taken or forgotten."""
    spec_json = await db.take_pending(store, key)
    if spec_json is None:
        return None
    values = json.loads(spec_json)
    return SourceSpec(**values | {"selectors": Selectors.of(values["selectors"])})


async def save_source(
    store: Store, access: Access, actor: int, spec: SourceSpec, now: datetime
) -> int | None:
    """Store a source `/sources add` tested, audited; None if its address is stored already."""
    at = now.isoformat(timespec="seconds")
    new_id = await db.add_source(
        store, spec.name, spec.kind, spec.url, spec.selectors, spec.interval_min, at
    )
    await access.audit(actor, None, "source add", f"{new_id} {spec.url}")
    return new_id
