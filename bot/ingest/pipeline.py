"""The ingest pipeline: files in, one transaction per file out.

Parsing, splitting and segmentation are pure and CPU-bound, so they run in worker
processes (`prepare_file`); the parent only decides duplicates and writes, in file order.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import resource
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from bot.extract.article import EXTRACT_VERSION, extract_articles
from bot.extract.places import get_place_matcher
from bot.ingest.model import ArticleDraft, RejectedFile
from bot.ingest.normalize import compact_simplified, compact_text, fingerprint_compact
from bot.ingest.readers import (
    SUPPORTED_SUFFIXES,
    date_from_filename,
    date_in_text,
    read_document,
    without_dateline,
)
from bot.ingest.reextract import redate
from bot.ingest.split import split_page
from bot.names import path_text
from bot.segment import get_segmenter, grams, han_set
from bot.store import Store, StoreError, database_errors, edits
from bot.store.articles import ExtractionRows, StoredArticle, extraction_rows
from bot.text import is_traditional, to_simplified

log = logging.getLogger(__name__)

# Near-duplicate candidates: one-permutation MinHash over character shingles, in LSH bands.
# Two texts whose shingle sets have Jaccard similarity s share a band with probability
# 1 - (1 - s^4)^6: 0.998 at s = 0.9 and 0.96 at s = 0.8 (a lightly edited repost), 0.05 at
# s = 0.3 (articles sharing stock sentences), so candidates stay few and rapidfuzz decides.
SHINGLE = 6  # characters per shingle
BINS, ROWS = 24, 4  # 24 MinHash bins, grouped 4 to a band: 6 band keys per article
MAX_CANDIDATES = 3  # per article, those sharing the most band keys
# Files per transaction. Each file goes in whole or not at all either way; fewer commits
# let FTS5 flush larger segments instead of merging thousands of tiny ones.
BATCH_FILES = 25
# Other writers (the bot saving a search, a digest's delivery log) wait for a batch to
# commit; a busy machine must not stretch that wait towards their busy timeout.
BATCH_SECONDS = 0.5
WORKER_NICENESS = 10
# Longer articles are refused: the longest of the sample pages has 5,452 characters; a
# whole book or a page without breaks is not one report (and would open as 1,000 messages).
MAX_ARTICLE_CHARS = 100_000
_EMPTY = 1 << 32


@dataclass
class PreparedArticle:
    draft: ArticleDraft
    text: str
    compact: str  # simplified, no spaces or punctuation: what duplicates are judged on
    fingerprint: str
    script: str
    sketch: list[int]
    index: tuple[str, str, str, str, str]
    extraction: ExtractionRows | None  # None when ingest skips extraction


@dataclass
class PreparedFile:
    path: Path
    sha256: str
    size: int
    format: str
    encoding: str | None
    date: str
    date_origin: str
    articles: list[PreparedArticle]
    url: str | None = None  # a web page's address, stored as the file's path
    page_url: str | None = None  # the address an HTML page gives itself (canonical link)
    source: str | None = None  # the publisher the file's metadata names


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    # duplicates re-ingested with --date another day: {"article_id", "from", "to"}
    redated: list[dict[str, object]] = field(default_factory=list)
    replaced: int = 0  # articles of an earlier, shorter version of a file, now replaced

    def as_json(self) -> dict[str, object]:
        return {
            "files": self.files,
            "added": self.added,
            "duplicates": self.duplicates,
            "near_duplicates": self.near_duplicates,
            "rejected": self.rejected,
            "redated": self.redated,
            "replaced": self.replaced,
        }


# --- worker side: pure --------------------------------------------------------------


def prepare_file(
    path: Path, max_bytes: int, forced_date: str | None, today: str, extract: bool
) -> PreparedFile:
    """Read, split and segment one file. Raises RejectedFile."""
    raw = read_document(path, max_bytes)
    drafts = split_page(without_dateline(raw.text))
    if not drafts:
        raise RejectedFile(path, "未找到可识别的文章内容")
    for n, draft in enumerate(drafts, start=1):
        if len(draft.body) > MAX_ARTICLE_CHARS:
            raise RejectedFile(path, _too_long(n, draft))
    day, origin = _pick_date(path, raw.text, raw.date, forced_date, today)
    return PreparedFile(
        path=path,
        sha256=raw.sha256,
        size=raw.size,
        format=raw.format,
        encoding=raw.encoding,
        date=day,
        date_origin=origin,
        articles=prepare_articles(drafts, extract),
        page_url=raw.url,
        source=raw.source,
    )


def _too_long(n: int, draft: ArticleDraft) -> str:
    return (
        f"第 {n} 篇文章《{draft.title[:30]}》有 {len(draft.body):,} 字，超过单篇上限 "
        f"{MAX_ARTICLE_CHARS:,} 字：可能不是报道正文，或多篇文章之间没有空行和标题分隔。"
        "请检查文件后重新导入"
    )


def prepare_articles(drafts: list[ArticleDraft], extract: bool = True) -> list[PreparedArticle]:
    """Index terms (and extraction) of a file's articles.

    Extraction is a second pass over the file's articles rather than a step of each: run
    between segmentations, it found its automata and tables pushed out of the CPU caches by
    jieba's dictionary every time, and cost a fifth to a third more CPU."""
    simplified = [(to_simplified(d.title), to_simplified(d.body)) for d in drafts]
    articles = [_prepare_article(d, *s) for d, s in zip(drafts, simplified, strict=True)]
    if extract:
        texts = [(a.draft.title, a.text) for a in articles]
        for article, found in zip(articles, extract_articles(texts, simplified), strict=True):
            article.extraction = extraction_rows(found, EXTRACT_VERSION)
    return articles


