"""The PostgreSQL migrations (bot/store/postgres/migrations/) on a real server: they apply in
order, name and number as SQLite's do, and the schema behaves as SQLite's: stat_counts kept
by the triggers and the upserts exactly as SQLite keeps it, times of day checked, ids
assigned. Each test applies the files itself with psycopg, in a schema of its own, on the
database of the `pg_database` fixture (tests/conftest.py), skipped with the reason where
PostgreSQL cannot be had."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.store.articles import ExtractionRows, stat_additions

STORE = Path(__file__).resolve().parent.parent / "bot" / "store"
PG_MIGRATIONS = STORE / "postgres" / "migrations"
SQLITE_MIGRATIONS = STORE / "sqlite" / "migrations"


def _files(folder: Path, *, upto: int = 9999, after: int = 0) -> list[Path]:
    return [p for p in sorted(folder.glob("*.sql")) if after < int(p.name.split("_", 1)[0]) <= upto]


def test_postgres_migrations_are_numbered_and_named_as_sqlite() -> None:
    names = [p.name for p in _files(PG_MIGRATIONS)]
    assert names == [p.name for p in _files(SQLITE_MIGRATIONS)]
    assert [int(n.split("_", 1)[0]) for n in names] == list(range(1, len(names) + 1))


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Iterator[psycopg.Connection[Any]]:
    """A connection whose tables go to a fresh schema (dropped after the test), so the tests
    share the fixture's database whatever its scope."""
    url = request.getfixturevalue("pg_database")
    schema = f"schema_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as conn:
                yield conn
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def _apply_pg(conn: psycopg.Connection[Any], files: Sequence[Path]) -> None:
    for path in files:
        with conn.transaction():
            conn.execute(path.read_text("utf-8"))


