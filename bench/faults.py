"""The reliability suite: hostile queries, hostile files, crashes and storage faults, one
printed line per check with its figure. Exits non-zero if any check fails.

    python bench/faults.py                 # everything (a few minutes)
    python bench/faults.py --queries 2000 --kills 5
"""

# ruff: noqa: E402  (the repository root goes on sys.path before `bot` is imported)
from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synth import generate
from bot.chat.search import inline_answer, search_reply
from bot.chat.subscriptions import new_subscription
from bot.store import Store
from bot.store import subscriptions as subs
from bot.store.sqlite import migrations
from handlers.delivery import run_round
from tests.botkit import ADMIN, GROUP, STAFF, TOKEN, bot_settings, running_bot
from tests.conftest import ingest
from tests.fixtures_files import make_blank_pdf, make_many_paragraph_docx, make_pdf, make_zip_bomb
from tests.peers.strict_api import AnsweredLate, ApiError, Dropped, StrictBotApi, message_text
from tests.test_bot_api_rules import to
from tests.test_bounds import long_article
from tests.test_digest_bot import DAILY, DAY_2, DAY_3, READ_TIMEOUT, SUBSCRIBED, Clock, digests
from tests.test_reliability import HOSTILE_PIECES, make_old_schema, table_checksum

FAILED: list[str] = []
DUE_EACH = 3  # digests due to each subscriber created three days ago at 00:00
# What the bot writes down while refusing files (who tried what, the searches meanwhile).
BOT_LOGS = ("audit_log", "saved_queries")
FLOOD = "Too Many Requests: retry after 1"


def report(name: str, ok: bool, figure: str) -> None:
    print(f"{'PASS' if ok else 'FAIL'}  {name:<28} {figure}", flush=True)
    if not ok:
        FAILED.append(name)


