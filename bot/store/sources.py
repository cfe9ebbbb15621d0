"""SQL of news sources (migration 0012): the sources, the URLs articles were read at, and
articles replaced by a newer version of themselves."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from cssselect import GenericTranslator, SelectorError

from bot.store.articles import StoredArticle
from bot.store.base import _json, _marks, integrity_errors
from bot.store.db import Store


@dataclass(frozen=True)
class Selectors:
    """CSS selectors of a source. Link selectors find articles on index pages; the others
    override what the main-text extractor finds on an article page."""

    links: str | None = None  # article links on a list page or an e-paper page
    next: str | None = None  # the list's next-page link
    pages: str | None = None  # an e-paper day's page links (node_N.htm)
    title: str | None = None
    subtitle: str | None = None
    authors: str | None = None
    date: str | None = None
    source: str | None = None  # the publisher's name on the page
    body: str | None = None

    def __post_init__(self) -> None:
        for name, selector in vars(self).items():
            if selector is None:
                continue
            try:
                GenericTranslator().css_to_xpath(selector)
            except SelectorError as exc:
                raise ValueError(f"选择器 {name} 无效：{selector}") from exc

    def as_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> Selectors:
        return cls.of(json.loads(text or "{}"))

    @classmethod
    def of(cls, values: dict[str, Any]) -> Selectors:
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"未知的选择器：{'、'.join(sorted(unknown))}")
        return cls(**{k: str(v) for k, v in values.items() if v})


@dataclass(frozen=True)
class Source:
    id: int
    name: str
    kind: str
    url: str
    selectors: Selectors = field(default_factory=Selectors)
    interval_min: int = 60
    status: str = "active"
    paused_reason: str = ""
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    failures: int = 0
    last_success_at: str | None = None
    last_error: str = ""
    last_error_at: str | None = None
    next_poll_at: str = ""


_FIELDS = (
    "id, name, kind, url, selectors, interval_min, status, paused_reason, etag, last_modified,"
    " body_hash, failures, last_success_at, last_error, last_error_at, next_poll_at"
)


@dataclass(frozen=True)
class KnownUrl:
    article_id: int
    content_hash: str
    first_seen: str


def _source(row: Sequence[Any]) -> Source:
    values = list(row)
    values[4] = Selectors.from_json(values[4])
    return Source(*values)


async def add_source(
    store: Store, name: str, kind: str, url: str, selectors: Selectors, interval_min: int, at: str
) -> int | None:
    """The new source's id; None when a source of this kind and URL exists."""
    try:
        async with store.transaction():
            ((new_id,),) = await store.conn.execute_fetchall(
                "INSERT INTO sources (name, kind, url, selectors, interval_min, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (name, kind, url, selectors.as_json(), interval_min, at),
            )
    except integrity_errors():
        return None
    return new_id


async def hold_pending(store: Store, key: str, spec: str, at: str, forget_before: str) -> None:
    """Keep a tested source (JSON) under `key` until its button is pressed, forgetting
    those nobody answered since `forget_before`."""
    async with store.transaction():
        await store.conn.execute(
            "DELETE FROM pending_sources WHERE created_at < ?", (forget_before,)
        )
        await store.conn.execute(
            "INSERT INTO pending_sources (key, spec, created_at) VALUES (?, ?, ?)",
            (key, spec, at),
        )


async def take_pending(store: Store, key: str) -> str | None:
    """The source held under `key`, no longer held: of two presses (on any replica), one
    finds it."""
    async with store.transaction():
        rows = await store.conn.execute_fetchall(
            "DELETE FROM pending_sources WHERE key = ? RETURNING spec", (key,)
        )
    return rows[0][0] if rows else None


async def sources(store: Store) -> list[Source]:
    rows = await store.conn.execute_fetchall(f"SELECT {_FIELDS} FROM sources ORDER BY id")
    return [_source(r) for r in rows]


async def source(store: Store, source_id: int) -> Source | None:
    rows = await store.conn.execute_fetchall(
        f"SELECT {_FIELDS} FROM sources WHERE id = ?", (source_id,)
    )
    return _source(rows[0]) if rows else None


