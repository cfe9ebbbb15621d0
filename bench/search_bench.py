"""Search latency of the full path next to the raw FTS5 query, and the substring-recall check.

For every query (after one warm-up round), R timed runs of:

* full: `await search(store, q, limit=10)`: parse, FTS5, rank, rows and snippets via aiosqlite;
* raw: the same MATCH string run directly with the stdlib `sqlite3` (page of 10 and count);
* jieba: a plain-jieba baseline: the query's jieba tokens ANDed over the word columns only.

Then, untimed, the number of articles whose text contains every query term as a plain
substring (a scan over the articles; numbers only whole) next to the number the index
matches for the query's words and to the hits search reports.
Uses the database built by ingest_bench.py, building it if it is missing. With `--db-url`,
the PostgreSQL library there (built by `ingest_bench.py --db-url`): the full path and the
recall check only, raw and jieba being FTS5 queries.

    python bench/search_bench.py [--db PATH | --db-url postgresql://...] [--articles N] [--runs R]
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from ingest_bench import OUT, build, db_path

from bot.search import parse_query, search
from bot.search.expression import WORDS, term_expression
from bot.segment import get_segmenter
from bot.store import Store
from bot.store.search import COUNT_CAP
from bot.values import redacted

# What a propaganda staffer types: topics, places, slogans, names; one or two characters,
# several words, a quoted phrase, and a few rare or absent terms.
QUERIES = (
    "党建引领",
    "集体经济",
    "赤峰",
    "嘎查 集体经济",
    "葡萄",
    "知",
    "党",
    "村",
    "鄂尔多斯 非公党建",
    "第一书记",
    "三会一课",
    '"路线决定方向"',
    "为老餐厅",
    "党群服务站",
    "基层治理",
    "乡村振兴 产业",
    "光伏",
    "养老服务",
    "杭锦旗",
    "查干沐沦苏木",
    "巴林右旗 查干沐沦苏木",
    "一肩挑",
    "党建联合体",
    "锡盟",
    "兴安盟",
    "包头",
    "呼和浩特 社区",
    "阿拉善 高新区",
    "牧民 增收",
    "红色物业",
    "网格化管理",
    "组织振兴",
    "人才 返乡",
    "党员 志愿服务",
    "合作社 分红",
    "民族团结",
    "清廉",
    "四风",
    "全面从严治党",
    "高质量发展",
    "习近平新时代中国特色社会主义思想",
    "支部 标准化",
    "数字乡村",
    "十四五",
    "乌云毕力格",
    "2024",
    "碳中和",
    "冰雪旅游",
)
LIMIT = 10
SCAN_BATCH = 1000  # articles read at a time by the substring scan
TARGET_RATIO = 1.5
TARGET_P99_MS = 60.0
# The page of ranked rowids and the total in one statement, as the store asks for them:
# cheaper than a separate count(*), so the full/raw ratio is not flattered.
RAW_QUERY = (
    "SELECT rowid, rank, count(*) OVER () FROM article_fts WHERE article_fts MATCH ?"
    f" ORDER BY rank LIMIT {LIMIT}"
)


@dataclass
class QueryResult:
    query: str
    hits: int = 0  # total our search reports
    jieba_hits: int = 0  # total of the plain-jieba baseline
    substring: int = 0  # articles holding every term as a plain substring
    matched: int = 0  # articles the raw expression matches (uncounted by search past a cap)
    ms: dict[str, list[float]] = field(default_factory=lambda: {"full": [], "raw": [], "jieba": []})


def raw_expression(query: str) -> str | None:
    """Every query word as a jieba word or a substring (a one-character word as a prefix of
    the bigrams), all required: the FTS5 query search() would run without its filters,
    place rules, character index and bounded ranking."""
    parts = [term_expression(t) for t in parse_query(query).terms]
    return " AND ".join(p for p in parts if p) or None


def jieba_expression(query: str) -> str | None:
    """The baseline MATCH string: every jieba token of the query, in the word columns."""
    tokens = get_segmenter().cut(query)
    if not tokens:
        return None
    quoted = " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)
    return f"{WORDS} : ({quoted})"


def run_fts(conn: sqlite3.Connection, expression: str | None) -> int:
    """One page of ranked rowids and the total number of matches."""
    if expression is None:
        return 0
    rows = conn.execute(RAW_QUERY, (expression,)).fetchall()
    return rows[0][2] if rows else 0


def substring_ids(conn: sqlite3.Connection, query: str) -> list[int]:
    """Indexed articles (near-duplicates are not) whose title or text holds every term:
    what search must find (bench/search_eval.py checks the same)."""
    terms = [t.text for t in parse_query(query).terms]
    if not terms:
        return []
    conn.create_function("holds", 2, holds, deterministic=True)
    condition = " AND ".join(["holds(lower(title || ' ' || text), ?)"] * len(terms))
    sql = f"SELECT id FROM articles WHERE duplicate_of IS NULL AND {condition}"
    return [r[0] for r in conn.execute(sql, terms)]


def holds(text: str, term: str) -> bool:
    """`term` is a substring of `text`; a number only as a whole number (the documented
    rule: 2024 does not find 第12024批)."""
    if term.isdigit():
        return re.search(rf"(?<!\d){term}(?!\d)", text) is not None
    return term in text


async def measure(
    store: Store, conn: sqlite3.Connection | None, query: str, runs: int
) -> QueryResult:
    """R runs of the full path, and of the raw and jieba FTS5 queries given `conn`."""
    result = QueryResult(query)
    raw = raw_expression(query)
    baseline = jieba_expression(query)
    for _ in range(runs):
        start = time.perf_counter()
        page = await search(store, query, limit=LIMIT)
        result.ms["full"].append(_ms_since(start))
        if conn is None:
            continue
        start = time.perf_counter()
        run_fts(conn, raw)
        result.ms["raw"].append(_ms_since(start))
        start = time.perf_counter()
        result.jieba_hits = run_fts(conn, baseline)
        result.ms["jieba"].append(_ms_since(start))
    result.hits = page.total
    return result


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


async def bench(db: Path | str, runs: int) -> list[QueryResult]:
    """Every query timed on the library at `db` (a SQLite file or a PostgreSQL URL), then
    its recall."""
    store = await Store.open(db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True) if isinstance(db, Path) else None
    try:
        for query in QUERIES:  # warm-up: dictionaries, gazetteer, page caches
            await measure(store, conn, query, 1)
        results = [await measure(store, conn, query, runs) for query in QUERIES]
        substrings = await substring_counts(store, QUERIES)
        for result in results:
            result.substring = substrings[result.query]
            expression = raw_expression(result.query)
            result.matched = await store.count_matches(expression) if expression else 0
    finally:
        if conn is not None:
            conn.close()
        await store.close()
    return results


async def substring_counts(store: Store, queries: Sequence[str]) -> dict[str, int]:
    """For each query, the indexed articles (near-duplicates are not) whose title or text
    holds every term (`holds`), in one pass over the articles, whichever the backend."""
    terms = {q: [t.text for t in parse_query(q).terms] for q in queries}
    counts = dict.fromkeys(queries, 0)
    ids = [a["article_id"] for a in await store.list_articles() if a["duplicate_of"] is None]
    for start in range(0, len(ids), SCAN_BATCH):
        for _, title, text in await store.article_titles_texts(ids[start : start + SCAN_BATCH]):
            lowered = f"{title} {text}".lower()
            for query, words in terms.items():
                counts[query] += bool(words) and all(holds(lowered, w) for w in words)
    return counts


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def print_queries(results: list[QueryResult]) -> None:
    """One line per query; the query goes last, as Han characters are double width."""
    header = ("hits", "matched", "substr", "jieba", "full p50 ms", "raw p50 ms", "query")
    print("{:>7} {:>7} {:>7} {:>7}  {:>11}  {:>10}  {}".format(*header))
    for r in results:
        mark = (
            "" if r.matched == r.substring else "  MISSED" if r.matched < r.substring else "  more"
        )
        full = statistics.median(r.ms["full"])
        raw = f"{statistics.median(r.ms['raw']):>10.2f}" if r.ms["raw"] else f"{'-':>10}"
        print(
            f"{r.hits:>7} {r.matched:>7} {r.substring:>7} {r.jieba_hits:>7}  {full:>11.2f}  "
            f"{raw}  {r.query}{mark}"
        )
    print(
        f"(hits: what search() reports, counted up to {COUNT_CAP:,} and filtered by its rules;"
        " matched: what its words match; MISSED: fewer matched than articles holding every"
        " term; more: synonyms and other place names)"
    )


def print_summary(results: list[QueryResult], runs: int) -> tuple[float | None, float]:
    """Print latency percentiles and recall agreement; the full/raw ratio at p99 (None
    without raw FTS5 timings) and the full path's p99."""
    print(f"latency over {len(results)} queries x {runs} runs (ms):")
    p99 = {}
    for kind, label in (("full", "full search()"), ("raw", "raw FTS5"), ("jieba", "plain jieba")):
        if samples := [ms for r in results for ms in r.ms[kind]]:
            p50, p95, p99[kind] = percentiles(samples)
            print(f"  {label:<14} p50 {p50:8.2f}  p95 {p95:8.2f}  p99 {p99[kind]:8.2f}")
    ratio = p99["full"] / p99["raw"] if "raw" in p99 else None
    if ratio is not None:
        print(f"full/raw at p99: {ratio:.2f}x")
    print(f"substring recall: {recall_text(results)}")
    return ratio, p99["full"]