def _prepare_article(draft: ArticleDraft, title_s: str, text_s: str) -> PreparedArticle:
    """An article ready to store but for its extraction; `title_s` and `text_s` are its
    title and text in simplified script."""
    text = draft.body
    compact = compact_simplified(text_s or title_s)
    traditional = is_traditional(draft.title + text, simplified=title_s + text_s)
    return PreparedArticle(
        draft=draft,
        text=text,
        compact=compact,
        fingerprint=fingerprint_compact(compact),
        script="traditional" if traditional else "simplified",
        sketch=sketch(compact),
        index=index_terms(title_s, text_s),
        extraction=None,
    )


def index_columns(title: str, text: str) -> tuple[str, str, str, str, str]:
    """The search index columns of a stored article (title and text as stored)."""
    return index_terms(to_simplified(title), to_simplified(text))


def index_terms(title_s: str, text_s: str) -> tuple[str, str, str, str, str]:
    """What the search index holds for an article, from its title and text in simplified
    script: title words, body words, title grams, body grams (article_fts) and characters
    (article_chars)."""
    seg = get_segmenter()
    return (
        " ".join(seg.words(title_s)),
        " ".join(seg.words(text_s)),
        " ".join(grams(title_s)),
        " ".join(grams(text_s)),
        han_set(f"{title_s} {text_s}".lower()),
    )


