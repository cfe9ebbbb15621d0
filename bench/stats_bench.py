"""Statistics speed on the 100,000-article database: the text of /stats (the whole region,
a 盟市, a 旗县 with a topic) and the chart (with the map for the region and a 盟市), each
run R times; prints p50 and max.

    python bench/stats_bench.py [--db bench/out/ingest_100000.db] [--runs 20]

Run it on a copy (opening the database migrates it). The period covers the whole corpus
(its articles share one date), the most a period can hold.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.charts import clear_chart_cache, stats_chart
from bot.render import stats_lines
from bot.stats import compute, request_from_text
from bot.store import Store

QUERIES = ["", "赤峰", "鄂前旗 主题:基层治理", "锡盟 时间:2026-01..2026-12"]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("bench/out/ingest_100000.db"))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    store = await Store.open(args.db)  # migrates on first use
    print(f"open (and migrate) {time.perf_counter() - started:.1f} s")
    ((today,),) = await store.conn.execute_fetchall("SELECT max(date) FROM articles")
    try:
        for text in QUERIES:
            request = request_from_text(text, date.fromisoformat(today))
            texts: list[float] = []
            charts: list[float] = []
            cpu: list[float] = []  # on a shared machine, wall time is mostly waiting
            cached: list[float] = []
            for _ in range(args.runs):
                t = time.perf_counter()
                stats = await compute(store, request)
                stats_lines(stats)
                texts.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                stats_chart(stats)
                cached.append((time.perf_counter() - t) * 1000)
                clear_chart_cache()  # the figure that matters: drawing it
                t, c = time.perf_counter(), time.process_time()
                stats_chart(stats)
                charts.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            print(
                f"/stats {text or '(全区)'}: text p50 {statistics.median(texts):.1f} ms"
                f" max {max(texts):.1f} ms; chart p50 {statistics.median(charts):.1f} ms"
                f" max {max(charts):.1f} ms (first {charts[0]:.0f} ms, CPU p50"
                f" {statistics.median(cpu):.0f} ms);"
                f" repeated (cached) p50 {statistics.median(cached[1:] or cached):.2f} ms"
            )
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
