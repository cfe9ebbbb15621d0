"""Load: many staff chats searching, paging, opening articles and asking for statistics
through the Bot API (the strict peer) while an ingest runs, against `casebot run` in its
own process.

Prints errors, "database is locked" occurrences, reply latency (p50/p95/p99, from the
update being available to the bot's answer arriving at the peer) and the bot's peak RSS.

    python bench/load.py --chats 200 --ingest 5000
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synth import generate
from bot.store import Store
from tests.botkit import TOKEN
from tests.conftest import ingest
from tests.peers.strict_api import StrictBotApi

FIRST_USER = 10_000


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def one_chat(
    api: StrictBotApi, user: int, rng: random.Random, spread: float
) -> list[tuple[str, float]]:
    """One staffer: search, page forward, open the first result, maybe /stats and a place
    one level down; the latency of each."""
    await asyncio.sleep(rng.uniform(0, spread))  # arrivals spread like a working morning
    waits: list[tuple[str, float]] = []

    def to_me(call: object) -> bool:
        return str(call.params.get("chat_id")) == str(user)  # type: ignore[attr-defined]

    start = time.perf_counter()
    api.user_message(
        rng.choice(["党建", "集体经济", "养老", "党建引领 产业", "嘎查"]), user_id=user
    )
    [page] = await api.wait_for("sendMessage", to_me, timeout=120)
    waits.append(("search", time.perf_counter() - start))
    await asyncio.sleep(rng.uniform(1, 3))  # reading
    forward = page.result["reply_markup"]["inline_keyboard"][-1][-1]["callback_data"]
    if forward.startswith("pg:"):
        start = time.perf_counter()
        api.callback(forward, user_id=user, message=page.result)
        await api.wait_for("editMessageText", to_me, timeout=120)
        waits.append(("page", time.perf_counter() - start))
        await asyncio.sleep(rng.uniform(1, 3))
    opened = api.sent[user][-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    start = time.perf_counter()
    api.callback(opened, user_id=user, message=api.sent[user][-1])
    await api.wait_for("sendMessage", to_me, count=2, timeout=120)
    waits.append(("open", time.perf_counter() - start))
    if rng.random() < 0.5:  # half of them also ask for statistics (text and chart)
        await asyncio.sleep(rng.uniform(1, 3))
        start = time.perf_counter()
        api.user_message(f"/stats {rng.choice(['', '赤峰', '鄂尔多斯', '锡盟'])}", user_id=user)
        [chart] = await api.wait_for("sendPhoto", to_me, timeout=120)
        waits.append(("stats", time.perf_counter() - start))
        # Then one level down: a place among the first few buttons, most reported first.
        await asyncio.sleep(rng.uniform(1, 3))
        places = [b["callback_data"] for row in chart.result["reply_markup"]["inline_keyboard"]
                  for b in row if b["callback_data"].startswith("st:")][:6]  # fmt: skip
        start = time.perf_counter()
        api.callback(rng.choice(places), user_id=user, message=chart.result)
        await api.wait_for("sendPhoto", to_me, count=2, timeout=120)
        waits.append(("drill", time.perf_counter() - start))
    return waits


async def run(chats: int, articles: int, spread: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.db"
        store = await Store.open(db)
        try:
            await ingest(store, ROOT / "data" / "sample")
        finally:
            await store.close()
        corpus = Path(tmp) / "corpus"
        generate(corpus, n_articles=articles, per_file=10, seed=5)
        async with StrictBotApi(token=TOKEN) as api:
            staff = ",".join(str(FIRST_USER + n) for n in range(chats))
            env = os.environ | {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "CASEBOT_BOT_API_URL": api.base_url,
                "CASEBOT_STAFF_IDS": staff,
                "CASEBOT_DB": str(db),
            }
            log = open(Path(tmp) / "bot.log", "w")  # noqa: SIM115 (read after the run)
            bot = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env, stderr=log
            )
            await api.wait_polling(timeout=60)
            feeder = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "ingest", str(corpus), "--db", str(db),
                "--json", cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            rng = random.Random(7)
            started = time.perf_counter()
            results = await asyncio.gather(
                *(one_chat(api, FIRST_USER + n, random.Random(rng.random()), spread)
                  for n in range(chats)),
                return_exceptions=True,
            )  # fmt: skip
            took = time.perf_counter() - started
            _, ingest_errors = await feeder.communicate()
            rss = peak_rss_mb(bot.pid)  # the high-water mark, read before the process ends
            bot.terminate()
            bot.wait(timeout=60)
            log.close()
            bot_log = (Path(tmp) / "bot.log").read_text()
            (ROOT / "bench" / "out").mkdir(exist_ok=True)
            (ROOT / "bench" / "out" / "load_bot.log").write_text(bot_log)  # for a closer look
        failures = [r for r in results if isinstance(r, BaseException)]
        timed = [w for r in results if isinstance(r, list) for w in r]
        waits = sorted(seconds for _, seconds in timed)
        refused = [c for c in api.calls if not c.ok and c.error.startswith("Bad Request")]
        # PTB logs its last getUpdates at shutdown failing as an error; that is not ours.
        errors = [x for x in bot_log.splitlines() if "ERROR" in x and "graceful shutdown" not in x]
        locked = bot_log.count("database is locked") + ingest_errors.decode().count("locked")

        def pct(p: float) -> float:
            return waits[min(len(waits) - 1, int(len(waits) * p))] * 1000 if waits else 0

        print(
            f"chats {chats}, replies {len(waits)}, in {took:.1f} s, "
            f"with an ingest of {articles} articles"
        )
        print(
            f"errors: {len(failures)} chats failed, {len(refused)} requests refused, "
            f"{len(errors)} errors logged, {locked} 'database is locked'"
        )
        print(
            f"reply latency p50/p95/p99: {pct(0.5):.0f}/{pct(0.95):.0f}/{pct(0.99):.0f} ms "
            f"(target p99 <= 1000 ms)"
        )
        for kind in ("search", "page", "open", "stats", "drill"):
            some = sorted(seconds for k, seconds in timed if k == kind)
            if some:
                print(
                    f"  {kind}: {len(some)}, p50 {some[len(some) // 2] * 1000:.0f} ms, "
                    f"p99 {some[min(len(some) - 1, int(len(some) * 0.99))] * 1000:.0f} ms"
                )
        print(f"bot peak RSS: {rss:.0f} MB (target <= 300 MB)")
        for failure in failures[:3]:
            print(f"  e.g. {failure!r}"[:300])
        for line in errors[:3]:
            print(f"  log: {line[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--ingest", type=int, default=5000, help="articles ingested meanwhile")
    parser.add_argument("--spread", type=float, default=30.0, help="seconds chats start over")
    args = parser.parse_args()
    asyncio.run(run(args.chats, args.ingest, args.spread))


if __name__ == "__main__":
    main()
