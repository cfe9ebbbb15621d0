"""Polling news sources against fixture sites on 127.0.0.1: each site ends ingested once,
skipped with a reason, or backed off, with nothing half-stored."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.library import article_detail
from bot.search import search
from bot.sources.fetch import USER_AGENT, Fetcher, Politeness
from bot.sources.model import Link
from bot.sources.poll import Poller, PollReport
from bot.sources.runner import SourcesRunner
from bot.sources.service import SourceSpec, held_source, hold_source
from bot.store import Store
from bot.store import sources as db
from bot.store.sources import Selectors
from tests.websites import STORIES, Site, article_html, list_html, serve, story_html

BACKENDS = ("sqlite", "postgresql")  # the store tests run on both

TIMEOUT = 1.0  # seconds: the stalled fixture page never answers
MAX_MB = 2


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    f = Fetcher(Politeness(host_delay=0.0, timeout=TIMEOUT, max_bytes=MAX_MB * 1024 * 1024))
    yield f
    await f.aclose()


def poller(store: Store, fetcher: Fetcher, clock: Callable[[], datetime] | None = None) -> Poller:
    options = {"clock": clock} if clock else {}
    return Poller(
        store, fetcher, near_ratio=90.0, timezone="Asia/Shanghai", max_failures=3, **options
    )  # type: ignore[arg-type]


async def add(store: Store, kind: str, url: str, **selectors: str) -> int:
    source_id = await db.add_source(
        store, f"{kind} 测试", kind, url, Selectors(**selectors), 60, "2024-07-01T00:00:00+00:00"
    )
    assert source_id is not None
    return source_id


async def poll_all(p: Poller) -> PollReport:
    return await p.poll(await db.sources(p.store))


async def rows(store: Store, sql: str, *params: object) -> list[tuple[object, ...]]:
    return list(await store.conn.execute_fetchall(sql, params))


async def titles(store: Store) -> list[str]:
    return [str(r[0]) for r in await rows(store, "SELECT title FROM articles ORDER BY id")]


async def assert_whole(store: Store) -> None:
    """Nothing half-stored: every web article has its URL rows, every file its articles."""
    assert not await rows(
        store,
        "SELECT id FROM articles WHERE url IS NOT NULL"
        " AND id NOT IN (SELECT article_id FROM article_urls)"
        " AND duplicate_of IS NULL",
    )
    assert not await rows(
        store, "SELECT id FROM source_files WHERE id NOT IN (SELECT file_id FROM articles)"
    )


def _story_path(key: str, day: str = "20240701") -> str:
    return f"/jcdj/{day[:6]}/t{day}_{key}.html"


async def test_a_paginated_list_is_ingested_once_and_politely(
    store: Store, fetcher: Fetcher
) -> None:
    site = Site()
    async with serve(site):
        keys = ["pasture", "library", "roads", "clinic"]
        for key in keys:
            site.put(_story_path(key), story_html(key))
        first = [(_story_path(k), STORIES[k][0]) for k in keys[:2]]
        second = [(_story_path(k), STORIES[k][0]) for k in keys[2:]]
        site.put("/jcdj/", list_html(first, "/jcdj/index_1.html"), etag='"v1"')
        site.put("/jcdj/index_1.html", list_html(second))
        await add(store, "list", site.url("/jcdj/"), links="ul.list a", next="a.next")
        p = poller(store, fetcher)
        report = await poll_all(p)
        again = await poll_all(p)
    [polled] = report.sources
    assert (polled.status, polled.links, polled.new) == ("ok", 4, 4)
    assert sorted(await titles(store)) == sorted(STORIES[k][0] for k in keys)
    assert again.sources[0].status == "not_modified" and site.conditional == ["/jcdj/"]
    assert all(site.hits[_story_path(k)] == 1 for k in keys)
    assert site.agents == {USER_AGENT} and site.most_in_flight == 1
    [(day, origin, url)] = await rows(
        store, "SELECT date, date_origin, url FROM articles WHERE title = ?", STORIES["roads"][0]
    )
    assert (day, origin, url) == ("2024-07-01", "metadata", site.url(_story_path("roads")))
    await assert_whole(store)


async def test_an_epaper_day_is_walked_page_by_page(store: Store, fetcher: Fetcher) -> None:
    site = Site()
    day = datetime(2024, 7, 2, 1, 0, tzinfo=UTC)  # 09:00 in Inner Mongolia
    async with serve(site):
        folder = "/epaper/202407/02"
        pages = {1: ["pasture", "library"], 2: ["roads"], 3: ["clinic", "market"]}
        nav = "".join(f'<a href="node_{n}.htm">第{n}版</a>' for n in pages)
        for n, keys in pages.items():
            links = "".join(f'<a href="content_{k}.htm">{STORIES[k][0]}</a>' for k in keys)
            site.put(f"{folder}/node_{n}.htm", f"<html><body>{nav}<div>{links}</div></body></html>")
            for k in keys:  # e-papers rarely print a date on the article page
                title, paragraphs = STORIES[k]
                page = article_html(title, paragraphs, day="", source="内蒙古日报")
                site.put(f"{folder}/content_{k}.htm", page)
        await add(store, "epaper", site.url("/epaper/{date:%Y%m/%d}/node_1.htm"))
        report = await poll_all(poller(store, fetcher, clock=lambda: day))
    assert report.sources[0].new == 5
    assert {r[0] for r in await rows(store, "SELECT date FROM articles")} == {"2024-07-02"}


@pytest.mark.parametrize(
    ("meta", "header"),
    [
        ("gbk", "text/html"),
        ("gb2312", "text/html; charset=ISO-8859-1"),  # a server default the page overrides
        (None, "text/html; charset=GBK"),
        (None, "text/html"),  # declared nowhere: detected
    ],
    ids=["meta", "meta-over-latin1-header", "header", "detected"],
)
async def test_a_gbk_page_is_read_by_its_declared_or_detected_charset(
    store: Store, fetcher: Fetcher, meta: str | None, header: str
) -> None:
    site = Site()
    title, paragraphs = STORIES["heating"]
    page = article_html(title, paragraphs, charset=meta).encode("gbk")
    async with serve(site):
        site.put("/2024/gbk.html", page, content_type=header)
        await add(store, "page", site.url("/2024/gbk.html"))
        await poll_all(poller(store, fetcher))
    [(stored_title, text, encoding)] = await rows(
        store,
        "SELECT a.title, a.text, f.encoding FROM articles a"
        " JOIN source_files f ON f.id = a.file_id",
    )
    assert stored_title == title and text == "\n".join(paragraphs)
    assert encoding == "gb18030"


RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>要闻</title>
{items}</channel></rss>"""
RSS_ITEM = "<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item>"
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>基层动态</title><id>urn:x</id><updated>2024-07-03T08:00:00Z</updated>{entries}</feed>"""
ATOM_ENTRY = """<entry><title>{title}</title><link href="{link}"/><id>{guid}</id>
<updated>2024-07-02T20:00:00Z</updated></entry>"""


async def test_rss_and_atom_feeds_are_read_and_guids_deduplicate(
    store: Store, fetcher: Fetcher
) -> None:
    site = Site()
    async with serve(site):
        for key in ("market", "roads", "library"):
            site.put(f"/a/{key}.html", story_html(key, day=""))
        items = "".join(
            RSS_ITEM.format(title=STORIES[k][0], link=site.url(f"/a/{k}.html"), guid=f"id-{k}")
            for k in ("market", "roads")
        )
        site.put("/rss.xml", RSS.format(items=items), content_type="application/rss+xml")
        # The Atom feed repeats the roads story under its guid, at an address it moved to.
        site.put("/a/2024/roads.html", story_html("roads", day=""))
        entries = ATOM_ENTRY.format(
            title="x", link=site.url("/a/2024/roads.html"), guid="id-roads"
        ) + ATOM_ENTRY.format(title="y", link=site.url("/a/library.html"), guid="id-library")
        site.put("/atom.xml", ATOM.format(entries=entries), content_type="application/atom+xml")
        await add(store, "feed", site.url("/rss.xml"))
        await add(store, "feed", site.url("/atom.xml"))
        p = poller(store, fetcher)
        rss = await p.poll([(await db.sources(store))[0]])
        atom = await p.poll([(await db.sources(store))[1]])
    assert rss.sources[0].new == 2
    assert (atom.sources[0].new, atom.sources[0].unchanged) == (1, 1), atom.sources
    assert len(await titles(store)) == 3
    [(moved,)] = await rows(store, "SELECT article_id FROM article_urls WHERE url LIKE '%/2024/%'")
    [(roads,)] = await rows(store, "SELECT id FROM articles WHERE title = ?", STORIES["roads"][0])
    assert moved == roads  # the new address is linked: not read again on the next poll
    # The Atom entry's date stands where the page prints none, as a day in China.
    [(day,)] = await rows(store, "SELECT date FROM articles WHERE title = ?", STORIES["library"][0])
    assert day == "2024-07-03"


async def test_an_edited_article_replaces_its_stored_version(
    store: Store, fetcher: Fetcher
) -> None:
    site = Site()
    title, paragraphs = STORIES["pasture"]
    edited = [
        *paragraphs[:3],
        "到九月底，嘎查集体经济收入已经超过三十万元，入股牧民人均分红两千五百余元。",
    ]
    async with serve(site):
        site.put("/a/1.html", article_html(title, paragraphs))
        await add(store, "page", site.url("/a/1.html"))
        p = poller(store, fetcher)
        await poll_all(p)
        site.put("/a/1.html", article_html(title, edited))
        report = await poll_all(p)
    assert report.sources[0].updated == 1 and report.sources[0].new == 0
    [(text, version)] = await rows(store, "SELECT text, version FROM articles")
    assert text == "\n".join(edited) and version == 2
    [(old,)] = await rows(store, "SELECT text FROM article_versions WHERE version = 1")
    assert old == "\n".join(paragraphs)
    assert (await search(store, "三十万元")).total == 1
    assert (await search(store, "二十五万元")).total == 0
    await assert_whole(store)


async def test_the_same_story_on_two_sites_is_stored_once_with_both_urls(
    store: Store, fetcher: Fetcher
) -> None:
    first, second = Site(), Site()
    async with serve(first, second):
        first.put("/a/1.html", story_html("clinic"))
        second.put("/news/2.html", story_html("clinic", source="某某旗融媒体中心"))
        p = poller(store, fetcher)
        one = await p.ingest(Link(first.url("/a/1.html")))
        two = await p.ingest(Link(second.url("/news/2.html")))
    assert (one.outcome, two.outcome) == ("new", "duplicate")
    assert len(await titles(store)) == 1
    assert one.article_id is not None
    detail = await article_detail(store, one.article_id, with_keywords=False)
    assert detail and detail["urls"] == [first.url("/a/1.html"), second.url("/news/2.html")]
    urls = await rows(store, "SELECT url, article_id FROM article_urls ORDER BY url")
    assert {u for u, _ in urls} == {first.url("/a/1.html"), second.url("/news/2.html")}
    assert {a for _, a in urls} == {one.article_id}


async def test_robots_txt_that_disallows_is_obeyed(store: Store, fetcher: Fetcher) -> None:
    site = Site()
    async with serve(site):
        site.put("/robots.txt", "User-agent: *\nDisallow: /jcdj/\n", content_type="text/plain")
        site.put("/jcdj/", list_html([(_story_path("roads"), "x")]))
        site.put(_story_path("roads"), story_html("roads"))
        await add(store, "list", site.url("/jcdj/"))
        report = await poll_all(poller(store, fetcher))
    assert report.sources[0].status == "failed"
    assert "robots.txt" in report.sources[0].error
    assert site.hits["/jcdj/"] == 0 and not await titles(store)


async def test_a_failing_source_backs_off_then_is_paused_once(
    store: Store, fetcher: Fetcher
) -> None:
    site = Site()
    moments = iter(datetime(2024, 7, 1, h, tzinfo=UTC) for h in range(0, 24))
    now = next(moments)
    async with serve(site):
        site.put("/jcdj/", "oops", status=500)
        source_id = await add(store, "list", site.url("/jcdj/"))
        p = poller(store, fetcher, clock=lambda: now)
        statuses, waits = [], []
        for _ in range(4):
            report = await p.poll_due()
            statuses += [s.status for s in report.sources]
            source = await db.source(store, source_id)
            assert source
            if source.next_poll_at:
                waits.append(datetime.fromisoformat(source.next_poll_at) - now)
            now = datetime.fromisoformat(source.next_poll_at)  # the time it is due again
    assert statuses == ["failed", "failed", "paused"]  # paused: no longer due
    assert [w.total_seconds() / 3600 for w in waits[:2]] == [1, 2]  # doubled
    assert source.status == "paused" and "500" in source.paused_reason


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda s: (s.put("/a", "", location="/b"), s.put("/b", "", location="/a")), "循环"),
        (lambda s: s.put("/a", "", stall=True), f"超过 {TIMEOUT:g} 秒"),
        (lambda s: s.put("/a", "", stream_bytes=30 * 1024 * 1024), f"超过 {MAX_MB} MB"),
        (lambda s: s.put("/a", list_html([("/x", "要闻")] * 30)), "没有可识别的正文"),
    ],
    ids=["redirect-loop", "slow", "30MB", "navigation-only"],
)
async def test_pages_that_cannot_be_read_are_rejected_with_a_reason(
    store: Store, fetcher: Fetcher, setup: Callable[[Site], object], reason: str
) -> None:
    site = Site()
    async with serve(site):
        setup(site)
        stored = await poller(store, fetcher).ingest(Link(site.url("/a")))
    assert stored.outcome == "rejected" and reason in stored.reason
    assert fetcher.bytes <= MAX_MB * 1024 * 1024 + 64 * 1024  # the huge page was cut short
    assert not await titles(store)
    assert not await rows(store, "SELECT * FROM source_files")


async def test_a_site_answering_304_is_not_read_again(store: Store, fetcher: Fetcher) -> None:
    site = Site()
    async with serve(site):
        site.put("/a/1.html", story_html("market"), etag='"abc"')
        await add(store, "page", site.url("/a/1.html"))
        p = poller(store, fetcher)
        first, second = await poll_all(p), await poll_all(p)
    assert first.sources[0].new == 1
    assert second.sources[0].status == "not_modified" and site.conditional == ["/a/1.html"]
    assert len(await titles(store)) == 1


async def test_two_sources_on_one_site_never_request_it_at_once(
    store: Store, fetcher: Fetcher
) -> None:
    site = Site()
    async with serve(site):
        for n, keys in enumerate((["pasture", "library", "roads"], ["clinic", "market"])):
            for key in keys:
                site.put(_story_path(key), story_html(key))
            site.put(f"/list{n}/", list_html([(_story_path(k), STORIES[k][0]) for k in keys]))
            await add(store, "list", site.url(f"/list{n}/"))
        report = await poll_all(poller(store, fetcher))
    assert [s.new for s in report.sources] == [3, 2]
    assert site.most_in_flight == 1


async def test_an_old_article_keeps_its_publication_date(store: Store, fetcher: Fetcher) -> None:
    """A backfilled list brings old articles under their own dates: not today's news."""
    site = Site()
    async with serve(site):
        old = site.put(_story_path("heating", "20230105"), story_html("heating", day="2023-01-05"))
        stored = await poller(store, fetcher).ingest(Link(old))
    assert stored.outcome == "new"
    assert await rows(store, "SELECT date, date_origin FROM articles") == [
        ("2023-01-05", "metadata")
    ]


