"""Connection, migrations and the queries of the store.

One aiosqlite connection per process, WAL, foreign keys on. Writes run in explicit
`BEGIN IMMEDIATE` transactions so a file's articles land together or not at all.
aiosqlite costs a thread hop per call, so batches use `executemany`/`execute_fetchall`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Collection, Iterable, Sequence, Sized
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Any

import aiosqlite

from bot.extract.model import Case, Extraction
from bot.segment import han_set
from bot.text import to_simplified

BUSY_TIMEOUT_S = 10.0  # how long a write waits for another process's transaction


class StoreError(Exception):
    """The database cannot be opened or used; the message is for the user (Chinese)."""

    @classmethod
    def on_open(cls, path: Path, exc: sqlite3.Error) -> StoreError:
        reason = _reason(exc) or str(exc)
        return cls(f"数据库 {path} 无法使用：{reason}。")

    @classmethod
    def on_write(cls, exc: sqlite3.Error) -> StoreError:
        """A failed write, explained: the transaction was rolled back, so what was stored
        before is intact and the files of the failed batch can simply be imported again."""
        reason = _reason(exc) or f"数据库写入失败（{exc}）"
        return cls(f"{reason}。已入库的内容完好，本批未写完的文件未导入，处理后重新导入即可。")


def _reason(exc: sqlite3.Error) -> str | None:
    """SQLite's English error, said in Chinese where it has a cause the user can act on."""
    text = str(exc).lower()
    if "full" in text:
        return "磁盘空间不足"
    if "readonly" in text or "read-only" in text:
        # Even reading needs the -wal and -shm files beside the database.
        return "数据库文件只读，请检查该文件及其所在目录的写权限"
    if "locked" in text or "busy" in text:
        return "数据库被其他程序占用"
    if "not a database" in text or "malformed" in text:
        return "文件不是 casebot 的数据库，或已损坏"
    return None


