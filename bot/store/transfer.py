"""The SQL of `casebot migrate-db` (bot/migrate_db.py): which tables a library has, reading
a table a batch at a time in key order, writing the rows into another library, and moving
PostgreSQL's id sequences past the copied ids.

The catalog is read from the databases themselves rather than listed here, so a table a
later migration adds is copied without anyone remembering to add it to a list (and a
table one backend has and the other lacks is found before anything is written)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.db import Store

# The search index: SQLite's FTS5 tables (contentless, so nothing to copy), PostgreSQL's
# tsvector tables and its vocabulary (index_words); migrate-db rebuilds it from the
# articles instead. The first holds a row per indexed article on both.
INDEX_TABLES = ("article_fts", "article_chars", "index_words")

# Kept by the PostgreSQL migration runner: the target's own schema version, not data.
RUNNER_TABLES = ("schema_version",)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key: batches are read in its order
    parents: tuple[str, ...]  # other tables its foreign keys reference
    self_refs: tuple[str, ...] = ()  # columns referencing the table's own rows


def quoted(name: str) -> str:
    """Every column name quoted: `paragraphs.end` is a reserved word in PostgreSQL."""
    return '"' + name.replace('"', '""') + '"'


async def source_tables(store: Store) -> list[Table]:
    """The data tables of a SQLite library, parents before the tables referencing them."""
    names = await store.conn.execute_fetchall(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
        " AND name NOT LIKE 'sqlite%' ORDER BY name"
    )
    tables = []
    for (name,) in names:
        columns = await store.conn.execute_fetchall(
            "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (name,)
        )
        key = tuple(c for c, pk in sorted(columns, key=lambda c: c[1]) if pk)
        references = await store.conn.execute_fetchall(
            'SELECT "table", "from" FROM pragma_foreign_key_list(?)', (name,)
        )
        tables.append(
            Table(
                name=name,
                columns=tuple(c for c, _ in columns),
                key=key,
                parents=tuple(sorted({t for t, _ in references if t != name})),
                self_refs=tuple(c for t, c in references if t == name),
            )
        )
    return in_dependency_order(tables)


def in_dependency_order(tables: Sequence[Table]) -> list[Table]:
    """Each table after the tables it references, otherwise by name."""
    placed: list[Table] = []
    done: set[str] = set()
    waiting = sorted(tables, key=lambda t: t.name)
    while waiting:
        ready = [t for t in waiting if all(p in done or p == t.name for p in t.parents)]
        if not ready:  # a cycle between tables: none of ours has one
            raise ValueError(f"tables reference each other: {[t.name for t in waiting]}")
        placed.append(ready[0])
        done.add(ready[0].name)
        waiting.remove(ready[0])
    return placed


async def target_columns(store: Store) -> dict[str, dict[str, str]]:
    """{table: {column: data type}} of a PostgreSQL library's tables, the runner's and the
    search index's included."""
    rows = await store.conn.execute_fetchall(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
        " JOIN information_schema.tables t"
        " ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
        " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
    )
    found: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        found.setdefault(table, {})[column] = data_type
    return found


async def read_batch(
    store: Store, table: Table, after: Sequence[Any] | None, limit: int
) -> list[tuple[Any, ...]]:
    """Up to `limit` rows of `table` whose key follows `after` (None: from the first), in
    key order: each batch is one index range, however far into the table it starts."""
    keys = ", ".join(map(quoted, table.key))
    where, params = "", []
    if after is not None:
        where = f" WHERE ({keys}) > ({', '.join('?' * len(table.key))})"
        params = list(after)
    rows = await store.conn.execute_fetchall(
        f"SELECT {', '.join(map(quoted, table.columns))} FROM {quoted(table.name)}{where}"
        f" ORDER BY {keys} LIMIT ?",
        (*params, limit),
    )
    return [tuple(r) for r in rows]


async def write_rows(store: Store, table: Table, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        await store.conn.executemany(
            f"INSERT INTO {quoted(table.name)} ({', '.join(map(quoted, table.columns))})"
            f" VALUES ({', '.join('?' * len(table.columns))})",
            rows,
        )


async def set_column(
    store: Store, table: Table, column: str, values: Sequence[tuple[Any, Sequence[Any]]]
) -> None:
    """Sets `column` of the rows with these keys: [(value, key values)]."""
    where = " AND ".join(f"{quoted(k)} = ?" for k in table.key)
    await store.conn.executemany(
        f"UPDATE {quoted(table.name)} SET {quoted(column)} = ? WHERE {where}",
        [(value, *key) for value, key in values],
    )


async def count_rows(store: Store, table: str) -> int:
    ((n,),) = await store.conn.execute_fetchall(f"SELECT count(*) FROM {quoted(table)}")
    return n


async def indexed_ids(store: Store) -> set[int]:
    """The articles SQLite's search index holds (its row sizes list them: the table itself
    is contentless), so the copy indexes exactly what the source did."""
    rows = await store.conn.execute_fetchall("SELECT rowid FROM article_fts")
    return {r[0] for r in rows}


async def unvalidated_checks(store: Store) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the CHECK constraints a PostgreSQL migration added NOT
    VALID: they leave rows stored before them alone (0011's subscription times, paused
    with the reason), as SQLite's triggers do, so a copy of such rows must too."""
    rows = await store.conn.execute_fetchall(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
        " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = current_schema() AND c.contype = 'c' AND NOT c.convalidated"
        " ORDER BY 1, 2"
    )
    return [(t, n, d) for t, n, d in rows]


async def drop_check(store: Store, table: str, name: str) -> None:
    await store.conn.execute(f"ALTER TABLE {quoted(table)} DROP CONSTRAINT {quoted(name)}")


async def add_check(store: Store, table: str, name: str, definition: str) -> None:
    """Adds the constraint back as `unvalidated_checks` read it (NOT VALID included)."""
    await store.conn.execute(
        f"ALTER TABLE {quoted(table)} ADD CONSTRAINT {quoted(name)} {definition}"
    )


async def advance_identities(store: Store) -> list[str]:
    """Moves each PostgreSQL identity sequence past the largest id its table holds (copied
    rows carry their ids, which the sequences never issued); returns the tables."""
    rows = await store.conn.execute_fetchall(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name"
    )
    for table, column in rows:
        await store.conn.execute_fetchall(
            f"SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max({quoted(column)}), 0)"
            f" + 1, false) FROM {quoted(table)}",
            (table, column),
        )
    return [table for table, _ in rows]