def sketch(compact: str) -> list[int]:
    """LSH band keys of the text: near-duplicates share at least one, others rarely do."""
    mins = [_EMPTY] * BINS
    for i in range(max(1, len(compact) - SHINGLE + 1)):
        h = zlib.crc32(compact[i : i + SHINGLE].encode())
        b, v = h % BINS, h // BINS
        if v < mins[b]:
            mins[b] = v
    keys = []
    for band in range(BINS // ROWS):
        values = mins[band * ROWS : (band + 1) * ROWS]
        if _EMPTY not in values:  # a text too short to fill the band says nothing
            keys.append(band << 32 | zlib.crc32(repr(values).encode()))
    return keys


def _pick_date(
    path: Path, text: str, meta: date | None, forced: str | None, today: str
) -> tuple[str, str]:
    if forced:
        return forced, "option"
    if found := date_from_filename(path.name):
        return found.isoformat(), "filename"
    # A dateline is the document's own statement of its date, as its metadata is, and the
    # surer one: the origin schema (0001's CHECK) has no value of its own for it.
    if found := date_in_text(text):
        return found.isoformat(), "metadata"
    if meta:
        return meta.isoformat(), "metadata"
    return today, "ingest"


def _article_date(file: PreparedFile, draft: ArticleDraft) -> tuple[str, str]:
    """The date printed with the article (`发布时间：…`) beats what the file's metadata or
    the ingest day says; one the user gave, as an option or in the file name, beats it. It
    is stored as `metadata`: the page's own metadata line."""
    if draft.published and file.date_origin in ("metadata", "ingest"):
        return draft.published[:10], "metadata"
    return file.date, file.date_origin


def limited_pool(memory_limit_mb: int, workers: int = 1) -> ProcessPoolExecutor:
    """Worker processes of at most `memory_limit_mb` of address space each, for files from
    people who may not be trusted: a file that needs more fails there (MemoryError, which
    frees what the file took), not in the bot."""
    return ProcessPoolExecutor(
        max_workers=workers,
        # Spawned, not forked: a fork starts with the parent's address space (the bot's can
        # be larger than the limit), a new interpreter with only what it imports.
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_limited_worker,
        initargs=(memory_limit_mb * 1024 * 1024,),
    )


def init_limited_worker(memory_bytes: int) -> None:
    """init_worker in a process that cannot grow past `memory_bytes` of address space: a
    file that would need more ends in MemoryError there, not in the bot."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    init_worker()


def init_worker() -> None:
    """Load the dictionary and the place automaton once per worker, before the first file.
    Workers yield the CPU to the bot: an ingest is a batch job, a reply is awaited."""
    os.nice(WORKER_NICENESS)
    get_segmenter()
    get_place_matcher()


# --- parent side --------------------------------------------------------------------


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the supported files inside folders (sorted, hidden ones skipped).
    Pipes, devices and sockets in a folder are yielded too, and links to nothing, so the
    reader refuses them by name (reading a pipe could block forever) rather than their
    being left out unsaid."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if hidden or child.is_dir():
                    continue
                supported = child.suffix.lower() in SUPPORTED_SUFFIXES
                special = not child.is_file() and child.exists()
                dangling = child.is_symlink() and not child.exists() and supported
                if special or dangling or (child.is_file() and supported):
                    yield child
        else:
            yield path


class Ingestor:
    """Decides duplicates and writes prepared files, one transaction each."""

    def __init__(self, store: Store, near_ratio: float, source: str | None) -> None:
        self.store = store
        self.near_ratio = near_ratio
        self.source = source
        self.report = IngestReport()
        self.open_batch = False
        self.files_in_batch = 0
        self.batch_started = 0.0

    async def write(self, prepared: PreparedFile) -> None:
        """Store one file whole, inside the current batch transaction."""
        if not self.open_batch:
            await self.store.begin()
            self.open_batch = True
            self.batch_started = time.monotonic()
        try:
            await self.add(prepared)
        except BaseException:
            await self.close_batch(commit=False)
            raise
        self.files_in_batch += 1
        held = time.monotonic() - self.batch_started
        if self.files_in_batch >= BATCH_FILES or held >= BATCH_SECONDS:
            await self.close_batch(commit=True)

    async def close_batch(self, *, commit: bool) -> None:
        if self.open_batch:
            # Marked closed first: a failed COMMIT has already rolled back and must not be
            # rolled back again by the caller's cleanup.
            self.open_batch, self.files_in_batch = False, 0
            await (self.store.commit() if commit else self.store.rollback())

    async def add(self, prepared: PreparedFile) -> int | None:
        """Store one file in the caller's transaction: the id of its row, or None when it
        only repeated stored articles. Articles an earlier, shorter version of the file cut
        short are replaced first."""
        replaced = await self._replaced(prepared)
        await edits.remove_articles(
            self.store,
            [
                (i, index_columns(title, text) if indexed else None)
                for i, title, text, indexed in replaced
            ],
        )
        self.report.replaced += len(replaced)
        known = await self.store.known_fingerprints([a.fingerprint for a in prepared.articles])
        if known and prepared.date_origin == "option":
            await self._redate(prepared, known)
        fresh: list[tuple[int, PreparedArticle]] = []
        for seq, article in enumerate(prepared.articles):
            if article.fingerprint in known:
                self.report.duplicates += 1
            else:
                known.add(article.fingerprint)
                fresh.append((seq, article))
        originals = await self._near_duplicates([a for _, a in fresh])
        rows = [
            stored_article(seq, prepared, article, *original)
            for (seq, article), original in zip(fresh, originals, strict=True)
        ]
        self.report.near_duplicates += sum(1 for o, _ in originals if o is not None)
        self.report.added += len(rows)
        if not rows:  # a file that only repeats stored articles leaves no trace
            return None
        return await self.store.add_file(self._file_row(prepared), rows)

    async def _replaced(self, prepared: PreparedFile) -> list[tuple[int, str, str, bool]]:
        """The stored articles this file replaces: when an earlier version from the same
        path is the start of this one (the file grew, e.g. it was still being written
        then), its articles that this version no longer has word for word were cut short."""
        earlier = await self.store.earlier_versions(path_text(prepared.path), prepared.size)
        grown = [i for i, size, sha in earlier if _prefix_sha256(prepared.path, size) == sha]
        if not grown:
            return []
        kept = [(a.fingerprint, a.draft.title) for a in prepared.articles]
        return await self.store.replaced_articles(grown, kept)

    async def _near_duplicates(
        self, articles: list[PreparedArticle]
    ) -> list[tuple[int | None, float | None]]:
        """For each article, the stored original it nearly repeats (id, rapidfuzz ratio).

        Candidates share a sketch band key; only articles of earlier files are candidates, as
        a page does not print one story twice. Two round trips per file, whatever its size.
        """
        keys = sorted({k for a in articles for k in a.sketch})
        by_key = await self.store.sketch_matches(keys)
        candidates = [
            [
                i
                for i, _ in Counter(i for k in a.sketch for i in by_key.get(k, ())).most_common(
                    MAX_CANDIDATES
                )
            ]
            for a in articles
        ]
        wanted = {i for ids in candidates for i in ids}
        texts = {i: compact_text(t) for i, t in (await self.store.article_texts(wanted)).items()}
        found: list[tuple[int | None, float | None]] = []
        for article, ids in zip(articles, candidates, strict=True):
            best: tuple[int | None, float | None] = (None, None)
            for article_id in ids:
                ratio = fuzz.ratio(article.compact, texts[article_id])
                if ratio >= self.near_ratio and (best[1] is None or ratio > best[1]):
                    best = (article_id, round(ratio, 1))
            found.append(best)
        return found

    async def _redate(self, prepared: PreparedFile, known: set[str]) -> None:
        """`--date` given for articles already stored under another day: the person says
        when they were published, so the stored articles move to that day (rather than
        being skipped as duplicates with the wrong date kept)."""
        stored = await edits.dated_fingerprints(self.store, sorted(known))
        for article_id, day in stored.values():
            if day != prepared.date:
                article = await edits.article_row(self.store, article_id)
                assert article is not None
                await redate(self.store, article, prepared.date)
                self.report.redated.append(
                    {"article_id": article_id, "from": day, "to": prepared.date}
                )

    def _file_row(self, prepared: PreparedFile) -> dict[str, object]:
        return {
            "path": prepared.url or path_text(prepared.path),
            "name": path_text(prepared.path.name),
            "sha256": prepared.sha256,
            "format": prepared.format,
            "encoding": prepared.encoding,
            "size": prepared.size,
            "source": self.source or prepared.source,  # --source wins over metadata
            "url": prepared.url or prepared.page_url,
            "ingested_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }


def _prefix_sha256(path: Path, size: int) -> str | None:
    try:
        with path.open("rb") as handle:
            return hashlib.sha256(handle.read(size)).hexdigest()
    except OSError:
        return None


def stored_article(
    seq: int, file: PreparedFile, a: PreparedArticle, original: int | None, ratio: float | None
) -> StoredArticle:
    offsets, pos = [], 0
    for p in a.draft.paragraphs:
        offsets.append((pos, pos + len(p.text), p.kind))
        pos += len(p.text) + 1
    day, origin = _article_date(file, a.draft)
    return StoredArticle(
        seq=seq,
        title=a.draft.title,
        subtitle=a.draft.subtitle,
        authors=a.draft.authors,
        column=a.draft.column,
        date=day,
        date_origin=origin,
        original_text=a.draft.original,
        text=a.text,
        script=a.script,
        fingerprint=a.fingerprint,
        paragraphs=offsets,
        captions=[(c.text, c.credit) for c in a.draft.captions],
        sketch=a.sketch,
        index=a.index if original is None else None,
        duplicate_of=original,
        similarity=ratio,
        extraction=a.extraction if original is None else None,
    )


async def ingest_paths(
    store: Store,
    paths: Iterable[Path],
    *,
    max_bytes: int,
    near_ratio: float,
    timezone: str,
    forced_date: str | None = None,
    source: str | None = None,
    workers: int = 0,
    extract: bool = True,
    progress: Callable[[int], None] | None = None,
    pool: Executor | None = None,
) -> IngestReport:
    """Ingest files and folders; bad files are reported and skipped, the rest go on.
    Without `extract`, articles are stored unextracted for `casebot reindex` to finish.
    `pool`: worker processes the caller owns and keeps (the bot's limited_pool for
    uploads); without it, a pool is made for large batches and shut down after."""
    files = list(expand_paths(paths))
    today = datetime.now(ZoneInfo(timezone)).date().isoformat()
    ingestor = Ingestor(store, near_ratio, source)
    ingestor.report.files = len(files)
    workers = workers or os.cpu_count() or 1
    executor: Executor | None = None
    if pool is None and len(files) >= 4 and workers > 1:
        executor = ProcessPoolExecutor(max_workers=workers, initializer=init_worker)
    loop = asyncio.get_running_loop()
    # A bounded window of files in flight keeps memory flat on huge batches.
    window = 2 * workers
    pending: deque[tuple[Path, asyncio.Future[PreparedFile]]] = deque()
    try:
        for path in files:
            job = (prepare_file, path, max_bytes, forced_date, today, extract)
            pending.append((path, loop.run_in_executor(pool or executor, *job)))
            if len(pending) >= window:
                await _finish(ingestor, *pending.popleft(), progress)
        while pending:
            await _finish(ingestor, *pending.popleft(), progress)
        await ingestor.close_batch(commit=True)
    except database_errors() as exc:
        raise StoreError.on_write(exc) from exc
    finally:
        await ingestor.close_batch(commit=False)
        if executor:
            executor.shutdown(cancel_futures=True)
    return ingestor.report


async def _finish(
    ingestor: Ingestor,
    path: Path,
    future: asyncio.Future[PreparedFile],
    progress: Callable[[int], None] | None,
) -> None:
    if not future.done():
        # Commit rather than hold the write lock while the workers catch up: the bot and
        # other writers of the database wait on it (busy_timeout), searches included.
        await ingestor.close_batch(commit=True)
    try:
        prepared = await future
    except RejectedFile as exc:
        ingestor.report.rejected.append({"file": path_text(path), "reason": exc.reason})
    except (MemoryError, BrokenProcessPool):  # past the worker's memory limit
        reason = "文件过于复杂，处理时超过内存上限，未导入。请拆分成几个较小的文件再导入"
        ingestor.report.rejected.append({"file": path_text(path), "reason": reason})
    except Exception as exc:  # a bug or a dead worker must not stop the batch
        log.exception("preparing %s failed", path)
        reason = f"处理文件时出错（{type(exc).__name__}），其余文件继续导入"
        ingestor.report.rejected.append({"file": path_text(path), "reason": reason})
    else:
        await ingestor.write(prepared)
    if progress:
        progress(1)