def migrations() -> list[tuple[int, str]]:
    """(version, sql) for every file in migrations/, in order."""
    folder = resources.files("bot.store") / "migrations"
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text("utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


@dataclass(frozen=True)
class StoredArticle:
    """An article row ready to insert; ids are assigned inside the write transaction."""

    seq: int
    title: str
    subtitle: str | None
    authors: list[str]
    column: str | None
    date: str
    date_origin: str
    original_text: str
    text: str
    script: str
    fingerprint: str
    paragraphs: list[tuple[int, int, str]]  # (start, end, kind) offsets into text
    captions: list[tuple[str, str | None]]
    sketch: list[int]
    # FTS columns (words, grams) and the Han character set; None for a near-duplicate
    index: tuple[str, str, str, str, str] | None
    duplicate_of: int | None = None
    similarity: float | None = None
    extraction: ExtractionRows | None = None  # None for a near-duplicate, or not extracted


class Store:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._writer = asyncio.Lock()
        # Bumped by every change to the articles or what was extracted from them made
        # through this store, so answers cached in this process know they are out of date.
        self.library_edits = 0

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            folders = [path.parent, *path.parent.parents]
            blocker = next((p for p in folders if p.exists() and not p.is_dir()), path.parent)
            raise StoreError(f"无法打开数据库 {path}：{blocker} 是文件，不是文件夹。") from exc
        except PermissionError as exc:
            raise StoreError(f"无法打开数据库 {path}：没有权限创建文件夹 {exc.filename}。") from exc
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"无法打开数据库 {path}：{exc}") from exc
        store = cls(conn, path)
        try:
            await store._configure()
            await store._migrate()
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise StoreError.on_open(path, exc) from exc
        return store

    async def close(self) -> None:
        await self.conn.close()

    async def _configure(self) -> None:
        # Used by migration 0004 to index the characters of articles stored before it.
        await self.conn.create_function(
            "han_set", 1, lambda text: han_set(to_simplified(text).lower()), deterministic=True
        )
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA foreign_keys = ON",
            f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}",
            "PRAGMA synchronous = NORMAL",
            # An ingest batch dirties the growing edge of a dozen tables and indexes and leaves
            # of the place-code indexes; the default 2 MB cache spilled them to the WAL again
            # and again within one transaction (1.9 GB written for 10k articles, 1.1 GB with
            # this 32 MB, allocated only as pages are used).
            "PRAGMA cache_size = -32768",
        ):
            await self.conn.execute(pragma)

    async def _migrate(self) -> None:
        ((current,),) = await self.conn.execute_fetchall("PRAGMA user_version")
        pending = [(version, sql) for version, sql in migrations() if version > current]
        if pending and current > 0:
            await self._back_up(self.path.with_name(f"{self.path.name}.v{current}.bak"))
        for version, sql in pending:
            async with self.transaction():
                # executescript would commit our transaction; run statements one by one.
                for statement in _statements(sql):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {version}")

    async def _back_up(self, target: Path) -> None:
        """A consistent copy of the database as it was before a schema upgrade, so an
        upgrade that goes wrong (or a rollback to the older casebot) loses nothing."""
        target.unlink(missing_ok=True)
        await self.conn.execute("VACUUM INTO ?", (str(target),))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        await self.begin()
        try:
            yield
        except BaseException:
            await self.rollback()
            raise
        await self.commit()

    # One connection serves every coroutine of the process (the bot handles an upload while
    # it answers searches), and SQLite has one transaction per connection: a second BEGIN
    # waits here until the first transaction ends.
    async def begin(self) -> None:
        await self._writer.acquire()
        try:
            await self._begin_immediate()
        except BaseException:
            self._writer.release()
            raise

    async def _begin_immediate(self) -> None:
        """BEGIN IMMEDIATE, waiting out a lock SQLite reports without waiting itself: while
        another coroutine's SELECT is between its steps on this connection, its snapshot
        may be older than another process's commit, and SQLite answers "database is locked"
        at once instead of calling the busy handler. The SELECT ends in milliseconds."""
        delay = 0.005
        waited = 0.0
        while True:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or waited >= BUSY_TIMEOUT_S:
                    raise
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 0.2)

    async def commit(self) -> None:
        try:
            await self.conn.execute("COMMIT")
        except BaseException:
            await self._roll_back_if_open()
            raise
        finally:
            self._writer.release()

    async def rollback(self) -> None:
        try:
            await self._roll_back_if_open()
        finally:
            self._writer.release()

    async def _roll_back_if_open(self) -> None:
        # SQLite has already rolled back after some errors (a full disk, for one); a second
        # ROLLBACK would fail and hide the error that matters.
        if self.conn.in_transaction:
            await self.conn.execute("ROLLBACK")

    # --- ingest ---------------------------------------------------------------------

    async def known_fingerprints(self, fingerprints: Sequence[str]) -> set[str]:
        rows = await self.conn.execute_fetchall(
            f"SELECT fingerprint FROM articles WHERE fingerprint IN ({_marks(fingerprints)})",
            fingerprints,
        )
        return {r[0] for r in rows}

    async def sketch_matches(self, keys: Sequence[int]) -> dict[int, list[int]]:
        """For each sketch band key, the stored originals that share it."""
        if not keys:
            return {}
        rows = await self.conn.execute_fetchall(
            f"SELECT hash, article_id FROM article_sketch WHERE hash IN ({_marks(keys)})", keys
        )
        found: dict[int, list[int]] = {}
        for key, article_id in rows:
            found.setdefault(key, []).append(article_id)
        return found

    async def article_texts(self, ids: Iterable[int]) -> dict[int, str]:
        ids = list(ids)
        if not ids:
            return {}
        rows = await self.conn.execute_fetchall(
            f"SELECT id, text FROM articles WHERE id IN ({_marks(ids)})", ids
        )
        return {r[0]: r[1] for r in rows}

    async def add_file(self, file: dict[str, Any], articles: Sequence[StoredArticle]) -> int:
        """Store one source file with its articles, in the caller's transaction."""
        ((file_id,),) = await self.conn.execute_fetchall(
            "INSERT INTO source_files (path, name, sha256, format, encoding, size, source, url,"
            " ingested_at) VALUES (:path, :name, :sha256, :format, :encoding, :size, :source,"
            " :url, :ingested_at) RETURNING id",
            file,
        )
        ((last_id,),) = await self.conn.execute_fetchall(
            "SELECT coalesce(max(id), 0) FROM articles"
        )
        ids = range(last_id + 1, last_id + 1 + len(articles))
        now = file["ingested_at"]
        await self.conn.executemany(
            "INSERT INTO articles (id, file_id, seq, title, subtitle, authors, column_name, date,"
            " date_origin, original_text, text, script, fingerprint, duplicate_of, similarity,"
            " created_at, extract_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    file_id,
                    a.seq,
                    a.title,
                    a.subtitle,
                    _json(a.authors),
                    a.column,
                    a.date,
                    a.date_origin,
                    a.original_text,
                    a.text,
                    a.script,
                    a.fingerprint,
                    a.duplicate_of,
                    a.similarity,
                    now,
                    a.extraction.version if a.extraction else 0,
                )
                for i, a in zip(ids, articles, strict=True)
            ],
        )
        await self.conn.executemany(
            "INSERT INTO paragraphs (article_id, idx, start, end, kind) VALUES (?, ?, ?, ?, ?)",
            [
                (i, n, s, e, k)
                for i, a in zip(ids, articles, strict=True)
                for n, (s, e, k) in enumerate(a.paragraphs)
            ],
        )
        await self.conn.executemany(
            "INSERT INTO captions (article_id, text, credit) VALUES (?, ?, ?)",
            [(i, t, c) for i, a in zip(ids, articles, strict=True) for t, c in a.captions],
        )
        originals = [(i, a) for i, a in zip(ids, articles, strict=True) if a.index is not None]
        await self.conn.executemany(
            "INSERT OR IGNORE INTO article_sketch (hash, article_id) VALUES (?, ?)",
            [(h, i) for i, a in originals for h in a.sketch],
        )
        await self.conn.executemany(
            "INSERT INTO article_fts (rowid, title_words, body_words, title_grams, body_grams)"
            " VALUES (?, ?, ?, ?, ?)",
            [(i, *a.index[:4]) for i, a in originals if a.index],
        )
        await self.conn.executemany(
            "INSERT INTO article_chars (rowid, chars) VALUES (?, ?)",
            [(i, a.index[4]) for i, a in originals if a.index],
        )
        await self.write_extractions(
            [(i, a.extraction) for i, a in originals if a.extraction], fresh=True
        )
        return file_id

    async def write_extractions(
        self, items: Sequence[tuple[int, ExtractionRows]], *, fresh: bool = False
    ) -> None:
        """Replace what was extracted from these articles, in the caller's transaction
        (`fresh`: the articles were just added with their extract_version, there is nothing
        to replace)."""
        self.library_edits += 1
        if not items:
            return
        if not fresh:
            ids = [(i,) for i, _ in items]
            for table in ("article_extracts", "article_places", "cases", "article_topics"):
                await self.conn.executemany(f"DELETE FROM {table} WHERE article_id = ?", ids)
            await self.conn.executemany(
                "UPDATE articles SET extract_version = ? WHERE id = ?",
                [(x.version, i) for i, x in items],
            )
        for sql, values in zip(_EXTRACTION_INSERTS, _extraction_values(items), strict=True):
            await self.conn.executemany(sql, values)
        ids = [i for i, _ in items]
        originals = await self.conn.execute_fetchall(
            f"SELECT id, date FROM articles WHERE id IN ({_marks(ids)}) AND duplicate_of IS NULL",
            ids,
        )
        await self.conn.executemany(
            "INSERT INTO stat_counts (topic, code, date, articles, cases) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (topic, code, date) DO UPDATE"
            " SET articles = articles + excluded.articles, cases = cases + excluded.cases",
            stat_additions(items, dict(originals)),
        )

    async def stale_extractions(self, version: int, *, everything: bool) -> list[int]:
        """Original articles whose extraction is older than `version` (or all of them)."""
        rows = await self.conn.execute_fetchall(
            "SELECT id FROM articles WHERE duplicate_of IS NULL AND (? OR extract_version < ?)"
            " ORDER BY id",
            (everything, version),
        )
        return [r[0] for r in rows]

    async def article_titles_texts(self, ids: Sequence[int]) -> list[tuple[int, str, str]]:
        rows = await self.conn.execute_fetchall(
            f"SELECT id, title, text FROM articles WHERE id IN ({_marks(ids)}) ORDER BY id", ids
        )
        return [(r[0], r[1], r[2]) for r in rows]

    # --- reading --------------------------------------------------------------------

    async def list_articles(self) -> list[dict[str, Any]]:
        """Every stored article in file order."""
        return await self._article_rows("ORDER BY a.file_id, a.seq")

    async def articles_by_id(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        rows = await self._article_rows(f"WHERE a.id IN ({_marks(ids)})", ids, with_text=True)
        return {r["article_id"]: r for r in rows}

    async def _article_rows(
        self, tail: str, params: Sequence[Any] = (), *, with_text: bool = False
    ) -> list[dict[str, Any]]:
        text = ", a.text, a.script" if with_text else ""
        rows = await self.conn.execute_fetchall(
            "SELECT a.id, a.title, a.subtitle, a.authors, a.column_name, a.date, f.name,"
            f" f.source, f.url, a.duplicate_of{text} FROM articles a"
            f" JOIN source_files f ON f.id = a.file_id {tail}",
            params,
        )
        keys = [
            "article_id",
            "title",
            "subtitle",
            "authors",
            "column",
            "date",
            "source_file",
            "source",
            "url",
            "duplicate_of",
        ] + (["text", "script"] if with_text else [])
        out = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["authors"] = json.loads(item["authors"])
            out.append(item)
        return out

    async def article_extraction(self, article_id: int) -> dict[str, list[dict[str, Any]]]:
        """The stored extraction of one article: places, mentions, figures, cases, topics."""
        queries = {
            "places": "SELECT code, level, prefecture, is_primary, mentions FROM article_places"
            " WHERE article_id = ? ORDER BY is_primary DESC, mentions DESC, code",
            "cases": f"{_CASES} WHERE c.article_id = ? ORDER BY c.seq",
            "topics": "SELECT topic FROM article_topics WHERE article_id = ? ORDER BY rank",
        }
        stored = {key: await self._dicts(sql, (article_id,)) for key, sql in queries.items()}
        rows = await self.conn.execute_fetchall(
            "SELECT mentions, figures FROM article_extracts WHERE article_id = ?", (article_id,)
        )
        mentions, figures = rows[0] if rows else ("[]", "[]")
        return {
            **stored,
            "mentions": [dict(zip(_MENTION_FIELDS, m, strict=True)) for m in json.loads(mentions)],
            "figures": [dict(zip(_FIGURE_FIELDS, f, strict=True)) for f in json.loads(figures)],
        }

    async def list_cases(
        self, *, place_codes: Sequence[str] = (), topic: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Cases, newest article first; `place_codes` keeps those in any of these divisions
        (a division's code prefixes its descendants'), `topic` those tagged with it."""
        where, params = ["a.duplicate_of IS NULL"], []
        if place_codes:
            under, under_params = _under(place_codes, "c.place")
            where.append(under)
            params += under_params
        if topic:
            where.append("EXISTS (SELECT 1 FROM json_each(c.topics) WHERE value = ?)")
            params.append(topic)
        sql = f"{_CASES} WHERE {' AND '.join(where)} ORDER BY a.date DESC, c.id LIMIT ?"
        return await self._dicts(sql, (*params, limit))

    async def _dicts(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        cursor = await self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = await cursor.fetchall()
        await cursor.close()
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def count_articles(self) -> int:
        ((n,),) = await self.conn.execute_fetchall("SELECT count(*) FROM articles")
        return n

    # --- search ---------------------------------------------------------------------

    async def search_articles(
        self,
        match: str | None,
        rank_match: str | None,
        where: SearchFilter,
        limit: int,
        named: str | None = None,
    ) -> tuple[int, list[tuple[int, float]]]:
        """The number of matches (counted up to COUNT_CAP + 1) and the best `limit` of
        (article_id, score), then the newest `limit` of the candidates mainly about the
        filter's places that are not among them, at the lowest score of the best.

        With an FTS5 expression, only the newest CANDIDATES matches are ranked, so a query
        matching most of the library costs what one matching CANDIDATES articles does.
        Up to FULL_RANK of them are ranked by BM25 over `match`; more, and matches of
        `rank_match` (the words-only expression, cheap to rank) come first by BM25, then
        the others by BM25 over `match`. The articles mainly about the filter's places are
        added so that the rerank sees them: a place filter keeps every article naming the
        place, and the few about it may rank far down among those naming it once. Without
        an expression, see `_filtered`, where `named` ranks.
        """
        if not match:
            return await self._filtered(where, limit, named)
        common = await self._common_places(where)
        conditions, params = _filter_sql(where, "article_fts.rowid", common)
        rows = await self.conn.execute_fetchall(
            f"SELECT rowid FROM article_fts WHERE article_fts MATCH ? AND {conditions}"
            f" ORDER BY rowid DESC LIMIT {COUNT_CAP + 1}",
            (match, *params),
        )
        # Every filter is applied once, above; ranking reads only these candidates.
        candidates = [r[0] for r in rows[:CANDIDATES]]
        if not candidates:
            return 0, []
        ranked: list[tuple[int, float]] = []
        # Few candidates: BM25 over the whole expression, words and substrings alike (a text
        # jieba cut another way is not ranked below every word match). Many: words first.
        passes = (match,) if len(candidates) <= FULL_RANK else (rank_match, match)
        for expression in passes:
            if expression is None or len(ranked) >= limit:
                continue
            found = await self._bm25_among(expression, candidates, limit)
            seen = {i for i, _ in ranked}
            ranked += [(i, score) for i, score in found if i not in seen]
        ranked = ranked[:limit]
        seen = {i for i, _ in ranked}
        about = [i for i in await self._about(where, candidates) if i not in seen]
        # At the pool's lowest score: BM25 among a few ids costs what it costs among all the
        # matches (FTS5 filters rowids after ranking), up to 80 ms on 100,000 articles.
        floor = min((score for _, score in ranked), default=0.0)
        ranked += [(i, floor) for i in sorted(about, reverse=True)[:limit]]
        return len(rows), ranked

    async def _filtered(
        self, where: SearchFilter, limit: int, named: str | None
    ) -> tuple[int, list[tuple[int, float]]]:
        """Articles meeting the filters alone: of the newest CANDIDATES, those mainly about
        the filter's places first, then by BM25 over `named` (the places' names, also where
        they are part of a longer name), then the newest."""
        common = await self._common_places(where)
        conditions, params = _filter_sql(where, "a.id", common)
        rows = await self.conn.execute_fetchall(
            f"SELECT a.id FROM articles a WHERE {conditions}"
            f" ORDER BY a.date DESC, a.id DESC LIMIT {COUNT_CAP + 1}",
            params,
        )
        newest = [r[0] for r in rows[:CANDIDATES]]
        about = await self._about(where, newest)
        scores = dict(await self._bm25_among(named, newest)) if named and newest else {}
        best = sorted(newest, key=lambda i: (-about.get(i, 0), -scores.get(i, 0.0)))[:limit]
        return len(rows), [(i, about.get(i, 0) + scores.get(i, 0.0)) for i in best]

    async def _about(self, where: SearchFilter, ids: list[int]) -> dict[int, int]:
        """Of `ids`, those mainly about the filter's places, with how many of them."""
        about: dict[int, int] = {}
        for codes, _ in where.places if ids else ():
            under, under_params = _under(codes, "code")
            found = await self.conn.execute_fetchall(
                "SELECT DISTINCT article_id FROM article_places WHERE is_primary AND"
                f" {under} AND article_id IN (SELECT value FROM json_each(?))",
                (*under_params, json.dumps(ids)),
            )
            for (article_id,) in found:
                about[article_id] = about.get(article_id, 0) + 1
        return about

    async def _bm25_among(
        self, expression: str, ids: list[int], limit: int = -1
    ) -> list[tuple[int, float]]:
        """(id, BM25 score) of those of `ids` matching `expression`, best first, at most
        `limit` (-1: all). The rowid bound lets FTS5 skip the doclists below the ids."""
        rows = await self.conn.execute_fetchall(
            "SELECT rowid, -rank FROM article_fts WHERE article_fts MATCH ?"
            " AND rowid >= ? AND +rowid IN (SELECT value FROM json_each(?))"
            " ORDER BY rank LIMIT ?",
            (expression, min(ids), json.dumps(ids), limit),
        )
        return [(r[0], float(r[1])) for r in rows]

    async def _common_places(self, where: SearchFilter) -> set[int]:
        """Which of the filter's places the library names often (COMMON_PLACE rows or more):
        cheaper checked article by article than read whole (see `_filter_sql`)."""
        common = set()
        for n, (codes, _) in enumerate(where.places):
            under, under_params = _under(codes, "code")
            ((rows,),) = await self.conn.execute_fetchall(
                f"SELECT count(*) FROM (SELECT 1 FROM article_places WHERE {under}"
                f" LIMIT {COMMON_PLACE})",
                under_params,
            )
            if rows >= COMMON_PLACE:
                common.add(n)
        return common

    async def matches_any(self, match: str) -> bool:
        rows = await self.conn.execute_fetchall(
            "SELECT 1 FROM article_fts WHERE article_fts MATCH ? LIMIT 1", (match,)
        )
        return bool(rows)

    async def article_places_of(self, ids: Sequence[int]) -> dict[int, list[tuple[str, bool]]]:
        """(code, is_primary) of the places each article names, primary ones first."""
        rows = await self.conn.execute_fetchall(
            f"SELECT article_id, code, is_primary FROM article_places WHERE article_id IN"
            f" ({_marks(ids)}) ORDER BY article_id, is_primary DESC, mentions DESC",
            ids,
        )
        out: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
        for article_id, code, primary in rows:
            out[article_id].append((code, bool(primary)))
        return out

    async def topics_of(self, ids: Sequence[int]) -> dict[int, list[str]]:
        rows = await self.conn.execute_fetchall(
            f"SELECT article_id, topic FROM article_topics WHERE article_id IN ({_marks(ids)})"
            " ORDER BY article_id, rank",
            ids,
        )
        out: dict[int, list[str]] = {}
        for article_id, topic in rows:
            out.setdefault(article_id, []).append(topic)
        return out

    async def cases_of(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        return await self._dicts(
            f"{_CASES} WHERE c.article_id IN ({_marks(ids)}) ORDER BY c.article_id, c.seq", ids
        )

    async def duplicate_counts(self, ids: Sequence[int]) -> dict[int, int]:
        """How many stored near-duplicates each of these articles has."""
        rows = await self.conn.execute_fetchall(
            f"SELECT duplicate_of, count(*) FROM articles WHERE duplicate_of IN ({_marks(ids)})"
            " GROUP BY duplicate_of",
            ids,
        )
        return {r[0]: r[1] for r in rows}

    async def vocabulary(self, min_docs: int = 2) -> list[str]:
        """Words of the index (jieba words of titles and bodies) in at least `min_docs`
        articles, most frequent first."""
        rows = await self.conn.execute_fetchall(
            "SELECT term FROM article_vocab WHERE col IN ('title_words', 'body_words')"
            " GROUP BY term HAVING sum(doc) >= ? ORDER BY sum(doc) DESC",
            (min_docs,),
        )
        return [r[0] for r in rows]

    async def data_version(self) -> int:
        """Changes whenever the article table does: what cached search data is keyed on."""
        ((n, top),) = await self.conn.execute_fetchall(
            "SELECT count(*), coalesce(max(id), 0) FROM articles"
        )
        return n * 1_000_003 + top

    async def integrity_check(self) -> str:
        ((result,),) = await self.conn.execute_fetchall("PRAGMA integrity_check")
        return result

    # --- bot: members, audit log, saved queries, chats ------------------------------

    async def members(self) -> list[dict[str, Any]]:
        return await self._dicts(
            "SELECT kind, id, role, label, added_by, added_at FROM members ORDER BY kind, id", ()
        )

    async def member_role(self, kind: str, member_id: int) -> str | None:
        rows = await self.conn.execute_fetchall(
            "SELECT role FROM members WHERE kind = ? AND id = ?", (kind, member_id)
        )
        return rows[0][0] if rows else None

    async def put_member(
        self, kind: str, member_id: int, role: str, label: str | None, added_by: int | None, at: str
    ) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO members (kind, id, role, label, added_by, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET"
                " role = excluded.role, label = coalesce(excluded.label, label)",
                (kind, member_id, role, label, added_by, at),
            )

    async def remove_member(self, kind: str, member_id: int) -> bool:
        async with self.transaction():
            cursor = await self.conn.execute(
                "DELETE FROM members WHERE kind = ? AND id = ?", (kind, member_id)
            )
        return cursor.rowcount > 0

    async def audit(
        self, at: str, actor: int | None, chat: int | None, action: str, detail: str
    ) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO audit_log (at, actor, chat, action, detail) VALUES (?, ?, ?, ?, ?)",
                (at, actor, chat, action, detail),
            )

    async def audit_entries(self, limit: int) -> list[dict[str, Any]]:
        return await self._dicts(
            "SELECT at, actor, chat, action, detail FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )

    async def save_query(self, key: str, query: str, at: str) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO saved_queries (key, query, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (key, query, at),
            )

    async def saved_query(self, key: str) -> str | None:
        rows = await self.conn.execute_fetchall(
            "SELECT query FROM saved_queries WHERE key = ?", (key,)
        )
        return rows[0][0] if rows else None

    async def forget_queries_before(self, at: str) -> int:
        async with self.transaction():
            cursor = await self.conn.execute(
                "DELETE FROM saved_queries WHERE created_at < ?", (at,)
            )
        return cursor.rowcount

    async def put_chat(
        self, chat_id: int, type_: str, title: str, bot_status: str, at: str
    ) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO chats (id, type, title, bot_status, updated_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title,"
                " bot_status = excluded.bot_status, updated_at = excluded.updated_at",
                (chat_id, type_, title, bot_status, at),
            )

    async def chats(self, type_: str | None = None) -> list[dict[str, Any]]:
        return await self._dicts(
            f"{_CHATS} WHERE ? IS NULL OR type = ? ORDER BY title, id", (type_, type_)
        )

    async def chat(self, chat_id: int) -> dict[str, Any] | None:
        rows = await self._dicts(f"{_CHATS} WHERE id = ?", (chat_id,))
        return rows[0] if rows else None


# chats.settings is read only by migration 0009, which turned its switches into
# subscriptions.
_CHATS = "SELECT id, type, title, bot_status, updated_at FROM chats"

CANDIDATES = 2000  # newest matches a search ranks
# Matches are counted as far as they are ranked; more are reported as COUNT_CAP + 1 (shown
# as "2000 余"): counting further would cost every query what the broadest one costs.
COUNT_CAP = CANDIDATES
FULL_RANK = 500  # candidates few enough to rank by BM25 over the whole expression
COMMON_PLACE = 4000  # article_places rows under a place that make it common (see _filter_sql)


@dataclass(frozen=True)
class SearchFilter:
    """What search results must satisfy besides the FTS5 expression."""

    # Each entry is required: the article names a division under one of the codes, or its
    # text matches the FTS5 expression (the place's name, where extraction did not count it).
    places: tuple[tuple[tuple[str, ...], str | None], ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    column: str | None = None
    topic: str | None = None
    exclude: str | None = None  # FTS5 expression of what must not match (no positive match)
    chars: str | None = None  # article_chars expression: one-character words required


def _filter_sql(
    f: SearchFilter,
    id_column: str,
    common: Collection[int] = (),
) -> tuple[str, list[Any]]:
    """The filters as conditions on an article id. Each is a set of ids read once from its
    index (the `+` keeps SQLite from probing an FTS5 table once per id), so a filter costs
    what its set does, however many articles the query's words match. Places in `common`
    are the exception: read whole, their sets would cost more than checking, article by
    article, the few newest matches a search needs; for them only what extraction resolved
    counts, not the bare name (a widely named place is rarely missed by extraction)."""
    where = [f"+{id_column} NOT IN (SELECT id FROM articles WHERE duplicate_of IS NOT NULL)"]
    params: list[Any] = []

    def within(subquery: str, *values: Any, negate: bool = False) -> None:
        where.append(f"+{id_column} {'NOT ' if negate else ''}IN ({subquery})")
        params.extend(values)

    if f.date_from or f.date_to:
        within(
            "SELECT id FROM articles WHERE date >= ? AND date <= ?",
            f.date_from or "",
            f.date_to or "9999",
        )
    if f.column:
        within("SELECT id FROM articles WHERE column_name LIKE ?", f"%{f.column}%")
    if f.topic:
        within("SELECT article_id FROM article_topics WHERE topic = ?", f.topic)
    for n, (codes, literal) in enumerate(f.places):
        under, under_params = _under(codes, "code")
        if n in common:
            where.append(
                f"EXISTS (SELECT 1 FROM article_places WHERE article_id = {id_column} AND {under})"
            )
            params.extend(under_params)
            continue
        subquery = f"SELECT article_id FROM article_places WHERE {under}"
        if literal:
            subquery += " UNION ALL SELECT rowid FROM article_fts WHERE article_fts MATCH ?"
        within(subquery, *under_params, *([literal] if literal else []))
    if f.exclude:
        within("SELECT rowid FROM article_fts WHERE article_fts MATCH ?", f.exclude, negate=True)
    if f.chars:
        within("SELECT rowid FROM article_chars WHERE article_chars MATCH ?", f.chars)
    return " AND ".join(where), params


def _under(codes: Sequence[str], column: str) -> tuple[str, list[str]]:
    """`column` is one of the codes or a descendant's (a code prefixes its descendants';
    codes are digits, and ':' sorts right after '9'). Empty codes match nothing."""
    if not codes:
        return "0", []
    sql = " OR ".join(f"({column} >= ? AND {column} < ?)" for _ in codes)
    return f"({sql})", [v for c in codes for v in (c, c + ":")]


_CASES = (
    "SELECT c.id AS case_id, c.article_id, a.title, a.date, c.actor, c.place, c.place_name,"
    " c.prefecture, c.practice, c.summary, c.speaker_name, c.speaker_title, c.first_paragraph,"
    " c.last_paragraph, c.figures, c.topics FROM cases c JOIN articles a ON a.id = c.article_id"
)


# article_extracts holds mentions and figures as JSON arrays of these fields, in this order.
_MENTION_FIELDS = (
    "name", "code", "level", "prefecture", "parent", "paragraph", "start", "end", "inferred",
    "ambiguous", "candidates",
)  # fmt: skip
_FIGURE_FIELDS = ("text", "value", "unit", "counts", "paragraph", "start", "end")
# One C call per object instead of a getattr per field: rows are built for every article.
_MENTION_VALUES = attrgetter(*_MENTION_FIELDS)
_FIGURE_VALUES = attrgetter(*_FIGURE_FIELDS)


@dataclass(frozen=True, slots=True)
class ExtractionRows:
    """An article's extraction as the values of its rows, without the article id. Built
    in the ingest workers: plain tuples cross the process boundary far more cheaply than
    the extraction's objects, and the single writer only binds them."""

    mentions: str  # JSON, as in article_extracts
    figures: str
    places: list[tuple[Any, ...]]
    cases: list[tuple[Any, ...]]
    topics: list[str]
    version: int


def extraction_rows(x: Extraction, version: int) -> ExtractionRows:
    return ExtractionRows(
        mentions=_json(list(map(_MENTION_VALUES, x.mentions))),
        figures=_json(list(map(_FIGURE_VALUES, x.figures))),
        places=[(p.code, p.level, p.prefecture, p.primary, p.mentions) for p in x.places],
        cases=[_case_row(seq, c) for seq, c in enumerate(x.cases)],
        topics=list(x.topics),
        version=version,
    )


def _case_row(seq: int, c: Case) -> tuple[Any, ...]:
    speaker = c.speaker
    return (
        seq, c.actor, c.place, c.place_name, c.prefecture, c.practice, c.summary,
        speaker.name if speaker else None, speaker.title if speaker else None,
        c.paragraphs[0], c.paragraphs[1], _json([_figure_json(f) for f in c.figures]),
        _json(c.topics),
    )  # fmt: skip


_CASE_PLACE = 2  # in a row of _case_row: the code of the case's place

_EXTRACTION_INSERTS = (
    "INSERT INTO article_extracts (article_id, mentions, figures) VALUES (?, ?, ?)",
    "INSERT INTO article_places (article_id, code, level, prefecture, is_primary, mentions)"
    " VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO cases (article_id, seq, actor, place, place_name, prefecture, practice,"
    " summary, speaker_name, speaker_title, first_paragraph, last_paragraph, figures, topics)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO article_topics (article_id, rank, topic) VALUES (?, ?, ?)",
)


def _extraction_values(items: Sequence[tuple[int, ExtractionRows]]) -> list[list[tuple[Any, ...]]]:
    """The values for each of _EXTRACTION_INSERTS, in that order."""
    return [
        [(i, x.mentions, x.figures) for i, x in items],
        [(i, *row) for i, x in items for row in x.places],
        [(i, *row) for i, x in items for row in x.cases],
        [(i, r, t) for i, x in items for r, t in enumerate(x.topics)],
    ]


def stat_additions(
    items: Sequence[tuple[int, ExtractionRows]], dates: dict[int, str]
) -> list[tuple[str, str, str, int, int]]:
    """What these articles add to stat_counts, as (topic, code, date, articles, cases), by the
    rules of migration 0008: an original article (one with a date in `dates`) counts once at
    each of its primary places and each case with a place counts there, under topic '' and
    under each of the article's topics. Near-duplicates never count."""
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for article_id, x in items:
        if (date := dates.get(article_id)) is None:
            continue
        primary = [code for code, _level, _prefecture, is_primary, _n in x.places if is_primary]
        cases = Counter(row[_CASE_PLACE] for row in x.cases if row[_CASE_PLACE] is not None)
        for topic in ("", *x.topics):
            for code in primary:
                sums[topic, code, date][0] += 1
            for code, n in cases.items():
                sums[topic, code, date][1] += n
    return [(*key, articles, cases) for key, (articles, cases) in sums.items()]


def _figure_json(f: Any) -> dict[str, Any]:
    return {"text": f.text, "value": f.value, "unit": f.unit, "counts": f.counts}


# json.dumps with an option builds an encoder per call; ingest encodes ~10 values an article.
# Without the spaces after separators: place mentions and figures are arrays of short
# fields, whose JSON the spaces made an eighth longer.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    return _JSON.encode(value)


def _marks(items: Sized) -> str:
    return ", ".join("?" * len(items))


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (sqlite3.complete_statement knows quoting)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
