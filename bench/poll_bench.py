"""Polling benchmark: SOURCES list-page sources of ARTICLES articles each, served on
127.0.0.1 by a separate process, polled once from scratch (every article new) and once
more (nothing changed), as the bot's hourly poll would.

Sources are spread over HOSTS sites (ports), each polled one request at a time with the
per-host delay, as real sites are. Articles are synthetic (bench/synth.py). Prints time,
requests, bytes, articles stored and peak RSS of the poller and of its workers.

    python bench/poll_bench.py --sources 200 --articles 20 --hosts 20 --delay 1.0
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from html import escape
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from aiohttp import web
from synth import Generator, load_seeds

from bot.config import default_data_dir
from bot.ingest.pipeline import init_worker
from bot.sources.fetch import Fetcher, Politeness
from bot.sources.poll import Poller, PollReport
from bot.store import Store
from bot.store import sources as db
from bot.store.sources import Selectors

DAY = "20240701"


def _article_html(title: str, authors: list[str], paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    nav = "".join(f'<a href="/{n}/">栏目{n}</a>' for n in range(12))
    return (
        (
            '<html><head><meta charset="utf-8"><title>{t}</title></head><body>'
            '<div class="nav">{nav}</div><h1>{t}</h1><div class="info">2024-07-01 作者：{a}</div>'
            '<div class="content">{b}</div><div class="footer">备案号 示例</div></body></html>'
        )
        .format(t=escape(title), nav=nav, a=escape(" ".join(authors)), b=body)
        .encode()
    )


def _site_pages(sources: int, articles: int, seed: int) -> dict[str, bytes]:
    """Every page of every source (they share the same paths on each host's port)."""
    generator = Generator(load_seeds(default_data_dir()), random.Random(seed))
    pages: dict[str, bytes] = {}
    for s in range(sources):
        links = []
        for k in range(articles):
            a = generator.article(s * articles + k + 1)
            path = f"/s{s}/{DAY[:6]}/t{DAY}_{k}.html"
            pages[path] = _article_html(a.title, a.authors, a.paragraphs)
            links.append(f'<li><a href="{path}">{escape(a.title)}</a></li>')
        pages[f"/s{s}/"] = (
            f'<html><body><ul class="list">{"".join(links)}</ul></body></html>'.encode()
        )
    return pages


def _serve(hosts: int, sources: int, articles: int, seed: int, ready: object) -> None:
    """The server process: one port per host, source s on host s % hosts."""

    async def main() -> None:
        pages = _site_pages(sources, articles, seed)

        async def handle(request: web.Request) -> web.Response:
            body = pages.get(request.path)
            if body is None:
                return web.Response(status=404)
            return web.Response(body=body, content_type="text/html", charset="utf-8")

        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        ports = []
        for _ in range(hosts):
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        ready.put(ports)  # type: ignore[attr-defined]
        await asyncio.Event().wait()

    asyncio.run(main())


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


async def run(args: argparse.Namespace) -> None:
    ready: multiprocessing.Queue[list[int]] = multiprocessing.Queue()
    server = multiprocessing.Process(
        target=_serve, args=(args.hosts, args.sources, args.articles, args.seed, ready), daemon=True
    )
    server.start()
    ports = ready.get(timeout=600)
    folder = Path(tempfile.mkdtemp(prefix="poll-bench-"))
    store = await Store.open(folder / "bench.db")
    for s in range(args.sources):
        url = f"http://127.0.0.1:{ports[s % args.hosts]}/s{s}/"
        await db.add_source(store, f"来源{s}", "list", url, Selectors(links="ul.list a"), 60, "")
    executor = ProcessPoolExecutor(args.workers, initializer=init_worker)
    fetcher = Fetcher(Politeness(host_delay=args.delay))
    poller = Poller(
        store, fetcher, near_ratio=90.0, timezone="Asia/Shanghai", max_failures=5,
        executor=executor,
    )  # fmt: skip
    try:
        for label in ("first poll (all new)", "second poll (nothing new)"):
            started = time.perf_counter()
            report = await poller.poll(await db.sources(store))
            _print(label, report, time.perf_counter() - started)
    finally:
        executor.shutdown()
        await fetcher.aclose()
        stored = await store.count_articles()
        await store.close()
        server.terminate()
    print(f"articles stored: {stored}")
    print(f"peak RSS: poller {_rss_mb(resource.RUSAGE_SELF):.0f} MB, "
          f"largest worker {_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB")  # fmt: skip


def _print(label: str, report: PollReport, seconds: float) -> None:
    statuses: dict[str, int] = {}
    for s in report.sources:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    rejected = sum(len(s.rejected) for s in report.sources)
    print(
        f"{label}: {seconds:.1f} s, {report.requests} requests, {report.bytes / 1e6:.1f} MB,"
        f" new {sum(s.new for s in report.sources)}, duplicates"
        f" {sum(s.duplicates + s.near_duplicates for s in report.sources)},"
        f" rejected {rejected}, sources {statuses}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--articles", type=int, default=20, help="articles per source")
    parser.add_argument("--hosts", type=int, default=20, help="sites the sources are spread over")
    parser.add_argument(
        "--delay", type=float, default=1.0, help="seconds between requests to a host"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes reading articles")
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