def _sqlite(files: Sequence[Path]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    # 0004 indexes the characters of the articles stored before it: there are none here.
    conn.create_function("han_set", 1, lambda text: "")
    for path in files:
        conn.executescript(path.read_text("utf-8"))
    return conn


class Both:
    """The same statements on PostgreSQL and SQLite (written with `?`, as the store writes
    them), for comparing what each schema makes of them."""

    def __init__(self, pg: psycopg.Connection[Any], lite: sqlite3.Connection) -> None:
        self.pg, self.lite = pg, lite

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.pg.execute(sql.replace("?", "%s"), params)
        self.lite.execute(sql, params)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.pg.cursor().executemany(sql.replace("?", "%s"), rows)
            self.lite.executemany(sql, rows)

    def rows(self, sql: str) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        found = self.pg.execute(sql).fetchall()
        return {tuple(r) for r in found}, {tuple(r) for r in self.lite.execute(sql)}


# 0008's initial INSERT ... SELECT: what stat_counts must hold.
RECOUNT = """
SELECT topic, code, date, sum(articles), sum(cases) FROM (
    SELECT t.topic, p.code, a.date, 1 AS articles, 0 AS cases
    FROM article_places p JOIN articles a ON a.id = p.article_id
    JOIN stat_topics t ON t.article_id = a.id
    WHERE p.is_primary AND a.duplicate_of IS NULL
    UNION ALL
    SELECT t.topic, c.place, a.date, 0, 1
    FROM cases c JOIN articles a ON a.id = c.article_id JOIN stat_topics t ON t.article_id = a.id
    WHERE c.place IS NOT NULL AND a.duplicate_of IS NULL
) AS counted GROUP BY topic, code, date
"""

STORED = "SELECT topic, code, date, articles, cases FROM stat_counts"


def _check_counts(db: Both) -> None:
    """stat_counts is what a recount gives (rows brought down to zero stay, as in SQLite)
    and the same on both databases, zero rows included."""
    pg_rows, lite_rows = db.rows(STORED)
    assert pg_rows == lite_rows
    assert all(articles >= 0 and cases >= 0 for *_, articles, cases in pg_rows)
    counted = {row for row in pg_rows if row[3] or row[4]}
    pg_recount, lite_recount = db.rows(RECOUNT)
    assert counted == pg_recount == lite_recount


# Articles of one file: (id, date, duplicate_of). 4 repeats 1: it never counts.
ARTICLES = [(1, "2026-11-02", None), (2, "2026-11-02", None), (3, "2026-11-03", None),
            (4, "2026-11-02", 1)]  # fmt: skip

# Each article's extraction: places (code, level, prefecture, mentions), the codes of its
# cases (None: a case without a resolved place) and its topics. Even articles are about 1502
# and name 1501 and 150102, odd ones the other way round: a place that only one of two
# articles of a day is about must count that one.
PLACES = [
    ("15", "region", "15", 0),
    ("1501", "prefecture", "1501", 2),
    ("150102", "county", "1501", 3),
    ("1502", "prefecture", "1502", 1),
]
CASE_PLACES = ["150102", "150102", None, "1501"]
TOPICS = ["党建引领", "乡村振兴"]


Rows = list[tuple[Any, ...]]


def _rows(article_id: int) -> tuple[Rows, Rows, Rows]:
    """The rows of an article's places, cases and topics."""
    about = {"15", "1502"} if article_id % 2 == 0 else {"15", "1501", "150102"}
    places = [(article_id, c, level, pref, c in about, n) for c, level, pref, n in PLACES]
    cases = [
        (article_id, seq, "某党支部", place, "某地", "1501", "做法", "摘要", 0, 1)
        for seq, place in enumerate(CASE_PLACES)
    ]
    topics = [(article_id, rank, topic) for rank, topic in enumerate(TOPICS)]
    return places, cases, topics


INSERTS = {
    "places": "INSERT INTO article_places (article_id, code, level, prefecture, is_primary,"
    " mentions) VALUES (?, ?, ?, ?, ?, ?)",
    "cases": "INSERT INTO cases (article_id, seq, actor, place, place_name, prefecture, practice,"
    " summary, first_paragraph, last_paragraph) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "topics": "INSERT INTO article_topics (article_id, rank, topic) VALUES (?, ?, ?)",
}
TABLES = {"places": "article_places", "cases": "cases", "topics": "article_topics"}

# The orders extraction rows are written and deleted in, one per article.
ORDERS = [
    ("places", "cases", "topics"),
    ("topics", "places", "cases"),
    ("cases", "topics", "places"),
    ("topics", "cases", "places"),
]


def _add_articles(db: Both) -> None:
    db.run(
        "INSERT INTO source_files (path, name, sha256, format, size, ingested_at)"
        " VALUES ('a.txt', 'a.txt', 'h', 'txt', 1, 't')"
    )
    db.many(
        "INSERT INTO articles (id, file_id, seq, title, date, date_origin, original_text, text,"
        " fingerprint, created_at, duplicate_of) VALUES (?, 1, ?, 't', ?, 'ingest', 'o', 'x', ?,"
        " 'c', ?)",
        [(i, i, day, f"fp{i}", dup) for i, day, dup in ARTICLES],
    )


def _delete_everything(db: Both, check: Callable[[], None]) -> None:
    """Deletes the extraction rows in every order: one row at a time, a table of an article
    at a time, and one statement over all articles."""
    db.run("DELETE FROM article_places WHERE article_id = 1 AND code = '1501'")
    check()
    db.run("DELETE FROM cases WHERE article_id = 2 AND seq = 0")
    check()
    db.run("DELETE FROM article_topics WHERE article_id = 3 AND rank = 1")
    check()
    for (article_id, _, _), order in zip(ARTICLES[:3], ORDERS[:3], strict=True):
        for kind in reversed(order):
            db.run(f"DELETE FROM {TABLES[kind]} WHERE article_id = ?", (article_id,))
            check()
    for table in ("article_topics", "cases", "article_places"):
        db.run(f"DELETE FROM {table}")
        check()


def test_stat_triggers_count_as_sqlite_whatever_the_order(pg: psycopg.Connection[Any]) -> None:
    """Up to 0009 triggers add as well as remove: rows of an article written and deleted in
    any order leave stat_counts equal to a recount, and to SQLite's."""
    _apply_pg(pg, _files(PG_MIGRATIONS, upto=9))
    db = Both(pg, _sqlite(_files(SQLITE_MIGRATIONS, upto=9)))
    _add_articles(db)

    def check() -> None:
        _check_counts(db)

    for (article_id, _, _), order in zip(ARTICLES, ORDERS, strict=True):
        rows = dict(zip(("places", "cases", "topics"), _rows(article_id), strict=True))
        for kind in order:
            db.many(INSERTS[kind], rows[kind])
            check()
    pg_rows, _ = db.rows(STORED)
    # Article 1 is about 150102; its cases and article 2's are there; article 4 repeats 1.
    assert ("乡村振兴", "150102", "2026-11-02", 1, 4) in pg_rows
    _delete_everything(db, check)
    # Deleting an article deletes its rows by cascade after the article itself: the triggers
    # no longer find its date and leave the counts (the store clears extraction first).
    for kind, rows in zip(("places", "cases", "topics"), _rows(1), strict=True):
        db.many(INSERTS[kind], rows)
    db.run("DELETE FROM articles WHERE id = 1")
    pg_rows, lite_rows = db.rows(STORED)
    assert pg_rows == lite_rows
    assert ("", "15", "2026-11-02", 1, 0) in pg_rows


def _extraction(article_id: int) -> ExtractionRows:
    places, cases, topics = _rows(article_id)
    return ExtractionRows(
        mentions="[]",
        figures="[]",
        places=[p[1:] for p in places],
        # Rows as bot/store/articles.py builds them: the case's place third.
        cases=[(seq, "某党支部", place) for _, seq, _, place, *_ in cases],
        topics=[t for _, _, t in topics],
        version=1,
    )


def test_upserted_additions_and_delete_triggers_count_as_sqlite(
    pg: psycopg.Connection[Any],
) -> None:
    """From 0010 the store adds what an article counts with one upsert per key (the sums of
    stat_additions, as Store.write_extractions does) and the delete triggers take it out."""
    _apply_pg(pg, _files(PG_MIGRATIONS))
    db = Both(pg, _sqlite(_files(SQLITE_MIGRATIONS)))
    _add_articles(db)
    items = [(article_id, _extraction(article_id)) for article_id, _, _ in ARTICLES]
    dates = {i: day for i, day, dup in ARTICLES if dup is None}
    # The portable form: PostgreSQL needs the target's columns qualified.
    upsert = (
        "INSERT INTO stat_counts (topic, code, date, articles, cases) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (topic, code, date) DO UPDATE SET"
        " articles = stat_counts.articles + excluded.articles,"
        " cases = stat_counts.cases + excluded.cases"
    )
    # One write per article: articles 1 and 2 share a date, so the second adds to the keys
    # the first inserted.
    for article_id, x in items:
        for kind, rows in zip(("places", "cases", "topics"), _rows(article_id), strict=True):
            db.many(INSERTS[kind], rows)
        db.many(upsert, stat_additions([(article_id, x)], dates))
        _check_counts(db)
    _delete_everything(db, lambda: _check_counts(db))


TIMES = ["00:00", "09:05", "19:59", "23:59", "24:00", "23:60", "29:00", "7:30", "07:3", "0730",
         "07:30 ", " 07:30", "07:30\n", "", "ab:cd", "０７:３０"]  # fmt: skip


def test_subscription_times_are_checked(pg: psycopg.Connection[Any]) -> None:
    """Rows stored before 0011 with a bad time are paused with the reason; from 0011 on a bad
    time is refused, however it arrives."""
    _apply_pg(pg, _files(PG_MIGRATIONS, upto=10))
    add = (
        "INSERT INTO subscriptions (chat_id, chat_type, at_time, status, due_from, created_at,"
        " updated_at) VALUES (%s, 'private', %s, %s, 't', 't', 't') RETURNING id"
    )
    before = {
        (at_time, status): pg.execute(add, (-1001234567890, at_time, status)).fetchone()[0]
        for at_time, status in [
            ("25:61", "active"),
            ("24:00", "paused"),
            ("08:30", "active"),
            ("7:30", "stopped"),
        ]
    }
    _apply_pg(pg, _files(PG_MIGRATIONS, after=10))
    stored = {
        i: (status, reason)
        for i, status, reason in pg.execute("SELECT id, status, reason FROM subscriptions")
    }
    assert stored[before["25:61", "active"]] == ("paused", "发送时间无效：25:61")
    assert stored[before["24:00", "paused"]] == ("paused", "发送时间无效：24:00")
    assert stored[before["08:30", "active"]] == ("active", "")
    assert stored[before["7:30", "stopped"]] == ("stopped", "")

    lite = _sqlite(_files(SQLITE_MIGRATIONS))
    lite.execute(add.replace("%s", "?"), (1, "08:30", "active"))  # id 1, as on PostgreSQL
    for at_time in TIMES:
        # Refused by PostgreSQL exactly where SQLite's triggers refuse it, on insert and on
        # a change of time.
        refused = {}
        for name, error, run in (
            ("postgresql", psycopg.errors.CheckViolation, pg.execute),
            ("sqlite", sqlite3.IntegrityError, lite.execute),
        ):
            mark = "%s" if name == "postgresql" else "?"
            try:
                run(add.replace("%s", mark), (1, at_time, "active"))
                inserted = True
            except error:
                inserted = False
            try:
                run(f"UPDATE subscriptions SET at_time = {mark} WHERE id = 1", (at_time,))
                updated = True
            except error:
                updated = False
            refused[name] = (not inserted, not updated)
        assert refused["postgresql"] == refused["sqlite"], at_time
        good = re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", at_time) is not None
        assert refused["postgresql"] == (not good, not good), at_time


def test_channel_digests_switched_on_become_subscriptions(pg: psycopg.Connection[Any]) -> None:
    """0009's data migration: a channel with {"digest": true} (or 1, which SQLite's
    json_extract reads alike) gets a daily 08:30 subscription; nothing else does."""
    _apply_pg(pg, _files(PG_MIGRATIONS, upto=8))
    chats = [
        (-1001, "channel", '{"digest": true}'),
        (-1002, "channel", '{"digest": 1}'),
        (-1003, "channel", '{"digest": false}'),
        (-1004, "channel", "{}"),
        (-1005, "supergroup", '{"digest": true}'),
    ]
    pg.cursor().executemany(
        "INSERT INTO chats (id, type, title, bot_status, settings, updated_at)"
        " VALUES (%s, %s, '频道', 'administrator', %s, 't')",
        chats,
    )
    _apply_pg(pg, _files(PG_MIGRATIONS, after=8))
    rows = pg.execute(
        "SELECT chat_id, chat_type, chat_title, at_time, weekday, status, due_from, created_at"
        " FROM subscriptions ORDER BY chat_id DESC"
    ).fetchall()
    assert [r[:6] for r in rows] == [
        (-1001, "channel", "频道", "08:30", None, "active"),
        (-1002, "channel", "频道", "08:30", None, "active"),
    ]
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
    assert all(stamp.fullmatch(r[6]) and r[6] == r[7] for r in rows)


def test_ids_are_assigned_and_hold_64_bits(pg: psycopg.Connection[Any]) -> None:
    _apply_pg(pg, _files(PG_MIGRATIONS))
    ids = [
        pg.execute(
            "INSERT INTO source_files (path, name, sha256, format, size, ingested_at)"
            " VALUES (%s, 'a', 'h', 'txt', %s, 't') RETURNING id",
            (f"{n}.txt", 5 * 2**30),
        ).fetchone()[0]
        for n in range(3)
    ]
    assert ids == [1, 2, 3]
    telegram_id = -1002147483648 - 10**10  # a channel id beyond 32 bits
    pg.execute(
        "INSERT INTO chats (id, type, bot_status, updated_at)"
        " VALUES (%s, 'channel', 'member', 't')",
        (telegram_id,),
    )
    pg.execute(
        "INSERT INTO members (kind, id, added_by, added_at) VALUES ('user', %s, %s, 't')",
        (7_000_000_000, 6_000_000_000),
    )
    sub = pg.execute(
        "INSERT INTO subscriptions (chat_id, chat_type, owner, at_time, due_from, created_at,"
        " updated_at) VALUES (%s, 'channel', %s, '08:30', 't', 't', 't') RETURNING id",
        (telegram_id, 7_000_000_000),
    ).fetchone()
    assert sub == (1,)
    pg.execute(
        "INSERT INTO articles (file_id, seq, title, date, date_origin, original_text, text,"
        " fingerprint, created_at) VALUES (1, 0, 't', '2026-11-02', 'ingest', 'o', 'x', 'f', 'c')"
    )
    band_key = 15 << 32 | 0xFFFFFFFF  # bot/ingest/pipeline.py sketch(): band << 32 | crc32
    pg.execute("INSERT INTO article_sketch (hash, article_id) VALUES (%s, 1)", (band_key,))
    assert pg.execute("SELECT hash FROM article_sketch").fetchall() == [(band_key,)]


def test_place_codes_compare_as_bytes_whatever_the_collation(
    pg: psycopg.Connection[Any],
) -> None:
    """A division's places are the codes from its own up to its own + ':' (bot/store/base.py
    _under), which holds in byte order only (under en_US or zh_CN collations '150102' sorts
    after '1501:'): every column read by code range compares in collation C."""
    _apply_pg(pg, _files(PG_MIGRATIONS))
    ranged = {
        "article_places": "code",
        "cases": "place",
        "stat_counts": "code",
        "article_edits": "primary_place",
    }
    for table, column in ranged.items():
        ((collation,),) = pg.execute(
            "SELECT collation_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
            (table, column),
        ).fetchall()
        assert collation == "C", (table, column)
    pg.cursor().executemany(
        "INSERT INTO stat_counts (topic, code, date, articles) VALUES ('', %s, 'd', 1)",
        [("1501",), ("150102",), ("15010201",), ("1502",), ("150",)],
    )
    found = pg.execute(
        "SELECT code FROM stat_counts WHERE code >= %s AND code < %s ORDER BY code",
        ("1501", "1501:"),
    ).fetchall()
    assert found == [("1501",), ("150102",), ("15010201",)]