def recall_text(results: list[QueryResult]) -> str:
    agree = sum(r.matched >= r.substring for r in results)
    missed = sum(r.matched < r.substring for r in results)
    return (
        f"{agree}/{len(results)} queries match every article the substring scan finds,"
        f" {missed} match fewer"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="default: bench/out/ingest_N.db, built if missing")
    parser.add_argument(
        "--db-url", metavar="URL",
        help="search this PostgreSQL library instead (built by ingest_bench.py --db-url)",
    )  # fmt: skip
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.db is not None and not args.db.exists():
        parser.error(f"no database at {args.db}")
    db: Path | str = args.db_url or args.db or db_path(OUT, args.articles)
    if isinstance(db, Path) and not db.exists():
        print(f"building {db} with ingest_bench …", file=sys.stderr)
        build(OUT, args.articles)

    results = asyncio.run(bench(db, args.runs))
    print(f"database: {redacted(db) if isinstance(db, str) else db}")
    print_queries(results)
    ratio, p99 = print_summary(results, args.runs)
    if ratio is not None:
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        print(f"target: search p99 within {TARGET_RATIO}x raw FTS5: {verdict}")
    verdict = "PASS" if p99 <= TARGET_P99_MS else "FAIL"
    print(f"target: search p99 <= {TARGET_P99_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