async def test_a_day_without_an_epaper_is_not_a_failure(store: Store, fetcher: Fetcher) -> None:
    site = Site()
    async with serve(site):
        source_id = await add(store, "epaper", site.url("/epaper/{date:%Y%m/%d}/node_1.htm"))
        report = await poll_all(poller(store, fetcher))
    assert report.sources[0].status == "not_modified"
    source = await db.source(store, source_id)
    assert source and source.failures == 0 and source.status == "active"


async def test_a_lightly_edited_repost_is_linked_to_the_original(
    store: Store, fetcher: Fetcher
) -> None:
    first, second = Site(), Site()
    title, paragraphs = STORIES["heating"]
    reworded = [paragraphs[0].replace("逐户走访", "挨家挨户走访"), *paragraphs[1:]]
    async with serve(first, second):
        first.put("/a/1.html", story_html("heating"))
        second.put("/b/1.html", article_html(title, reworded, source="某某区融媒体中心"))
        p = poller(store, fetcher)
        original = await p.ingest(Link(first.url("/a/1.html")))
        repost = await p.ingest(Link(second.url("/b/1.html")))
    assert (original.outcome, repost.outcome) == ("new", "near_duplicate")
    assert repost.article_id == original.article_id
    assert (await search(store, "入户排查")).total == 1  # one story in search (and digests)
    [(linked,)] = await rows(store, "SELECT article_id FROM article_urls WHERE url LIKE '%/b/1%'")
    assert linked == original.article_id


