"""The SQLite backend: the embedded default, one file."""

from bot.store.sqlite.store import SqliteStore, _statements, migrations

__all__ = ["SqliteStore", "_statements", "migrations"]
