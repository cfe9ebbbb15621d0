"""Polite HTTP: an identifying User-Agent, robots.txt obeyed, one request per host at a
time with a pause between them, conditional requests, a time limit on the whole response,
a size limit and a redirect limit. Every failure is a FetchError with a Chinese reason."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from bot.sources.model import FetchError
from bot.sources.urls import host_of

ROBOTS_AGENT = "casebot"
# A Crawl-delay longer than this is read as this: an hourly poll must still finish.
MAX_CRAWL_DELAY = 30.0
USER_AGENT = f"{ROBOTS_AGENT}/0.1 (party-building news library; polite crawler, obeys robots.txt)"


@dataclass(frozen=True)
class Politeness:
    user_agent: str = USER_AGENT
    host_delay: float = 1.0  # seconds between two requests to one host
    timeout: float = 20.0  # seconds for a whole response, connection to last byte
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    robots: bool = True


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304: nothing new since the ETag / Last-Modified we sent
    data: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    charset: str | None = None  # as the Content-Type header declares it

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    free_at: float = 0.0  # monotonic time of the next request allowed
    delay: float | None = None  # the site's robots.txt Crawl-delay, if longer than ours


class Fetcher:
    """One per poll (or per bot): shares the connection pool, the per-host pacing and the
    robots.txt answers between the sources it fetches for."""

    def __init__(
        self, politeness: Politeness, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.politeness = politeness
        self.client = httpx.AsyncClient(
            headers={"User-Agent": politeness.user_agent},
            timeout=politeness.timeout,
            follow_redirects=False,
            transport=transport,
        )
        self.requests = 0
        self.bytes = 0
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def aclose(self) -> None:
        await self.client.aclose()

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """The response to GET `url`, following redirects; raises FetchError."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        for _ in range(self.politeness.max_redirects + 1):
            await self._check_robots(url)
            fetched, location = await self._get_once(url, headers)
            if location is None:
                assert fetched is not None
                return fetched
            url = urljoin(url, location)
            if url in seen:
                raise FetchError(url, "网址重定向形成循环")
            seen.add(url)
        raise FetchError(url, f"重定向超过 {self.politeness.max_redirects} 次")

    async def _get_once(
        self, url: str, headers: dict[str, str]
    ) -> tuple[Fetched | None, str | None]:
        """One request: the response, or the Location of a redirect."""
        async with self._slot(url):
            try:
                async with asyncio.timeout(self.politeness.timeout):
                    return await self._request(url, headers)
            except TimeoutError as exc:
                reason = f"超过 {self.politeness.timeout:g} 秒仍未读完"
                raise FetchError(url, reason) from exc
            except httpx.ConnectError as exc:
                raise FetchError(url, f"无法连接 {urlsplit(url).hostname}") from exc
            except httpx.TimeoutException as exc:
                reason = f"超过 {self.politeness.timeout:g} 秒仍未读完"
                raise FetchError(url, reason) from exc
            except httpx.HTTPError as exc:
                raise FetchError(url, f"网络错误（{type(exc).__name__}）") from exc

    async def _request(
        self, url: str, headers: dict[str, str]
    ) -> tuple[Fetched | None, str | None]:
        self.requests += 1
        async with self.client.stream("GET", url, headers=headers) as response:
            if response.is_redirect and "location" in response.headers:
                return None, response.headers["location"]
            if response.status_code == 304:
                return Fetched(url, 304), None
            if response.status_code >= 400:
                status = response.status_code
                raise FetchError(url, f"服务器返回错误 {status}", status)
            data = await self._body(url, response)
        return (
            Fetched(
                url=url,
                status=response.status_code,
                data=data,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                charset=response.charset_encoding,
            ),
            None,
        )

    async def _body(self, url: str, response: httpx.Response) -> bytes:
        limit = self.politeness.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, _too_large(limit))
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            self.bytes += len(chunk)
            if size > limit:  # a server that does not say, or says less than it sends
                raise FetchError(url, _too_large(limit))
            chunks.append(chunk)
        return b"".join(chunks)

    @asynccontextmanager
    async def _slot(self, url: str) -> AsyncIterator[None]:
        """At most one request per host at a time, `host_delay` (or the site's longer
        Crawl-delay) apart."""
        host = self._hosts.setdefault(host_of(url), _Host())
        async with host.lock:
            wait = host.free_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                host.free_at = time.monotonic() + (host.delay or self.politeness.host_delay)

    async def _check_robots(self, url: str) -> None:
        if not self.politeness.robots:
            return
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._robots_locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._robots:
                self._robots[origin] = rules = await self._read_robots(origin)
                asked = rules.crawl_delay(ROBOTS_AGENT) if rules else None
                if asked and asked > self.politeness.host_delay:
                    host = self._hosts.setdefault(host_of(url), _Host())
                    host.delay = min(float(asked), MAX_CRAWL_DELAY)
                    host.free_at = time.monotonic() + host.delay  # robots.txt was a request
        rules = self._robots[origin]
        if rules is not None and not rules.can_fetch(url, ROBOTS_AGENT):
            raise FetchError(url, "网站的 robots.txt 不允许抓取该网址")

    async def _read_robots(self, origin: str) -> Protego | None:
        """The site's rules; None (everything allowed) when it has no robots.txt."""
        url = f"{origin}/robots.txt"
        try:
            fetched, _ = await self._get_once(url, {})
        except FetchError as exc:
            if exc.status is not None and exc.status < 500:
                return None
            raise FetchError(url, f"无法读取 robots.txt（{exc.reason}）") from exc
        if fetched is None:  # robots.txt redirected: read as none, like most crawlers do
            return None
        return Protego.parse(fetched.data.decode("utf-8", errors="replace"))


def _too_large(limit: int) -> str:
    return f"页面超过 {limit / 1024 / 1024:g} MB 上限"