async def test_a_list_is_walked_back_only_as_far_as_it_has_new_links(
    store: Store, fetcher: Fetcher
) -> None:
    site = Site()
    keys = ["pasture", "library", "roads", "clinic", "market"]
    async with serve(site):
        for key in keys:
            site.put(_story_path(key), story_html(key))

        def listing(page: list[str], nxt: str | None) -> str:
            return list_html([(_story_path(k), STORIES[k][0]) for k in page], nxt)

        site.put("/l/", listing(keys[1:2], "/l/2.html"))
        site.put("/l/2.html", listing(keys[2:3], "/l/3.html"))
        site.put("/l/3.html", listing(keys[3:5], None))
        await add(store, "list", site.url("/l/"), next="a.next")
        p = poller(store, fetcher)
        first = await poll_all(p)
        site.put("/l/", listing(keys[0:2], "/l/2.html"))  # a new article on top
        second = await poll_all(p)
    assert (first.sources[0].new, second.sources[0].new) == (4, 1)
    assert (site.hits["/l/2.html"], site.hits["/l/3.html"]) == (2, 1)  # page 2 was all known
    assert site.hits[_story_path("library")] == 1  # known and read within REREAD: not again


async def test_a_sites_crawl_delay_spaces_its_requests(store: Store, fetcher: Fetcher) -> None:
    site = Site()
    keys = ["pasture", "library"]
    async with serve(site):
        site.put("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain")
        for key in keys:
            site.put(_story_path(key), story_html(key))
        site.put("/l/", list_html([(_story_path(k), STORIES[k][0]) for k in keys]))
        await add(store, "list", site.url("/l/"))
        await poll_all(poller(store, fetcher))  # our own delay is 0
    gaps = [b - a for a, b in itertools.pairwise(site.arrivals)]
    assert len(gaps) == 3 and min(gaps) >= 0.3


