"""`casebot reindex`: extract again from stored articles, in batches of whole articles.

Each batch is one transaction: an interrupted run leaves every article with either its old
or its new extraction, and the next run picks up where this one stopped.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

from bot.extract.article import EXTRACT_VERSION
from bot.ingest.pipeline import init_worker
from bot.ingest.reextract import extract_batch, with_edits
from bot.store import Store
from bot.store.articles import ExtractionRows

BATCH = 200  # articles per transaction and per worker task


async def reindex(
    store: Store,
    *,
    everything: bool = False,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-extract articles whose extraction is stale (or all); returns how many."""
    ids = await store.stale_extractions(EXTRACT_VERSION, everything=everything)
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    workers = workers or os.cpu_count() or 1
    executor: Executor | None = None
    if len(batches) > 1 and workers > 1:
        executor = ProcessPoolExecutor(max_workers=workers, initializer=init_worker)
    loop = asyncio.get_running_loop()
    pending: deque[asyncio.Future[list[tuple[int, ExtractionRows]]]] = deque()

    async def write_oldest() -> None:
        done = await pending.popleft()
        async with store.transaction():
            await store.write_extractions(await with_edits(store, done))
        if progress:
            progress(len(done))

    try:
        for batch in batches:
            items = await store.article_titles_texts(batch)
            pending.append(loop.run_in_executor(executor, extract_batch, items))
            if len(pending) >= 2 * workers:
                await write_oldest()
        while pending:
            await write_oldest()
    finally:
        if executor:
            executor.shutdown(cancel_futures=True)
    return len(ids)
