"""The statements that put an article right: its date, title and primary place corrected,
articles deleted. Each runs in the caller's transaction (bot/edit.py opens it), so the
article, its search index and stat_counts change together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.store.base import _marks
from bot.store.db import Store
from bot.store.search import IndexTerms


@dataclass(frozen=True)
class ArticleRow:
    article_id: int
    title: str
    text: str
    date: str
    duplicate_of: int | None


async def article_row(store: Store, article_id: int) -> ArticleRow | None:
    rows = await store.conn.execute_fetchall(
        "SELECT id, title, text, date, duplicate_of FROM articles WHERE id = ?", (article_id,)
    )
    return ArticleRow(*rows[0]) if rows else None


async def set_date(store: Store, article_id: int, day: str) -> None:
    """A date a person gave (`casebot edit`, /article, `ingest --date` of a stored article).
    The caller clears the extraction first and writes it again after, so the counts move."""
    await store.conn.execute(
        "UPDATE articles SET date = ?, date_origin = 'option' WHERE id = ?", (day, article_id)
    )


async def set_title(store: Store, article_id: int, title: str) -> None:
    await store.conn.execute("UPDATE articles SET title = ? WHERE id = ?", (title, article_id))


async def reprints_of(store: Store, ids: Sequence[int]) -> list[int]:
    """The near-duplicates stored against these articles."""
    rows = await store.conn.execute_fetchall(
        f"SELECT id FROM articles WHERE duplicate_of IN ({_marks(ids)}) ORDER BY id", ids
    )
    return [r[0] for r in rows]


async def delete_articles(store: Store, ids: Sequence[int]) -> None:
    """Deletes articles (their extraction already cleared, their index entries removed) and
    the source files left without any."""
    await store.conn.execute(f"DELETE FROM articles WHERE id IN ({_marks(ids)})", ids)
    await store.conn.execute(
        "DELETE FROM source_files WHERE NOT EXISTS"
        " (SELECT 1 FROM articles WHERE articles.file_id = source_files.id)"
    )


async def remove_articles(store: Store, index: Sequence[tuple[int, IndexTerms | None]]) -> None:
    """Delete articles with everything stored about them, in the caller's transaction; a
    file left without articles goes too. `index` pairs each id with the search index
    columns it was stored with (None for a near-duplicate, which has none)."""
    if not index:
        return
    ids = [i for i, _ in index]
    await store.clear_extractions(ids)
    await store.unindex_articles([(i, terms) for i, terms in index if terms])
    await delete_articles(store, ids)


async def set_primary_place(store: Store, article_id: int, code: str) -> None:
    await store.conn.execute(
        "INSERT INTO article_edits (article_id, primary_place) VALUES (?, ?)"
        " ON CONFLICT (article_id) DO UPDATE SET primary_place = excluded.primary_place",
        (article_id, code),
    )


async def primary_places(store: Store, ids: Sequence[int]) -> dict[int, str]:
    """The primary place an admin chose, by article, for those of `ids` that have one."""
    if not ids:
        return {}
    rows = await store.conn.execute_fetchall(
        f"SELECT article_id, primary_place FROM article_edits WHERE article_id IN ({_marks(ids)})",
        ids,
    )
    return {r[0]: r[1] for r in rows}


async def dated_fingerprints(
    store: Store, fingerprints: Sequence[str]
) -> dict[str, tuple[int, str]]:
    """(article id, date) of the stored articles with these fingerprints."""
    if not fingerprints:
        return {}
    rows = await store.conn.execute_fetchall(
        f"SELECT fingerprint, id, date FROM articles WHERE fingerprint IN ({_marks(fingerprints)})",
        fingerprints,
    )
    return {r[0]: (r[1], r[2]) for r in rows}


@dataclass(frozen=True)
class Body:
    """What merging joins: an article's text, its raw lines and its paragraphs."""

    text: str
    original_text: str
    paragraphs: list[tuple[int, int, str]]  # (start, end, kind) offsets into text


async def body(store: Store, article_id: int) -> Body:
    ((text, original),) = await store.conn.execute_fetchall(
        "SELECT text, original_text FROM articles WHERE id = ?", (article_id,)
    )
    rows = await store.conn.execute_fetchall(
        'SELECT start, "end", kind FROM paragraphs WHERE article_id = ? ORDER BY idx',
        (article_id,),
    )
    return Body(text, original, [(r[0], r[1], r[2]) for r in rows])


async def set_body(
    store: Store, article_id: int, new: Body, fingerprint: str, sketch: list[int]
) -> None:
    """An article's text, raw lines, paragraphs, fingerprint and sketch, replaced."""
    await store.conn.execute(
        "UPDATE articles SET text = ?, original_text = ?, fingerprint = ? WHERE id = ?",
        (new.text, new.original_text, fingerprint, article_id),
    )
    await store.conn.execute("DELETE FROM paragraphs WHERE article_id = ?", (article_id,))
    await store.conn.executemany(
        'INSERT INTO paragraphs (article_id, idx, start, "end", kind) VALUES (?, ?, ?, ?, ?)',
        [(article_id, n, s, e, k) for n, (s, e, k) in enumerate(new.paragraphs)],
    )
    await store.conn.execute("DELETE FROM article_sketch WHERE article_id = ?", (article_id,))
    await store.conn.executemany(
        "INSERT INTO article_sketch (hash, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(h, article_id) for h in sketch],
    )


async def merge_into(
    store: Store, keep: int, other: int, joined: Body, fingerprint: str, sketch: list[int]
) -> None:
    """`other` becomes part of `keep` (its extraction cleared and index entries removed
    already): `keep` takes the joined body, `other`'s captions and near-duplicates."""
    await set_body(store, keep, joined, fingerprint, sketch)
    await store.conn.execute(
        "UPDATE captions SET article_id = ? WHERE article_id = ?", (keep, other)
    )
    await store.conn.execute(
        "UPDATE articles SET duplicate_of = ? WHERE duplicate_of = ?", (keep, other)
    )
    await delete_articles(store, [other])


async def insert_part(
    store: Store, source: int, title: str, part: Body, fingerprint: str, sketch: list[int]
) -> int:
    """A new article cut from `source`: the same file (placed after its last article),
    date, column and script; returns its id."""
    ((new_id,),) = await store.conn.execute_fetchall(
        "INSERT INTO articles (file_id, seq, title, authors, column_name, date, date_origin,"
        " original_text, text, script, fingerprint, created_at)"
        " SELECT file_id, (SELECT max(seq) + 1 FROM articles b WHERE b.file_id = a.file_id),"
        " ?, '[]', column_name, date, date_origin, ?, ?, script, ?, ?"
        " FROM articles a WHERE id = ? RETURNING id",
        (title, part.original_text, part.text, fingerprint, now_stamp(), source),
    )
    await set_body(store, new_id, part, fingerprint, sketch)
    return new_id


def now_stamp() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


async def fingerprint_owner(store: Store, fingerprint: str) -> int | None:
    rows = await store.conn.execute_fetchall(
        "SELECT id FROM articles WHERE fingerprint = ?", (fingerprint,)
    )
    return rows[0][0] if rows else None
