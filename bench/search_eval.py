"""Search relevance against bench/relevance.toml: casebot next to two baselines.

The corpus is the five seed pages plus N synthetic articles as distractors (default 0),
ingested into bench/out/eval_N.db. Synthetic articles recombine seed sentences, so with
distractors a short synthetic article holding the one seed sentence that matches often
outranks the seed article (unjudged, it counts as a miss for every system). For every
query of the relevance set, the top 10 of:

* casebot: `search()` (case queries count the articles their cases come from);
* LIKE: articles holding every typed word as a substring (`instr`), in a fixed pseudo-random
  order (LIKE has no ranking; file order would favour the seeds, ingested first);
* trigram: the same words ANDed over an FTS5 `trigram` index of title and body, BM25.

The baselines get the words a user typed with the query syntax taken off (地区:通辽 → 通辽).
Prints MRR@10 and nDCG@10 (graded: 2 = the answer, 1 = also good) and, for casebot, the
substring recall: queries whose every plain-substring match is among the hits.

    python bench/search_eval.py [--articles N] [--verbose]
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import asyncio
import math
import re
import sqlite3
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from ingest_bench import OUT, corpus, remove_db
from search_bench import substring_ids

from bot.config import Settings
from bot.ingest.pipeline import ingest_paths
from bot.search import parse_query, search
from bot.store import Store
from bot.store.search import COUNT_CAP

K = 10
TARGET_MRR, TARGET_NDCG = 0.85, 0.8
SAMPLE = BENCH.parent / "data" / "sample"


@dataclass(frozen=True)
class Judged:
    query: str
    relevant: dict[str, int]  # title → grade


def load_set() -> list[Judged]:
    spec = tomllib.loads((BENCH / "relevance.toml").read_text("utf-8"))
    return [Judged(q["q"], q["relevant"]) for q in spec["query"]]


async def build(db: Path, n_articles: int) -> None:
    remove_db(db)
    settings = Settings()
    store = await Store.open(db)
    try:
        common = {
            "max_bytes": 20 * 1024 * 1024,
            "near_ratio": settings.near_duplicate_ratio,
            "timezone": settings.timezone,
        }
        await ingest_paths(store, [SAMPLE], forced_date="2024-07-01", **common)  # type: ignore[arg-type]
        if n_articles:
            await ingest_paths(store, corpus(OUT, n_articles), **common)  # type: ignore[arg-type]
    finally:
        await store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE VIRTUAL TABLE tri USING fts5(title, body, tokenize='trigram')")
        conn.execute(
            "INSERT INTO tri (rowid, title, body) SELECT id, title, text FROM articles"
            " WHERE duplicate_of IS NULL"
        )


def typed_words(query: str) -> list[str]:
    """The words of a query without its syntax: what a plain search box would get."""
    words = re.sub(r"(?:地区|时间|栏目|主题|类型)[:：]", " ", query)
    words = re.sub(r"案例|[\"“”|]", " ", words)
    return [w.lstrip("-") for w in words.split() if w.lstrip("-")]


def like_top(conn: sqlite3.Connection, words: list[str]) -> list[int]:
    """The LIKE baseline: K articles holding every word, in a fixed pseudo-random order
    (LIKE cannot rank)."""
    if not words:
        return []
    holds = " AND ".join(["instr(title || text, ?) > 0"] * len(words))
    sql = (
        f"SELECT id FROM articles WHERE duplicate_of IS NULL AND {holds}"
        f" ORDER BY (id * 2654435761) % 4294967296 LIMIT {K}"
    )
    return [r[0] for r in conn.execute(sql, words)]


def trigram_top(conn: sqlite3.Connection, words: list[str]) -> list[int]:
    expression = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
    if not expression:
        return []
    sql = f"SELECT rowid FROM tri WHERE tri MATCH ? ORDER BY bm25(tri, 10.0, 1.0) LIMIT {K}"
    return [r[0] for r in conn.execute(sql, (expression,))]


async def casebot_top(store: Store, query: str) -> list[int]:
    page = await search(store, query, limit=K)
    if page.kind == "cases":
        return list(dict.fromkeys(c.article_id for c in page.cases))
    return [h.article_id for h in page.hits]


def reciprocal_rank(ranked: list[int], grades: dict[int, int]) -> float:
    return next((1 / (n + 1) for n, i in enumerate(ranked[:K]) if grades.get(i)), 0.0)


def ndcg(ranked: list[int], grades: dict[int, int]) -> float:
    gain = sum((2 ** grades.get(i, 0) - 1) / math.log2(n + 2) for n, i in enumerate(ranked[:K]))
    ideal_grades = sorted(grades.values(), reverse=True)[:K]
    ideal = sum((2**g - 1) / math.log2(n + 2) for n, g in enumerate(ideal_grades))
    return gain / ideal if ideal else 0.0


def substring_found(conn: sqlite3.Connection, query: str, hits: set[int]) -> bool:
    """Whether every article holding all of the query's words as substrings is a hit."""
    parsed = parse_query(query)
    if parsed.kind == "cases" or parsed.places or parsed.excluded:
        return True  # filters and exclusions remove articles by rule
    return set(substring_ids(conn, query)) <= hits


