"""SQLite and PostgreSQL side by side: ingest throughput, search latency with one client and
with several at once, and the substring-recall check, on the same synthetic corpus.

The corpus and the ingest are ingest_bench.py's, the queries, the timing and the recall check
search_bench.py's. Each backend gets a fresh library: the SQLite file bench/out/ingest_N.db,
and a new database on the PostgreSQL server at `--db-url` (a user who may create
databases, as CASEBOT_TEST_PG_URL; the database is dropped at the end), or, without it, on
a throwaway cluster started on 127.0.0.1 as the tests start theirs (tests/postgres.py).
The concurrent clients are separate processes, each with its own store, as bot replicas
(or one bot's users) would be; they start their timed runs together.

    python bench/backends_bench.py [--articles N] [--db-url postgresql://...] [--runs R]
                                   [--clients C] [--workers W]
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from queue import Queue

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from ingest_bench import MB, OUT, IngestRun, build, db_path, db_size, print_ingest
from search_bench import LIMIT, QUERIES, bench, percentiles, recall_text

from bot.search import search
from bot.store import Store
from bot.values import redacted
from tests.postgres import drop_database, ensure_server_bindir, fresh_database, start_cluster


@dataclass(frozen=True)
class BackendRun:
    name: str
    ingest: IngestRun
    size: int  # bytes of the library
    one: list[float]  # ms of each search, one client
    recall: str
    many: list[float]  # ms of each search, all clients together
    many_seconds: float  # from the start of the concurrent runs to the last client's end


@contextmanager
def postgres_server(url: str | None) -> Iterator[str]:
    """The server's URL: `url`, or a throwaway cluster's, stopped (and removed) after."""
    if url:
        yield url
        return
    cluster = start_cluster(ensure_server_bindir())
    try:
        yield cluster.url
    finally:
        cluster.stop()


def client(target: Path | str, runs: int, ready: Barrier, results: Queue) -> None:
    """One search client in its own process: a warm-up round over the queries, then, once
    every client is ready, `runs` timed rounds."""
    asyncio.run(_client(target, runs, ready, results))


async def _client(target: Path | str, runs: int, ready: Barrier, results: Queue) -> None:
    store = await Store.open(target)
    try:
        for query in QUERIES:
            await search(store, query, limit=LIMIT)
        ready.wait()  # blocks this process's only loop: nothing else runs in it
        samples, began = [], time.perf_counter()
        for _ in range(runs):
            for query in QUERIES:
                start = time.perf_counter()
                await search(store, query, limit=LIMIT)
                samples.append((time.perf_counter() - start) * 1000)
        results.put((samples, time.perf_counter() - began))
    finally:
        await store.close()


def concurrent_searches(target: Path | str, clients: int, runs: int) -> tuple[list[float], float]:
    """Every client's search times, and the seconds until the last client finished."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(clients), context.Queue()
    workers = [
        context.Process(target=client, args=(target, runs, ready, results)) for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    done = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return [ms for samples, _ in done for ms in samples], max(s for _, s in done)


def run_backend(
    name: str, target_url: str | None, articles: int, workers: int, runs: int, clients: int
) -> BackendRun:
    print(f"--- {name}: ingest", file=sys.stderr)
    ingested = build(OUT, articles, workers, db_url=target_url)
    target = ingested.db
    print(f"--- {name}: search, one client", file=sys.stderr)
    results = asyncio.run(bench(target, runs))
    print(f"--- {name}: search, {clients} clients", file=sys.stderr)
    many, seconds = concurrent_searches(target, clients, runs)
    return BackendRun(
        name,
        ingested,
        db_size(target),
        [ms for r in results for ms in r.ms["full"]],
        recall_text(results),
        many,
        seconds,
    )


def print_runs(found: list[BackendRun], workers: int, runs: int, clients: int) -> None:
    for run in found:
        where = redacted(run.ingest.db) if isinstance(run.ingest.db, str) else run.ingest.db
        print(f"== {run.name} ({where}, {run.size / MB:.1f} MB)")
        print_ingest(run.ingest, workers)
        p50, p95, p99 = percentiles(run.one)
        print(
            f"search, 1 client: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms"
            f" ({len(QUERIES)} queries x {runs} runs)"
        )
        p50, p95, p99 = percentiles(run.many)
        rate = len(run.many) / run.many_seconds
        print(
            f"search, {clients} clients at once: p50 {p50:.1f} ms, p95 {p95:.1f} ms,"
            f" p99 {p99:.1f} ms, {rate:.0f} searches/s in all"
        )
        print(f"substring recall: {run.recall}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument(
        "--db-url", metavar="URL",
        help="a PostgreSQL server (a user who may create databases); default: a throwaway one",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=5, help="rounds of the queries per client")
    parser.add_argument("--clients", type=int, default=4, help="concurrent search clients")
    parser.add_argument("--workers", type=int, default=0, help="ingest workers, 0 = one per core")
    args = parser.parse_args()
    if args.runs < 1 or args.clients < 1:
        parser.error("--runs and --clients must be at least 1")
    with postgres_server(args.db_url) as server:
        database = fresh_database(server)
        try:
            found = [
                run_backend(name, url, args.articles, args.workers, args.runs, args.clients)
                for name, url in (("sqlite", None), ("postgresql", database))
            ]
        finally:
            drop_database(server, database)
    print_runs(found, args.workers, args.runs, args.clients)
    print(f"(SQLite library kept at {db_path(OUT, args.articles)})")


if __name__ == "__main__":
    main()
