"""The store: every SQL statement of casebot lives in this package, on SQLite (the embedded
default) or PostgreSQL."""

from bot.store.base import StoreError, database_errors, integrity_errors
from bot.store.db import Store
from bot.values import is_database_url

__all__ = ["Store", "StoreError", "database_errors", "integrity_errors", "is_database_url"]