async def evaluate(db: Path, judged: list[Judged], verbose: bool) -> dict[str, list[float]]:
    conn = sqlite3.connect(db)
    titles = {t: i for i, t in conn.execute("SELECT id, title FROM articles WHERE file_id <= 5")}
    scores: dict[str, list[float]] = {k: [] for k in ("casebot", "LIKE", "trigram")}
    ndcgs: dict[str, list[float]] = {k: [] for k in scores}
    recall = 0
    store = await Store.open(db)
    try:
        for j in judged:
            grades = {titles[t]: g for t, g in j.relevant.items()}
            words = typed_words(j.query)
            ours = await casebot_top(store, j.query)
            runs = {
                "casebot": ours,
                "LIKE": like_top(conn, words),
                "trigram": trigram_top(conn, words),
            }
            for name, ranked in runs.items():
                scores[name].append(reciprocal_rank(ranked, grades))
                ndcgs[name].append(ndcg(ranked, grades))
            full = await search(store, j.query, limit=COUNT_CAP)
            recall += substring_found(conn, j.query, {h.article_id for h in full.hits})
            if verbose and scores["casebot"][-1] < 1:
                print(f"  {j.query}: casebot RR {scores['casebot'][-1]:.2f} top {ours[:5]}")
    finally:
        await store.close()
        conn.close()
    print(f"substring recall: {recall}/{len(judged)} queries find every substring match")
    return {name: [mean(scores[name]), mean(ndcgs[name])] for name in scores}


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=0, help="synthetic distractors")
    parser.add_argument("--verbose", action="store_true", help="list queries casebot misses")
    args = parser.parse_args()
    judged = load_set()
    db = OUT / f"eval_{args.articles}.db"
    OUT.mkdir(exist_ok=True)
    asyncio.run(build(db, args.articles))
    results = asyncio.run(evaluate(db, judged, args.verbose))
    print(f"{len(judged)} queries, seeds + {args.articles} synthetic articles")
    print(f"{'':10} {'MRR@10':>8} {'nDCG@10':>8}")
    for name, (mrr, nd) in results.items():
        print(f"{name:10} {mrr:8.3f} {nd:8.3f}")
    ours = results["casebot"]
    beats = all(ours[0] > r[0] and ours[1] > r[1] for n, r in results.items() if n != "casebot")
    ok = beats and ours[0] >= TARGET_MRR and ours[1] >= TARGET_NDCG
    print(
        f"target: MRR >= {TARGET_MRR}, nDCG@10 >= {TARGET_NDCG}, above both baselines: "
        f"{'PASS' if ok else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