def hostile_query(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return " ".join(rng.choices(HOSTILE_PIECES, k=rng.randrange(1, 9)))
    if kind == 1:
        return "".join(rng.choices(HOSTILE_PIECES, k=rng.randrange(1, 9)))
    if kind == 2:  # any code points, controls and surrogate-free astral ones included
        return "".join(
            chr(rng.choice([rng.randrange(0, 0xD800), rng.randrange(0xE000, 0x30000)]))
            for _ in range(rng.randrange(1, 40))
        )
    return rng.choice(HOSTILE_PIECES) * rng.choice([100, 1000, 10_000 // 2])


async def check_queries(db: Path, count: int) -> None:
    rng = random.Random(8)
    store = await Store.open(db)
    errors, refused, times = 0, 0, []
    try:
        for _ in range(count):
            query = hostile_query(rng)
            start = time.perf_counter()
            try:
                reply = await search_reply(store, query)
                results, _ = await inline_answer(store, query[:256], "")
            except Exception as exc:
                errors += 1
                print(f"      exception on {query[:40]!r}: {exc!r}")
                continue
            times.append(time.perf_counter() - start)
            for text in [reply.text, *(r.text for r in results)]:
                try:
                    message_text(text)
                except ApiError as exc:
                    refused += 1
                    print(f"      Telegram would refuse the reply to {query[:40]!r}: {exc}")
    finally:
        await store.close()
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1] * 1000 if times else 0
    report(
        "hostile queries",
        errors == 0 and refused == 0,
        f"{count} queries, {errors} exceptions, {refused} replies Telegram would refuse, "
        f"p99 {p99:.1f} ms",
    )


async def check_bot_queries(db: Path, count: int) -> None:
    """Hostile queries as Telegram would deliver them (a message of 1–4,096 characters
    without surrounding blanks; an inline query of at most 256) to the running bot from 50
    chats at once: each answered in a way the strict peer accepts, no error logged."""
    rng = random.Random(9)
    users = list(range(40_000, 40_050))
    errors = _ErrorRecords()
    logging.getLogger().addHandler(errors)
    asked = 0
    try:
        async with StrictBotApi(token=TOKEN) as api:
            settings = bot_settings(db, api.base_url, staff_ids=tuple(users))
            async with running_bot(settings):
                for batch in itertools.count(1):
                    chats = users[: count - asked]
                    if not chats:
                        break
                    for user in chats:
                        text = hostile_query(rng).strip()[:4096].strip() or "？"
                        api.user_message(text, user_id=user)
                        api.inline_query(text[:256], user_id=user)
                    asked += len(chats)
                    for user in chats:
                        await api.wait_for("sendMessage", to(user), count=batch, timeout=120)
                    await api.wait_for("answerInlineQuery", count=asked, timeout=120)
    finally:
        logging.getLogger().removeHandler(errors)
    # Not answers: the admin's command menu (no chat with the bot yet), the last long poll.
    refused = [c for c in api.calls if not c.ok and c.method not in ("setMyCommands", "getUpdates")]
    for call in refused[:3]:
        print(f"      refused: {call.method} {call.error}")
    report(
        "hostile queries via the bot",
        not refused and not errors.records,
        f"{asked} messages and {asked} inline queries from 50 chats: {len(refused)} answers "
        f"Telegram would refuse, {len(errors.records)} errors logged",
    )


class _ErrorRecords(logging.Handler):
    """What the bot logs as errors (the peer's aiohttp server excepted, as in tests)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("aiohttp"):
            self.records.append(record)


def hostile_files(folder: Path) -> dict[str, bytes]:
    """Files that must be refused with a reason (the database must not change)."""
    seed = next((ROOT / "data" / "sample").glob("004*")).read_text(encoding="utf-8")
    make_zip_bomb(folder / "bomb.docx", unpacked_mb=500)
    make_pdf(folder / "whole.pdf", seed)
    make_blank_pdf(folder / "scan.pdf")
    whole = (folder / "whole.pdf").read_bytes()
    rng = random.Random(3)
    return {
        "empty.txt": b"",
        "spaces.md": b"  \n\n\t \n",
        "random.txt": rng.randbytes(50_000),
        "photo.txt": b"\x89PNG\r\n\x1a\n" + rng.randbytes(4000),
        "program.exe": b"MZ\x90\x00" + rng.randbytes(1000),
        "archive.zip": b"PK\x03\x04" + rng.randbytes(1000),
        "no-suffix": "党建引领".encode(),
        "huge.pdf": b"%PDF-1.4\n" + bytes(50 * 1024 * 1024),
        "bomb.docx": (folder / "bomb.docx").read_bytes(),
        "not-a-zip.docx": b"PK\x03\x04 not really a zip",
        "pdf-named.docx": whole,
        "truncated.pdf": whole[: len(whole) // 3],
        "scan.pdf": (folder / "scan.pdf").read_bytes(),
        "scripts.html": b"<html><script>alert(1)</script><body><script>x()</script></body></html>",
        "styles-only.htm": b"<style>body{}</style>",
        "nul.txt": b"\x00" * 10_000,
        "deep.html": b"<div>" * 10_000 + b"</div>" * 10_000,
        "word97.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000),
        "controls.md": bytes(range(1, 32)) * 300,
        "../../etc/passwd.txt": b"",
        "x" * 250 + ".txt": b"\xff\xfe\xfd" * 100,
    }


async def check_files(db: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = hostile_files(Path(tmp))
        before = table_checksum(db, ignore=BOT_LOGS)
        async with StrictBotApi(token=TOKEN) as api:
            settings = bot_settings(db, api.base_url, bot_api_file_url=api.base_file_url)
            api.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
            async with running_bot(settings):
                start = time.perf_counter()
                for name, content in files.items():
                    api.user_message("", user_id=ADMIN, document=api.add_file(content, name))
                    api.user_message("党建", user_id=STAFF)  # someone else meanwhile
                replies = await api.wait_for(
                    "sendMessage",
                    lambda c: (
                        c.params["chat_id"] in (ADMIN, str(ADMIN))
                        and c.params["text"].startswith("❌")
                    ),
                    count=len(files),
                    timeout=300,
                )
                served = await api.wait_for(
                    "sendMessage",
                    lambda c: str(c.params["chat_id"]) == str(STAFF),
                    count=len(files),
                    timeout=300,
                )
                took = time.perf_counter() - start
        after = table_checksum(db, ignore=BOT_LOGS)
    unclear = [c.params["text"] for c in replies if "：" not in c.params["text"]]
    report(
        "hostile files",
        before == after and not unclear and len(served) == len(files),
        f"{len(files)} files refused with a reason, library unchanged: {before == after}, "
        f"{len(served)} searches by another user answered meanwhile, {took:.1f} s",
    )


async def check_telegram_and_access(db: Path) -> None:
    """Faults Telegram answers with, and people who may not use the bot, through the real
    Application and the strict peer."""
    outsider, group = 666, -1002
    async with StrictBotApi(token=TOKEN) as api:
        api.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
        async with running_bot(bot_settings(db, api.base_url)):
            # Flood control: waited out and sent. A 5xx: the user is told briefly.
            api.fail_next("sendMessage", error_code=429, description=FLOOD,
                          parameters={"retry_after": 1}, chat_id=STAFF)  # fmt: skip
            api.user_message("党建", user_id=STAFF)
            [after_flood] = await api.wait_for("sendMessage", to(STAFF))
            api.fail_next("sendMessage", error_code=502, description="Bad Gateway", chat_id=STAFF)
            api.user_message("党建", user_id=STAFF)
            [_, after_5xx] = await api.wait_for("sendMessage", to(STAFF), count=2)
            api.block(ADMIN)
            api.user_message("党建", user_id=ADMIN)
            api.user_message("党建", user_id=outsider)
            api.user_message("/search 党建", user_id=outsider, chat_id=group, chat_type="group")
            api.inline_query("党建", user_id=outsider)
            await api.wait_for("leaveChat")
            [inline] = await api.wait_for("answerInlineQuery")
            [refusal] = await api.wait_for("sendMessage", to(outsider))
            # Buttons forged by an outsider on a staffer's message; a staffer's admin actions.
            forged = ["art:1", "sim:1", "pg:x:2", "st::x", "stc::x", f"ch:{GROUP}:test"]
            for data in forged:
                api.forged_callback(data, user_id=outsider, message=after_flood.result)
            api.user_message("/reindex all", user_id=STAFF)
            api.user_message(f"/admin add {outsider}", user_id=STAFF)
            upload = api.add_file("标题\n\n正文。".encode(), "ok.txt")
            api.user_message("", user_id=STAFF, document=upload)
            presses = await api.wait_for("answerCallbackQuery", count=len(forged))
            *_, reindex, grant, file = await api.wait_for("sendMessage", to(STAFF), count=5)
    blocked = [c for c in api.calls if c.method == "sendMessage" and not c.ok and to(ADMIN)(c)]
    flood_ok = "共" in after_flood.params["text"]
    told = "出错了" in after_5xx.params["text"]
    report(
        "Telegram faults",
        flood_ok and told and len(blocked) == 1,
        f"429: the reply waited out and delivered ({flood_ok}); 502: the user told briefly "
        f"({told}); a user who blocked the bot: tried {len(blocked)} time(s)",
    )
    outsider_ok = not inline.params["results"] and "仅供" in refusal.params["text"]
    denied = sum(p.params["text"] == "您没有使用权限。" for p in presses)
    admin_only = sum("只有管理员" in c.params["text"] for c in (reindex, grant, file))
    read = [c for c in api.calls if c.method in ("getFile", "copyMessage", "forwardMessage")]
    outsider_sent = len(api.sent[outsider])  # the one refusal
    report(
        "access",
        outsider_ok and denied == len(forged) and admin_only == 3 and not read
        and outsider_sent == 1,
        "outsider: refused in private, bot left the unknown group, inline answer empty and "
        f"personal ({inline.params['is_personal']}); forged buttons refused {denied}/"
        f"{len(forged)}, messages to the outsider {outsider_sent}; a staffer's /reindex, "
        f"/admin and upload refused {admin_only}/3, files downloaded {len(read)}",
    )  # fmt: skip


async def check_digest_faults(tmp: Path, seeded: Path) -> None:
    """One digest round to seven subscribers, each send meeting another fault the peer
    injects, then the next day's round: every digest sent exactly once except to the user
    who blocked the bot (stopped), the migrated group's moved to its supergroup."""
    db = tmp / "digest_faults.db"
    shutil.copy(seeded, db)
    flooded, flaky, dropped, late, blocked = STAFF, ADMIN, 30_001, 30_002, 30_003
    group, supergroup = GROUP, -100_777
    users = [flooded, flaky, dropped, late, blocked]
    clock = Clock(SUBSCRIBED)
    async with StrictBotApi(token=TOKEN) as api:
        for user in users:
            api.add_chat({"id": user, "type": "private", "first_name": str(user)})
        api.add_chat({"id": group, "type": "group", "title": "宣传群"})
        api.add_chat({"id": supergroup, "type": "supergroup", "title": "宣传群"})
        settings = bot_settings(db, api.base_url, staff_ids=tuple(users))
        async with running_bot(settings, clock=clock) as app:
            store = app.bot_data["runtime"].store
            for chat in [*users, group]:
                kind = "private" if chat > 0 else "group"
                await subs.add_subscription(
                    store, new_subscription(DAILY, chat, kind, "", ADMIN, SUBSCRIBED)
                )
            api.fail_next("sendMessage", error_code=429, description=FLOOD,
                          parameters={"retry_after": 1}, chat_id=flooded)  # fmt: skip
            api.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=2,
                          chat_id=flaky)  # fmt: skip
            api.fault_next("sendMessage", Dropped(), chat_id=dropped)
            api.fault_next("sendMessage", AnsweredLate(READ_TIMEOUT + 1), chat_id=late)
            api.block(blocked)
            api.fail_next("sendMessage", error_code=400, description="Bad Request: group chat"
                          " was upgraded to a supergroup chat", chat_id=group,
                          parameters={"migrate_to_chat_id": supergroup})  # fmt: skip
            clock.at = DAY_2
            first = await run_round(app)
            clock.at = DAY_3
            second = await run_round(app)
            left = {s.chat_id for s in await subs.subscriptions(store)}
    received = {chat: len(digests(api, chat)) for chat in [*users, group, supergroup]}
    expected = {flooded: 2, flaky: 2, dropped: 2, late: 2, blocked: 0, group: 0, supergroup: 2}
    ok = received == expected and left == {flooded, flaky, dropped, late, supergroup}
    report(
        "Telegram faults in digests",
        ok,
        f"429, 502 twice, connection dropped, answer after the timeout, blocked, group "
        f"migrated: digests received {list(received.values())} (expected "
        f"{list(expected.values())}); rounds sent {first.sent}+{second.sent}, blocked "
        f"subscription stopped ({blocked not in left}), moved to the supergroup "
        f"({supergroup in left})",
    )


def invariants(db: Path) -> list[str]:
    """What a crash must never leave behind."""
    con = sqlite3.connect(db, timeout=30)
    try:
        problems = []
        if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("integrity_check")
        checks = {
            "file without articles": "SELECT count(*) FROM source_files f WHERE NOT EXISTS"
            " (SELECT 1 FROM articles a WHERE a.file_id = f.id)",
            "article without file": "SELECT count(*) FROM articles a WHERE NOT EXISTS"
            " (SELECT 1 FROM source_files f WHERE f.id = a.file_id)",
            "unindexed article": "SELECT (SELECT count(*) FROM articles WHERE duplicate_of IS NULL)"
            " - (SELECT count(*) FROM article_fts)",
            "case without article": "SELECT count(*) FROM cases c WHERE NOT EXISTS"
            " (SELECT 1 FROM articles a WHERE a.id = c.article_id)",
        }
        for name, sql in checks.items():
            if con.execute(sql).fetchone()[0]:
                problems.append(name)
        return problems
    finally:
        con.close()


def check_kills(kills: int) -> None:
    rng = random.Random(20)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        generate(corpus, n_articles=600, per_file=10, seed=4)
        db = Path(tmp) / "kill.db"
        command = [sys.executable, "-m", "bot.cli", "ingest", str(corpus), "--db", str(db)]
        broken: list[str] = []
        for _ in range(kills):
            proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
            try:
                proc.wait(timeout=rng.uniform(0.5, 6.0))  # a random point of the run
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if db.exists():
                broken += invariants(db)
        finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        broken += invariants(db)
        con = sqlite3.connect(db)
        files = con.execute("SELECT count(*) FROM source_files").fetchone()[0]
        con.close()
    report(
        "ingest killed -9",
        not broken and finished.returncode == 0 and files == 60,
        f"{kills} kills at random points, problems after them: {broken or 'none'}, "
        f"resumed run stored {files}/60 files",
    )


async def check_storage(tmp: Path) -> None:
    seeded = tmp / "disk.db"
    store = await Store.open(seeded)
    try:
        await ingest(store, ROOT / "data" / "sample")
        await store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = table_checksum(seeded)
        folder = tmp / "more"
        generate(folder, n_articles=200, per_file=10, seed=9)
        ((pages,),) = await store.conn.execute_fetchall("PRAGMA page_count")
        await store.conn.execute(f"PRAGMA max_page_count = {pages + 20}")
        message = ""
        try:
            await ingest(store, folder, workers=1)
        except Exception as exc:
            message = str(exc)
        same = table_checksum(seeded) == before
    finally:
        await store.close()
    report("disk full", "磁盘空间不足" in message and same, f"{message[:40]}… unchanged: {same}")
    blocker = tmp / "file"
    blocker.write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "search", "党建", "--db", str(blocker / "x.db")],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    report(
        "database path not creatable",
        done.returncode == 2 and "Traceback" not in done.stderr,
        done.stderr.strip()[:60],
    )
    report("database not writable", *read_only_database(tmp, seeded))
    old = tmp / "old.db"
    make_old_schema(old, 6)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ingest", str(ROOT / "data" / "sample"), "--db",
         str(old)], cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    with contextlib.closing(sqlite3.connect(old.with_name("old.db.v6.bak"))) as conn:
        kept = conn.execute("PRAGMA user_version").fetchone()[0]
    problems = invariants(old)
    report(
        "older schema",
        done.returncode == 0 and kept == 6 and not problems,
        f"version 6 backed up (the backup's version: {kept}), migrated, then the seeds "
        f"ingested: {done.stdout.strip()[:30]}…, problems: {problems or 'none'}",
    )