async def test_a_tested_source_waits_in_the_database_for_one_press(
    store: Store, library_target: Path | str
) -> None:
    """What /sources add tested is kept in the database: the 保存 press may reach another
    replica (another store on the same database), and only one press takes it."""
    spec = SourceSpec(
        "盟委组织部网站", "list", "https://a.example.cn/jcdj/", Selectors(links="ul a"), 60, True
    )
    now = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    key = await hold_source(store, spec, now)
    stale = await hold_source(store, spec, now - timedelta(days=2))
    other = await Store.open(library_target)
    try:
        assert await held_source(other, key) == spec
        assert await held_source(store, key) is None  # taken: a second press saves nothing
        await hold_source(other, spec, now)  # holding forgets what nobody answered for a day
        assert await held_source(store, stale) is None
    finally:
        await other.close()


async def test_replicas_polling_at_once_fetch_each_source_once(pg_library: str) -> None:
    """Two replicas' scheduled polls at the same moment: one polls, the other waits its turn
    (Store.exclusive) and finds nothing left to do, the morning poll included. PostgreSQL
    only: SQLite serves one bot process, whose polls are exclusive within it."""
    site = Site()
    settings = replace(Settings(), sources_host_delay=0.0)
    moments = [datetime(2024, 7, 2, 0, 0, tzinfo=UTC)]
    clock = lambda: moments[-1]  # noqa: E731
    async with serve(site):
        for key in ("pasture", "library"):
            site.put(_story_path(key), story_html(key))
        links = [(_story_path(k), STORIES[k][0]) for k in ("pasture", "library")]
        site.put("/jcdj/", list_html(links))
        store, other = await Store.open(pg_library), await Store.open(pg_library)
        await add(store, "list", site.url("/jcdj/"), links="ul.list a")
        runners = [SourcesRunner(s, settings, clock) for s in (store, other)]
        try:
            due = await asyncio.gather(*(r.poll_due() for r in runners))
            moments.append(moments[0] + timedelta(hours=1))
            morning = await asyncio.gather(*(r.morning_poll() for r in runners))
        finally:
            for runner in runners:
                await runner.close()
            await store.close()
            await other.close()
    assert sorted(len(report.sources) for report in due) == [0, 1]
    assert sorted(len(report.sources) for report in morning if report) == [0, 1]
    assert site.hits["/jcdj/"] == 2  # once due, once in the morning: not once per replica
    assert site.hits[_story_path("pasture")] == site.hits[_story_path("library")] == 1
