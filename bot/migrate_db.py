"""`casebot migrate-db`: a SQLite library copied into an empty PostgreSQL database, then
verified (row counts of every table, and searches that must find the same articles).

Every row keeps its id, so links, subscriptions and the delivery log mean the same after
the move. The search index is not copied (FTS5's is contentless and PostgreSQL's is another
structure): it is rebuilt from each article's stored title and text with the function
ingest and corrections index with. The whole copy is one transaction on the target: a
failure, or Ctrl-C, leaves it empty."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.ingest.pipeline import index_columns, init_worker
from bot.search import search
from bot.segment import get_segmenter
from bot.store import Store, database_errors, transfer
from bot.store.search import IndexTerms
from bot.store.transfer import INDEX_TABLES, RUNNER_TABLES, Table

BATCH_ROWS = 2000  # rows read and written at a time
ARTICLE_BATCH_ROWS = 200  # articles are ~4 KB of text each, and are indexed per batch
PROBE_ARTICLES = 5  # searches compared after the copy
PROBE_LIMIT = 50


class MigrationError(Exception):
    """The copy cannot be made; the message is for the user (Chinese). Nothing was written."""


@dataclass(frozen=True)
class Count:
    source: int
    target: int

    @property
    def same(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class SearchCheck:
    """A search run on both libraries: the same total and, when the total fits in one
    page, the same articles (the two backends rank by different formulas, so the order of
    a longer list may differ)."""

    query: str
    source_total: int
    target_total: int
    source_ids: list[int]
    target_ids: list[int]
    error: str = ""  # the target's search failed: why

    @property
    def same(self) -> bool:
        if self.error or self.source_total != self.target_total:
            return False
        return self.source_total > PROBE_LIMIT or set(self.source_ids) == set(self.target_ids)


@dataclass
class MigrationReport:
    tables: dict[str, Count] = field(default_factory=dict)
    index: Count = Count(0, 0)  # articles in the search index
    words: Count = Count(0, 0)  # distinct words in it (what typos are corrected towards)
    same_words: bool = True  # and the same words on both sides
    sequences: list[str] = field(default_factory=list)  # tables whose ids were moved on
    searches: list[SearchCheck] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        counts = [*self.tables.values(), self.index, self.words]
        searches = all(s.same for s in self.searches)
        return all(c.same for c in counts) and self.same_words and searches

    def as_json(self) -> dict[str, Any]:
        return {
            "tables": {
                name: {"source": c.source, "target": c.target} for name, c in self.tables.items()
            },
            "index": {"source": self.index.source, "target": self.index.target},
            "words": {
                "source": self.words.source,
                "target": self.words.target,
                "same": self.same_words,
            },
            "searches": [
                {
                    "query": s.query,
                    "source": {"total": s.source_total, "ids": s.source_ids},
                    "target": {"total": s.target_total, "ids": s.target_ids},
                    "same": s.same,
                    "error": s.error,
                }
                for s in self.searches
            ],
            "sequences": self.sequences,
            "seconds": round(self.seconds, 1),
            "ok": self.ok,
        }


async def migrate_library(
    path: Path,
    url: str,
    *,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> MigrationReport:
    """Open the SQLite library at `path` and the PostgreSQL database at `url`, copy."""
    source = await Store.open(path)
    try:
        target = await Store.open(url)
        try:
            return await migrate(source, target, workers=workers, progress=progress)
        finally:
            await target.close()
    finally:
        await source.close()


async def migrate(
    source: Store,
    target: Store,
    *,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> MigrationReport:
    """Copy `source` (SQLite) into `target` (an empty PostgreSQL library) and verify the
    copy. `progress` is called with the number of articles copied in each batch."""
    if (source.dialect, target.dialect) != ("sqlite", "postgresql"):
        raise MigrationError("migrate-db 只能把 SQLite 数据库文件复制到 PostgreSQL 数据库。")
    started = time.perf_counter()
    report = MigrationReport()
    tables = await transfer.source_tables(source)
    columns = await transfer.target_columns(target)
    workers = workers or os.cpu_count() or 1
    pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker)
    # The source's write lock is held throughout: one consistent state is copied, and
    # nothing written to the old library meanwhile could be left behind unnoticed.
    await source.begin()
    try:
        counts = {t.name: await transfer.count_rows(source, t.name) for t in tables}
        indexed = await transfer.indexed_ids(source)
        async with target.transaction():
            await _refuse_if_not_empty(target, columns)
            _check_schemas(tables, columns)
            checks = await transfer.unvalidated_checks(target)
            for table_name, name, _ in checks:
                await transfer.drop_check(target, table_name, name)
            for table in tables:
                booleans = {c for c, kind in columns[table.name].items() if kind == "boolean"}
                index = indexed if table.name == "articles" else None
                try:
                    await _copy(source, target, table, booleans, index, pool, workers, progress)
                except database_errors() as exc:
                    raise MigrationError(
                        f"复制表 {table.name} 时出错，已全部撤销，目标数据库未写入任何数据"
                        f"（{str(exc).strip()}）。"
                    ) from exc
            for check in checks:
                await transfer.add_check(target, *check)
            report.sequences = await transfer.advance_identities(target)
    finally:
        await source.rollback()
        pool.shutdown(cancel_futures=True)
    for table in tables:
        target_count = await transfer.count_rows(target, table.name)
        report.tables[table.name] = Count(counts[table.name], target_count)
    report.index = Count(len(indexed), await transfer.count_rows(target, INDEX_TABLES[0]))
    before, after = set(await source.vocabulary(1)), set(await target.vocabulary(1))
    report.words, report.same_words = Count(len(before), len(after)), before == after
    report.searches = await compare_searches(source, target, await probe_queries(source, indexed))
    report.seconds = time.perf_counter() - started
    return report


def _check_schemas(tables: Sequence[Table], columns: dict[str, dict[str, str]]) -> None:
    """Both libraries have the same tables and columns (both casebots migrated to the same
    version), or nothing is copied."""
    ours = {t.name: set(t.columns) for t in tables}
    theirs = {
        name: set(cols)
        for name, cols in columns.items()
        if name not in INDEX_TABLES and name not in RUNNER_TABLES
    }
    if ours != theirs:
        differ = sorted(n for n in ours.keys() | theirs.keys() if ours.get(n) != theirs.get(n))
        raise MigrationError(
            f"两个数据库的表结构不一致（{'、'.join(differ)}），无法复制。"
            "请确认两边由同一版本的 casebot 创建。"
        )


async def _refuse_if_not_empty(target: Store, columns: dict[str, dict[str, str]]) -> None:
    filled = []
    for name in sorted(columns, key=lambda name: (name != "articles", name)):
        if name not in RUNNER_TABLES and (n := await transfer.count_rows(target, name)):
            filled.append(f"{name} {n} 行")
    if filled:
        raise MigrationError(
            f"目标数据库不是空的（{'，'.join(filled[:5])}{'…' if len(filled) > 5 else ''}），"
            "未复制任何内容。migrate-db 只向新建的空数据库复制：请新建一个数据库"
            "（如 createdb casebot_new）后重试。"
        )


async def _copy(
    source: Store,
    target: Store,
    table: Table,
    booleans: set[str],
    indexed: set[int] | None,
    pool: Executor,
    workers: int,
    progress: Callable[[int], None] | None,
) -> None:
    """One table, a batch at a time in key order. Columns referencing the table's own rows
    (an article's duplicate_of) are filled after all rows are in, as the row referred to
    may come later. The articles of `indexed` are indexed batch by batch: the workers
    compute a batch's index columns while this process writes the batch before it (its
    tsvectors are built here, by the target's index_articles)."""
    limit = ARTICLE_BATCH_ROWS if indexed is not None else BATCH_ROWS
    positions = {c: n for n, c in enumerate(table.columns)}
    flags = [positions[c] for c in booleans]
    later = [positions[c] for c in table.self_refs]
    key = [positions[c] for c in table.key]
    deferred: dict[str, list[tuple[Any, tuple[Any, ...]]]] = {c: [] for c in table.self_refs}
    pending: asyncio.Future[list[tuple[int, IndexTerms]]] | None = None
    after = None
    try:
        while rows := await transfer.read_batch(source, table, after, limit):
            after = [rows[-1][n] for n in key]
            out = []
            for row in rows:
                values = list(row)
                for n in flags:
                    values[n] = None if values[n] is None else bool(values[n])
                for column, n in zip(table.self_refs, later, strict=True):
                    if values[n] is not None:
                        deferred[column].append((values[n], tuple(values[k] for k in key)))
                        values[n] = None
                out.append(values)
            await transfer.write_rows(target, table, out)
            if indexed is not None:
                id_, title, text = (positions[c] for c in ("id", "title", "text"))
                chosen = [(r[id_], r[title], r[text]) for r in rows if r[id_] in indexed]
                job = asyncio.ensure_future(_index_terms(chosen, pool, workers))
                if pending is not None:
                    await target.index_articles(await pending)
                pending = job
                if progress:
                    progress(len(rows))
        if pending is not None:
            await target.index_articles(await pending)
            pending = None
    finally:
        if pending is not None:
            pending.cancel()
    for column, values in deferred.items():
        if values:
            await transfer.set_column(target, table, column, values)


async def _index_terms(
    rows: list[tuple[int, str, str]], pool: Executor, workers: int
) -> list[tuple[int, IndexTerms]]:
    """The index columns of these articles, computed by the worker processes."""
    if not rows:
        return []
    loop = asyncio.get_running_loop()
    share = -(-len(rows) // workers)
    parts = [rows[n : n + share] for n in range(0, len(rows), share)]
    done = await asyncio.gather(*(loop.run_in_executor(pool, index_rows, p) for p in parts))
    return [item for part in done for item in part]


def index_rows(rows: list[tuple[int, str, str]]) -> list[tuple[int, IndexTerms]]:
    """(id, index columns) of (id, title, text) rows; runs in a worker process."""
    return [(i, index_columns(title, text)) for i, title, text in rows]


async def probe_queries(
    store: Store, indexed: Collection[int], n: int = PROBE_ARTICLES
) -> list[str]:
    """Searches to compare: the two longest words of the titles of `n` indexed articles
    spread over the library (few articles match both, so the whole result set is
    compared)."""
    ids = sorted(indexed)
    chosen = ids[:: max(1, len(ids) // n)][:n]
    queries = []
    for _, title, _ in await store.article_titles_texts(chosen) if chosen else ():
        words = sorted(
            {w for w in get_segmenter().words(title) if len(w) >= 2}, key=lambda w: (-len(w), w)
        )
        if words:
            queries.append(" ".join(words[:2]))
    return queries


async def compare_searches(
    source: Store, target: Store, queries: Sequence[str]
) -> list[SearchCheck]:
    checks = []
    for query in queries:
        before = await search(source, query, limit=PROBE_LIMIT)
        found = [h.article_id for h in before.hits]
        try:
            after = await search(target, query, limit=PROBE_LIMIT)
        except database_errors() as exc:  # the copy is made; say what the search could not do
            checks.append(SearchCheck(query, before.total, 0, found, [], str(exc).strip()))
            continue
        ids = [h.article_id for h in after.hits]
        checks.append(SearchCheck(query, before.total, after.total, found, ids))
    return checks


def summary_text(report: MigrationReport, source: str, target: str) -> str:
    """The report in Chinese: a line per table, the index, the searches, the verdict."""
    lines = [
        f"已将 {source} 复制到 {target}（用时 {report.seconds:.1f} 秒）。",
        "各表行数（源 → 目标）：",
    ]
    for name, c in report.tables.items():
        lines.append(f"  {name}：{c.source} → {c.target}{'' if c.same else '  ✗ 不一致'}")
    i = report.index
    lines.append(f"检索索引：{i.source} → {i.target} 篇{'' if i.same else '  ✗ 不一致'}")
    w, same = report.words, report.same_words and report.words.same
    lines.append(f"索引词表：{w.source} → {w.target} 个词{'，一致' if same else '  ✗ 不一致'}")
    for s in report.searches:
        if s.error:
            lines.append(f"检索“{s.query}”：目标数据库检索出错  ✗ {s.error.splitlines()[0]}")
            continue
        mark = "一致" if s.same else "✗ 不一致"
        lines.append(f"检索“{s.query}”：{s.source_total} → {s.target_total} 篇，{mark}")
    if report.ok:
        lines.append("校验通过：行数、索引与检索结果一致。")
    else:
        lines.append("校验未通过：见上面标 ✗ 的项目。目标数据库已写入，请检查后删除重建再试。")
    return "\n".join(lines)