def read_only_database(tmp: Path, seeded: Path) -> tuple[bool, str]:
    """A search on a library whose file and folder the user may not write (as root, who may
    write anything, the search runs as `nobody`)."""
    folder = tmp / "read-only"
    folder.mkdir()
    shutil.copy(seeded, folder / "library.db")
    (folder / "library.db").chmod(0o444)
    folder.chmod(0o555)
    tmp.chmod(0o755)  # `nobody` must reach the folder to be refused by it
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "search",
        "党建",
        "--db",
        str(folder / "library.db"),
    ]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    folder.chmod(0o755)  # for the temporary folder's removal
    ok = done.returncode == 2 and "只读" in done.stderr and "Traceback" not in done.stderr
    return ok, done.stderr.strip()[:70]


async def check_digest_kills(tmp: Path, kills: int) -> None:
    """kill -9 of `casebot run` during catch-up rounds to 50 subscribers, then a clean run:
    no subscriber may get a digest twice; a digest in flight at a kill is logged `unknown`
    and not resent (at most once), which is the only way one can be skipped."""
    db = tmp / "digest.db"
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    users = list(range(20_000, 20_050))
    store = await Store.open(db)
    try:
        await ingest(store, ROOT / "data" / "sample", forced_date=str(now.date() - timedelta(1)))
        for user in users:
            await subs.add_subscription(store, subs.NewSubscription(
                chat_id=user, chat_type="private", chat_title="", owner=user,
                at_time="00:00", weekday=None, filters="", skip_empty=False,
                created_at=(now - timedelta(days=3)).isoformat(),
            ))  # fmt: skip
    finally:
        await store.close()
    rng = random.Random(11)
    async with StrictBotApi(token=TOKEN) as api:
        for user in users:
            api.add_chat({"id": user, "type": "private", "first_name": str(user)})
        env = os.environ | {
            "TELEGRAM_BOT_TOKEN": TOKEN, "CASEBOT_BOT_API_URL": api.base_url,
            "CASEBOT_STAFF_IDS": ",".join(map(str, users)), "CASEBOT_DB": str(db),
        }  # fmt: skip

        def is_digest(call: Any) -> bool:
            return "党建日报" in call.params["text"]

        def digests_sent() -> list[Any]:
            return [c for c in api.calls if c.method == "sendMessage" and c.ok and is_digest(c)]

        for run in range(kills + 1):
            bot = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env,
                                   stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
            already = len(digests_sent())
            if run < kills:  # let it send a few digests, then kill it mid-round
                with contextlib.suppress(TimeoutError):
                    step = already + rng.randrange(1, 12)
                    await api.wait_for("sendMessage", is_digest, count=step, timeout=60)
                os.killpg(bot.pid, signal.SIGKILL)
                bot.wait()
                continue
            await api.wait_polling(timeout=60)
            # A bench may poll: the log must come to hold every due digest.
            while await _logged(db) < len(users) * DUE_EACH:
                await asyncio.sleep(0.2)
            delivered = await _logged(db, "sent")
            with contextlib.suppress(TimeoutError):
                await api.wait_for("sendMessage", is_digest, count=delivered, timeout=60)
            bot.terminate()
            bot.wait()
        sent = digests_sent()
    per_digest: dict[tuple[str, str], int] = {}
    for call in sent:
        day = call.params["text"].split("党建日报</b> ", 1)[1][:10]
        key = (str(call.params["chat_id"]), day)
        per_digest[key] = per_digest.get(key, 0) + 1
    twice = sum(1 for n in per_digest.values() if n > 1)
    con = sqlite3.connect(db)
    statuses = dict(con.execute("SELECT state, count(*) FROM digest_deliveries GROUP BY state"))
    con.close()
    report(
        "bot killed -9 mid-digest",
        twice == 0 and not invariants(db),
        f"{kills} kills during rounds to {len(users)} subscribers: {len(sent)} digests sent, "
        f"{twice} sent twice, {len(users) * DUE_EACH - len(per_digest)} never sent "
        f"(in flight at a kill: at most once), log {statuses}",
    )


