"""The store: every SQL statement of casebot lives in this package, on SQLite (the embedded
default) or PostgreSQL."""

from bot.store.base import DatabaseError, IntegrityError, StoreError
from bot.store.db import Store
from bot.values import is_database_url

__all__ = ["DatabaseError", "IntegrityError", "Store", "StoreError", "is_database_url"]
