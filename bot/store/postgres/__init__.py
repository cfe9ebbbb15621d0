"""The PostgreSQL backend: several bot processes on one database server."""

from bot.store.postgres.store import PostgresStore, migrations

__all__ = ["PostgresStore", "migrations"]