async def due_sources(store: Store, now: str) -> list[Source]:
    """Active sources whose next poll is at or before `now` (UTC ISO)."""
    rows = await store.conn.execute_fetchall(
        f"SELECT {_FIELDS} FROM sources WHERE status = 'active' AND next_poll_at <= ?"
        " ORDER BY next_poll_at, id",
        (now,),
    )
    return [_source(r) for r in rows]


async def remove_source(store: Store, source_id: int) -> bool:
    async with store.transaction():
        cursor = await store.conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
    return cursor.rowcount > 0


async def set_status(store: Store, source_id: int, status: str, reason: str = "") -> bool:
    """Pause or resume; resuming clears the failures and makes it due now."""
    async with store.transaction():
        cursor = await store.conn.execute(
            "UPDATE sources SET status = ?, paused_reason = ?,"
            " failures = CASE WHEN ? = 'active' THEN 0 ELSE failures END,"
            " next_poll_at = CASE WHEN ? = 'active' THEN '' ELSE next_poll_at END WHERE id = ?",
            (status, reason, status, status, source_id),
        )
    return cursor.rowcount > 0


async def record_success(
    store: Store, source: Source, *, at: str, next_poll: str, etag: str | None,
    last_modified: str | None, body_hash: str | None,
) -> None:  # fmt: skip
    async with store.transaction():
        await store.conn.execute(
            "UPDATE sources SET failures = 0, last_success_at = ?, next_poll_at = ?, etag = ?,"
            " last_modified = ?, body_hash = ? WHERE id = ?",
            (at, next_poll, etag, last_modified, body_hash, source.id),
        )


async def record_failure(
    store: Store, source: Source, *, at: str, error: str, next_poll: str, pause: bool
) -> None:
    async with store.transaction():
        await store.conn.execute(
            "UPDATE sources SET failures = failures + 1, last_error = ?, last_error_at = ?,"
            " next_poll_at = ?, status = CASE WHEN ? THEN 'paused' ELSE status END,"
            " paused_reason = CASE WHEN ? THEN ? ELSE paused_reason END WHERE id = ?",
            (error, at, next_poll, pause, pause, error, source.id),
        )


async def recent_counts(store: Store, since: str) -> dict[int, int]:
    """Articles each source brought in since `since` (UTC ISO)."""
    rows = await store.conn.execute_fetchall(
        "SELECT source_id, count(*) FROM article_urls WHERE first_seen >= ?"
        " AND source_id IS NOT NULL GROUP BY source_id",
        (since,),
    )
    return {r[0]: r[1] for r in rows}


# --- article URLs -----------------------------------------------------------------------


async def known_url(store: Store, key: str, guid: str | None) -> KnownUrl | None:
    """The article stored from this URL, or from a feed entry with this guid."""
    by_guid, params = (" OR guid = ?", (key, guid, key)) if guid else ("", (key, key))
    rows = await store.conn.execute_fetchall(
        "SELECT article_id, content_hash, first_seen FROM article_urls"
        f" WHERE key = ?{by_guid} ORDER BY key = ? DESC LIMIT 1",
        params,
    )
    return KnownUrl(*rows[0]) if rows else None


async def urls_of(store: Store, article_id: int) -> list[str]:
    """Where an article was read: its own URL first, then other sites' copies."""
    rows = await store.conn.execute_fetchall(
        "SELECT u.url FROM article_urls u JOIN articles a ON a.id = u.article_id"
        " WHERE u.article_id = ? ORDER BY u.url = a.url DESC, u.first_seen, u.url",
        (article_id,),
    )
    return [r[0] for r in rows]


