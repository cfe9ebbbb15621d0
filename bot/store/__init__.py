"""The SQLite store: every SQL statement of casebot lives in this package."""

from bot.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