async def _logged(db: Path, state: str | None = None) -> int:
    """Digests in the delivery log (in `state`, or in any)."""
    con = sqlite3.connect(db, timeout=30)
    try:
        sql = "SELECT count(*) FROM digest_deliveries WHERE ? IS NULL OR state = ?"
        return con.execute(sql, (state, state)).fetchone()[0]
    finally:
        con.close()


# --- issue 24: hostile values, odd files, bad settings ------------------------------------


def cli(
    *args: str | bytes,
    db: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`casebot` in a real process; bytes arguments are passed as they are (not UTF-8)."""
    command = [sys.executable, "-m", "bot.cli", *args, *(["--db", str(db)] if db else [])]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, timeout=timeout, env={**os.environ, **(env or {})}
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode(errors="replace"),
        done.stderr.decode(errors="replace"),
    )


def clean_exit(done: subprocess.CompletedProcess[str], code: int = 2) -> bool:
    return done.returncode == code and "Traceback" not in done.stderr


async def check_values(db: Path) -> None:
    """Item 4: dates and ids out of range, typed or forged, in chat and on the command line;
    error reports to the admin chat grouped and rate-limited."""
    huge = "9" * 23
    commands = [
        (STAFF, "/stats 时间:0001"),
        (STAFF, "/stats 时间:0000..2024 地区:赤峰"),
        (STAFF, "/digest 0000-01-01"),
        (STAFF, "/digest 9999-12-31 每周"),
        (ADMIN, f"/admin add {huge}"),
        (ADMIN, "/admin add ²"),
    ]
    forged = [
        f"art:{huge}",
        f"sim:{huge}",
        f"sub:{huge}:preview",
        f"pg:k:{huge}",
        f"st:{huge}:15",
        f"art:1:{huge}",
    ]
    async with StrictBotApi(token=TOKEN) as api:
        api.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
        async with running_bot(bot_settings(db, api.base_url, admin_chat_id=ADMIN)):
            api.user_message("党建", user_id=STAFF)
            [page] = await api.wait_for("sendMessage", to(STAFF))
            for user, text in commands:
                api.user_message(text, user_id=user)
            for data in forged:
                api.forged_callback(data, user_id=STAFF, message=page.result)
            answers = await api.wait_for("sendMessage", count=len(commands) + 1)
            presses = await api.wait_for("answerCallbackQuery", count=len(forged))
    sorry = "抱歉，处理您的请求时出错了"
    unclear = [c.params["text"][:40] for c in answers[1:] if sorry in c.params["text"]]
    unclear += [p.params.get("text", "")[:40] for p in presses if sorry in p.params.get("text", "")]
    reports = [c for c in api.calls if to(ADMIN)(c) and "⚠️ 出错" in str(c.params)]
    report(
        "out-of-range values (chat)",
        not unclear and not reports,
        f"{len(commands)} commands and {len(forged)} forged buttons: {len(unclear)} apologies, "
        f"{len(reports)} reports to admins",
    )
    runs = [
        ["stats", "时间:0001"],
        ["stats", "时间:0000..2024", "赤峰"],
        ["digest", "--date", "9999-12-31", "--week"],
        ["show", huge],
        ["similar", huge],
        ["cases", "--limit", huge],
    ]
    bad = [" ".join(r) for r in runs if not clean_exit(cli(*r, db=db))]
    report(
        "out-of-range values (CLI)",
        not bad,
        f"{len(runs)} commands, exit 2 without "
        f"traceback: {len(runs) - len(bad)}{' — ' + '; '.join(bad) if bad else ''}",
    )
    async with StrictBotApi(token=TOKEN) as api:
        api.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
        api.fail_next(
            "sendMessage",
            error_code=400,
            description="Bad Request: injected",
            times=60,
            chat_id=STAFF,
        )
        bot_log = logging.getLogger("casebot.bot")
        bot_log.disabled = True  # 30 tracebacks logged, as they should be; not printed here
        async with running_bot(bot_settings(db, api.base_url, admin_chat_id=ADMIN)):
            for _ in range(30):  # each fails twice: the answer, then the apology
                api.user_message("党建", user_id=STAFF)
            api.user_message("党建", user_id=ADMIN)
            await api.wait_for("sendMessage", lambda c: to(ADMIN)(c) and "篇" in str(c.params))
            while sum(1 for c in api.calls if c.method == "sendMessage" and to(STAFF)(c)) < 60:
                await asyncio.sleep(0.05)
        bot_log.disabled = False
    reports = [c for c in api.calls if to(ADMIN)(c) and "⚠️ 出错" in str(c.params)]
    report(
        "admin error reports",
        len(reports) == 1,
        f"30 updates failing the same way: {len(reports)} report(s) to the admin chat",
    )


def check_settings(tmp: Path) -> None:
    """Item 9 and variants: every bad setting stops every command with its name, exit 2."""
    cases = [
        'timezone = "Mars/Base"',
        "max_file_mb = inf",
        "max_file_mb = nan",
        "max_file_mb = -5",
        "admin_ids = [{a=1}]",
        "db_path = 5",
        'digest_time = "25:61"',
        "webhook_port = 70000",
        "ingest_workers = -1",
        'digest_catch_up = "some"',
        "near_duplicate_ratio = 150",
        "telegram_bot_token = 123",
    ]
    bad = []
    for n, line in enumerate(cases):
        config = tmp / f"settings{n}.toml"
        config.write_text(line + "\n", encoding="utf-8")
        name = line.split(" ")[0]
        for command in (["stats"], ["digest"], ["ingest", str(ROOT / "data" / "sample")]):
            done = cli(*command, "--config", str(config), db=tmp / "never.db")
            if not clean_exit(done) or f"设置 {name}" not in done.stderr:
                bad.append(f"{line} ({command[0]})")
    done = cli("config", env={"CASEBOT_MAX_FILE_MB": "nan"})
    if not clean_exit(done) or "CASEBOT_MAX_FILE_MB" not in done.stderr:
        bad.append("CASEBOT_MAX_FILE_MB=nan")
    report(
        "bad settings",
        not bad and not (tmp / "never.db").exists(),
        f"{len(cases)} settings x 3 commands and one variable: refused by name, exit 2: "
        f"{3 * len(cases) + 1 - len(bad)}/{3 * len(cases) + 1} {bad[:2] or ''}",
    )


async def check_database_versions(tmp: Path, seeded: Path) -> None:
    """Item 7: a newer schema refused untouched; pages damaged mid-file are a clear message."""
    newer = tmp / "newer.db"
    shutil.copy(seeded, newer)
    with contextlib.closing(sqlite3.connect(newer)) as conn:
        conn.execute(f"PRAGMA user_version = {migrations()[-1][0] + 1}")
    before = table_checksum(newer)
    runs = [cli("search", "党建", db=newer), cli("ingest", str(ROOT / "data" / "sample"), db=newer)]
    ok = all(clean_exit(r) and "更新版本" in r.stderr for r in runs)
    report(
        "newer schema",
        ok and table_checksum(newer) == before,
        f"refused, exit 2, unchanged: {runs[0].stderr.strip()[:50]}…",
    )
    commands = [
        ["articles"],
        ["search", "党建"],
        ["stats", "赤峰"],
        ["show", "3"],
        ["cases"],
        ["digest", "--date", "2024-07-01"],
    ]
    raw, told, tries = 0, 0, 0
    data = seeded.read_bytes()
    # A twentieth of the file at each place: what lies at an offset changes as tables are
    # added, and three pages there could belong to a table none of these commands reads.
    size = max(3, len(data) // 4096 // 20) * 4096
    for where in (0.2, 0.4, 0.6, 0.8):
        damaged = tmp / f"damaged{where}.db"
        start = int(len(data) * where) // 4096 * 4096
        noise = bytes(range(256)) * (size // 256)
        damaged.write_bytes(data[:start] + noise + data[start + size :])
        for command in commands:
            done = cli(*command, db=damaged)
            tries += 1
            raw += "Traceback" in done.stderr
            told += done.returncode == 2 and "已损坏" in done.stderr
    report(
        "damaged pages",
        raw == 0 and told > 0,
        f"{tries} commands on 4 damaged copies: {raw} tracebacks, {told} told the file is "
        "damaged (exit 2), the others unaffected by the pages they read",
    )


async def check_bounds(tmp: Path, seeded: Path) -> None:
    """Item 6: an endless article refused; a tap on a long article sends a few messages; an
    upload parsed in a memory-limited worker while searches are answered in budget."""
    db = tmp / "bounds.db"
    shutil.copy(seeded, db)
    store = await Store.open(db)
    try:
        long_page = tmp / "2024-07-01 长文.txt"
        long_page.write_text(long_article(300), encoding="utf-8")
        await ingest(store, long_page)
        [(long_id, length)] = await store.conn.execute_fetchall(
            "SELECT id, length(text) FROM articles ORDER BY length(text) DESC LIMIT 1"
        )
        await store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await store.close()
    endless = ("嘎查党支部带领牧民发展奶食产业，户均增收三千元" * (15 * 1024 * 1024 // 69)).encode()
    many = tmp / "many.docx"
    make_many_paragraph_docx(many, 100_000)
    async with StrictBotApi(token=TOKEN) as api:
        api.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
        settings = bot_settings(db, api.base_url, bot_api_file_url=api.base_file_url)
        async with running_bot(settings):
            api.user_message("党建", user_id=STAFF)
            [page] = await api.wait_for("sendMessage", to(STAFF))
            api.forged_callback(f"art:{long_id}", user_id=STAFF, message=page.result)
            await api.wait_for("answerCallbackQuery")
            await api.wait_for(
                "sendMessage", lambda c: to(STAFF)(c) and "继续阅读" in str(c.params)
            )
            tap = len(api.sent[STAFF]) - 1
            quiet = await _search_times(api, 20)
            start = time.perf_counter()
            api.user_message("", user_id=ADMIN, document=api.add_file(endless, "一行.txt"))
            api.user_message(
                "", user_id=ADMIN, document=api.add_file(many.read_bytes(), "多段.docx")
            )
            busy = await _search_times(api, 20)
            refusals = await api.wait_for("sendMessage", to(ADMIN), count=2, timeout=600)
            took = time.perf_counter() - start
    report(
        "article reply bounded",
        tap <= 4,
        f"one tap on a {length:,}-character article: {tap} messages and a button to read on "
        "(was one message per 4,096 characters)",
    )
    reasons = [c.params["text"] for c in refusals]
    report(
        "endless article refused",
        any("超过单篇上限" in r for r in reasons),
        f"15 MB one-line text and a 100k-paragraph .docx: {' / '.join(r[:36] for r in reasons)}",
    )
    p50 = lambda xs: sorted(xs)[len(xs) // 2] * 1000  # noqa: E731
    report(
        "replies during an upload",
        p50(busy) < max(3 * p50(quiet), 100),
        f"search p50 {p50(quiet):.0f} ms before, {p50(busy):.0f} ms while both uploads were "
        f"parsed in a worker process ({took:.1f} s); this process (the bot's) peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB at most",
    )


async def _search_times(api: StrictBotApi, count: int) -> list[float]:
    """Seconds from sending each of `count` searches (one at a time) to the answer."""
    times = []
    for n in range(count):
        done = sum(1 for c in api.calls if c.ok and c.method == "sendMessage" and to(STAFF)(c))
        start = time.perf_counter()
        api.user_message(("养老", "党建", "嘎查", "合作社")[n % 4], user_id=STAFF)
        await api.wait_for("sendMessage", to(STAFF), count=done + 1, timeout=120)
        times.append(time.perf_counter() - start)
    return times


async def check_growing_files(tmp: Path) -> None:
    """Item 8: a file ingested while another process appends to it, then once complete: the
    library ends as if the complete file had been ingested once."""
    seed = next((ROOT / "data" / "sample").glob("004*")).read_bytes()
    target = tmp / "growing" / "page.txt"
    target.parent.mkdir()
    target.write_bytes(b"")
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, os\ndata = open(sys.argv[1], 'rb').read()\n"
                "with open(sys.argv[2], 'ab') as out:\n"
                "    for i in range(0, len(data), 64):\n"
                "        out.write(data[i:i + 64]); out.flush(); os.fsync(out.fileno())\n"
            ),
            str(next((ROOT / "data" / "sample").glob("004*"))),
            str(target),
        ]
    )
    store = await Store.open(tmp / "growing.db")
    skipped = rounds = 0
    try:
        while writer.poll() is None:
            report_ = await ingest(store, target)
            rounds += 1
            skipped += sum("读取期间文件被修改" in r["reason"] for r in report_.rejected)
        await ingest(store, target)
        titles = sorted(r["title"] for r in await store.list_articles())
    finally:
        await store.close()
    fresh = await Store.open(tmp / "fresh.db")
    try:
        await ingest(fresh, target)
        expected = sorted(r["title"] for r in await fresh.list_articles())
    finally:
        await fresh.close()
    report(
        "file being written",
        titles == expected and target.read_bytes() == seed,
        f"{rounds} ingests while it grew ({skipped} skipped as changing mid-read), then "
        f"once complete: {len(titles)} articles, as from the complete file "
        f"{'once' if titles == expected else 'NOT'}",
    )


async def check_odd_inputs(tmp: Path, seeded: Path) -> None:
    """Item 10 and probes of our own: odd names, special files, odd bytes and odd pages."""
    folder = tmp / "odd"
    folder.mkdir()
    page = "奶食产业带富牧民\n\n嘎查党支部带领牧民发展奶食产业，户均增收三千元。\n"
    (folder / "\x1b[2J\x1b[31m清屏.txt").write_text(page, encoding="utf-8")
    (folder / "\x1b]0;标题\x07坏.pdf").write_text("不是 PDF", encoding="utf-8")
    (folder / os.fsdecode("党建".encode("gbk") + b".txt")).write_text(
        "肉牛产业\n\n苏木党委带领牧民养殖肉牛，年收入增加两万元。\n", encoding="utf-8"
    )
    (folder / "\u202eevil.txt").write_text("反向\n\n社区网格员每日巡查楼栋。\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")
    with open(folder / "sparse.txt", "wb") as sparse:
        sparse.truncate(1 << 40)
    deep = "<div>" * 5000 + "<p>嘎查党支部带领牧民种植饲草，草场面积扩大一倍。</p>" * 3
    (folder / "deep.html").write_text(f"<html><body><h1>饲草</h1>{deep}", encoding="utf-8")
    (folder / "bogus.html").write_text(
        '<meta charset="x-no-such-9"><h1>字符集</h1><p>社区党委组织志愿者清扫街巷。</p>'
    )
    db = tmp / "odd.db"
    done = cli("ingest", str(folder), "--json", db=db, timeout=120)
    result = json.loads(done.stdout) if done.returncode in (0, 1) else {"rejected": []}
    listed = {Path(r["file"]).name for r in result["rejected"]}
    text = cli("articles", db=db).stdout + cli("ingest", str(folder), db=db).stdout
    shown = "".join(cli("show", str(n), db=db).stdout for n in range(1, result["added"] + 1))
    report(
        "odd names in a folder",
        clean_exit(done, 0) and "\x1b" not in text + shown and "\u202e" not in text + shown
        and "党建.txt" in shown,
        "ESC and bidi controls escaped when printed, a GBK-encoded name decoded: "
        f"{result['added']} articles",
    )  # fmt: skip
    report(
        "special files listed",
        {"pipe.txt", "gone.txt", "sparse.txt"} <= listed,
        f"refused by name: {sorted(n for n in listed if not n.endswith('.pdf'))}",
    )
    store = await Store.open(db)
    try:
        rows = await store.conn.execute_fetchall(
            "SELECT count(*) FROM articles WHERE text LIKE '%饲草%'"
        )
    finally:
        await store.close()
    report("HTML nested 5,000 deep", rows[0][0] == 1, "text kept (libxml2 drops it past 256)")
    runs = [
        cli(b"search", b"\xff\xfe", db=db),
        cli(b"stats", b"\xb3\xe0\xb7\xe5", db=db),
        cli(b"ingest", str(folder).encode(), b"--source", b"\xff", db=db),
    ]
    report(
        "arguments not UTF-8",
        all(clean_exit(r) and "UTF-8" in r.stderr for r in runs),
        f"{len(runs)} commands refused, exit 2",
    )
    names = ["奶食产业带富牧民嘎查党支部" * 8 + ".txt", "奶\x00食.txt", "\x1b[31m红.txt"]
    bylines = "\n".join(
        f"□{'张王李赵刘'[i % 5]}{'陈杨黄宋任'[i // 5 % 5]} {i}" for i in range(2400)
    )
    uploads = {name: page.encode() for name in names}
    uploads["署名.txt"] = f"署名很多的报道\n\n{bylines}\n\n{page}".encode()
    uploads["无换行.txt"] = ("、".join(["嘎查党支部"] * 3000) + f"\n\n{page}").encode()
    copy = tmp / "uploads.db"
    shutil.copy(seeded, copy)
    async with StrictBotApi(token=TOKEN) as api:
        api.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
        settings = bot_settings(copy, api.base_url, bot_api_file_url=api.base_file_url)
        async with running_bot(settings):
            for name, content in uploads.items():
                api.user_message("", user_id=ADMIN, document=api.add_file(content, name))
                await api.wait_for(
                    "sendMessage", to(ADMIN), count=len(api.sent.get(ADMIN, [])) + 1, timeout=120
                )
            store = await Store.open(copy)
            try:
                newest = await store.conn.execute_fetchall(
                    "SELECT id FROM articles ORDER BY id DESC LIMIT 2"
                )
            finally:
                await store.close()
            api.user_message("党建", user_id=STAFF)
            [found] = await api.wait_for("sendMessage", to(STAFF))
            for (article_id,) in newest:
                api.forged_callback(f"art:{article_id}", user_id=STAFF, message=found.result)
            presses = await api.wait_for("answerCallbackQuery", count=2)
    added = sum("已导入" in m.get("text", "") for m in api.sent[ADMIN])
    refused = [c for c in api.calls if not c.ok and c.method not in ("getUpdates", "setMyCommands")]
    report(
        "upload names and headers",
        added == len(uploads)
        and not refused
        and not any(p.params.get("show_alert") for p in presses),
        f"{added}/{len(uploads)} uploads ingested (names of 254 bytes, with NUL or ESC; "
        f"2,400 bylines; a 17,999-character title line), both opened, {len(refused)} "
        "calls refused",
    )
    store = await Store.open(seeded)
    try:
        await search_reply(store, "党建")  # warm
        times = []
        for query in ("ﷺ" * 50, "ﷺ" * 200, "㍿" * 1000):
            start = time.perf_counter()
            await search_reply(store, query)
            times.append(time.perf_counter() - start)
    finally:
        await store.close()
    report(
        "query cut after NFKC",
        max(times) < 0.5,
        "50 × ﷺ (900 characters after NFKC), 200 × ﷺ, 1000 × ㍿: "
        + ", ".join(f"{t * 1000:.0f} ms" for t in times)
        + " (50 × ﷺ took 1.7–2 s)",
    )
    folder_db = cli("search", "党建", db=tmp)
    report("a folder as the database", clean_exit(folder_db), folder_db.stderr.strip()[:60])


def _timed(label: str, job: Callable[[], object]) -> None:
    start = time.perf_counter()
    job()
    print(f"      ({label}: {time.perf_counter() - start:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument(
        "--only",
        help="comma-separated: queries,files,storage,telegram,digest,kills, issue24 or its "
        "parts values,settings,versions,bounds,growing,odd",
    )
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else None

    def timed(label: str, group: str, job: Callable[[], object]) -> None:
        """Run the check if its group (or, for issue24:NAME, its NAME) was asked for."""
        if wanted is None or {group, *group.split(":")[:1], group.split(":")[-1]} & wanted:
            _timed(label, job)

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "library.db"

        async def seed() -> None:
            store = await Store.open(db)
            try:
                await ingest(store, ROOT / "data" / "sample", forced_date="2024-07-01")
                await store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await store.close()

        asyncio.run(seed())
        timed("queries", "queries", lambda: asyncio.run(check_queries(db, args.queries)))
        bot_queries = args.queries // 10
        timed("bot queries", "queries",
              lambda: asyncio.run(check_bot_queries(db, bot_queries)))  # fmt: skip
        timed("files", "files", lambda: asyncio.run(check_files(db)))
        timed("storage", "storage", lambda: asyncio.run(check_storage(Path(tmp))))
        timed("telegram", "telegram", lambda: asyncio.run(check_telegram_and_access(db)))
        timed("digest faults", "digest",
              lambda: asyncio.run(check_digest_faults(Path(tmp), db)))  # fmt: skip
        here = Path(tmp)
        timed("values", "issue24:values", lambda: asyncio.run(check_values(db)))
        timed("settings", "issue24:settings", lambda: check_settings(here))
        timed("database versions", "issue24:versions",
              lambda: asyncio.run(check_database_versions(here, db)))  # fmt: skip
        timed("bounds", "issue24:bounds", lambda: asyncio.run(check_bounds(here, db)))
        timed("growing files", "issue24:growing", lambda: asyncio.run(check_growing_files(here)))
        timed("odd inputs", "issue24:odd", lambda: asyncio.run(check_odd_inputs(here, db)))
    timed("kills", "kills", lambda: check_kills(args.kills))
    with tempfile.TemporaryDirectory() as tmp:
        timed("digest kills", "kills",
              lambda: asyncio.run(check_digest_kills(Path(tmp), args.kills // 2)))  # fmt: skip
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