async def known_keys(store: Store, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Of these URL keys, those stored, with when they were first seen and last read."""
    if not keys:
        return {}
    rows = await store.conn.execute_fetchall(
        f"SELECT key, first_seen, fetched_at FROM article_urls WHERE key IN ({_marks(keys)})",
        keys,
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def article_by_fingerprint(store: Store, fingerprint: str) -> int | None:
    rows = await store.conn.execute_fetchall(
        "SELECT coalesce(duplicate_of, id) FROM articles WHERE fingerprint = ?", (fingerprint,)
    )
    return rows[0][0] if rows else None


async def original_of(store: Store, file_id: int) -> int:
    """The article a stored web page's file holds, or the original it nearly repeats."""
    ((article_id,),) = await store.conn.execute_fetchall(
        "SELECT coalesce(duplicate_of, id) FROM articles WHERE file_id = ? ORDER BY seq LIMIT 1",
        (file_id,),
    )
    return article_id


async def link_url(
    store: Store, *, key: str, url: str, article_id: int, source_id: int | None,
    guid: str | None, content_hash: str, at: str,
) -> None:  # fmt: skip
    """Record (or refresh) a URL of an article, in the caller's transaction."""
    await store.conn.execute(
        "INSERT INTO article_urls (key, url, article_id, source_id, guid, content_hash,"
        " first_seen, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE"
        " SET article_id = excluded.article_id, content_hash = excluded.content_hash,"
        " guid = coalesce(excluded.guid, article_urls.guid), fetched_at = excluded.fetched_at",
        (key, url, article_id, source_id, guid, content_hash, at, at),
    )


async def set_origin(store: Store, file_id: int, url: str, source_id: int | None, at: str) -> None:
    """Where the articles of a stored web page were read, in the caller's transaction."""
    await store.conn.execute(
        "UPDATE articles SET url = ?, source_id = ?, fetched_at = ? WHERE file_id = ?",
        (url, source_id, at, file_id),
    )


async def article_for_edit(store: Store, article_id: int) -> tuple[str, str, bool] | None:
    """Title, text and whether the article is an original (indexed), for replacing it."""
    rows = await store.conn.execute_fetchall(
        "SELECT title, text, duplicate_of IS NULL FROM articles WHERE id = ?", (article_id,)
    )
    return (rows[0][0], rows[0][1], bool(rows[0][2])) if rows else None


async def replace_article(
    store: Store, article_id: int, new: StoredArticle,
    old_index: tuple[str, str, str, str, str] | None, at: str,
) -> None:  # fmt: skip
    """Replace an article's text by an edited version, in the caller's transaction: the old
    text is kept in article_versions, the index and the extraction follow the new text.
    `old_index` is the FTS rows of the old text (contentless FTS5 deletes by value)."""
    await store.conn.execute(
        "INSERT INTO article_versions (article_id, version, title, text, replaced_at)"
        " SELECT id, version, title, text, ? FROM articles WHERE id = ?",
        (at, article_id),
    )
    await store.conn.execute(
        "UPDATE articles SET title = ?, subtitle = ?, authors = ?, original_text = ?, text = ?,"
        " script = ?, fingerprint = ?, version = version + 1, fetched_at = ? WHERE id = ?",
        (new.title, new.subtitle, _json(new.authors), new.original_text, new.text, new.script,
         new.fingerprint, at, article_id),
    )  # fmt: skip
    for table in ("paragraphs", "captions", "article_sketch"):
        await store.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
    await store.conn.executemany(
        'INSERT INTO paragraphs (article_id, idx, start, "end", kind) VALUES (?, ?, ?, ?, ?)',
        [(article_id, n, s, e, k) for n, (s, e, k) in enumerate(new.paragraphs)],
    )
    await store.conn.executemany(
        "INSERT INTO captions (article_id, text, credit) VALUES (?, ?, ?)",
        [(article_id, t, c) for t, c in new.captions],
    )
    if old_index is None or new.index is None:  # a near-duplicate: not indexed
        return
    await store.conn.executemany(
        "INSERT INTO article_sketch (hash, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(h, article_id) for h in new.sketch],
    )
    await store.unindex_articles([(article_id, old_index)])
    await store.index_articles([(article_id, new.index)])
    if new.extraction is not None:
        await store.write_extractions([(article_id, new.extraction)])
