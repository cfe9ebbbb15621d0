"""Running the real bot (handlers.app) against a Bot API peer on loopback, for tests."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.values import is_database_url
from handlers.app import build_application, webhook_options

TOKEN = "123:ABC"
ADMIN = 501
STAFF = 502
OUTSIDER = 503
GROUP = -1001
STRANGE_GROUP = -1002


def bot_settings(db: Path | str, base_url: str, **changes: object) -> Settings:
    """The bot's settings for a test, its library a SQLite file or a PostgreSQL URL."""
    defaults: dict[str, object] = {
        "db_url" if is_database_url(db) else "db_path": db,
        "telegram_bot_token": TOKEN,
        "bot_api_url": base_url,
        "admin_ids": (ADMIN,),
        "staff_ids": (STAFF,),
        "allowed_chat_ids": (GROUP,),
        "ingest_workers": 1,
    }
    return replace(Settings(), **(defaults | changes))  # type: ignore[arg-type]


def seeded_copy(seeded_file: Path, tmp_path: Path) -> Path:
    """A private copy of the session's seeded library (copying beats re-ingesting)."""
    db = tmp_path / "bot.db"
    shutil.copy(seeded_file, db)
    return db


@asynccontextmanager
async def running_bot(settings: Settings, **options: Any) -> AsyncIterator[Application]:
    """The Application of `casebot run` against the peer at settings.bot_api_url: polling,
    or a webhook server when settings.webhook_url is set; `options` go to
    build_application (e.g. clock=)."""
    app = build_application(settings, **options)
    await app.initialize()
    assert app.post_init and app.post_shutdown and app.updater
    await app.post_init(app)  # run_polling() would call it; we drive the steps ourselves
    await app.start()
    if settings.webhook_url:
        await app.updater.start_webhook(**webhook_options(settings))
    else:
        await app.updater.start_polling(poll_interval=0.02, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.post_shutdown(app)
        await app.shutdown()


def assert_no_errors(caplog: pytest.LogCaptureFixture) -> None:
    """PTB only logs what fails inside handlers, so a broken handler shows up here."""
    # aiohttp's server is the test peer's: a long poll the bot drops at shutdown is logged
    # there as an error, and says nothing about the bot.
    errors = [
        r for r in caplog.records if r.levelno >= logging.ERROR and not r.name.startswith("aiohttp")
    ]
    assert not errors, "\n".join(r.getMessage() for r in errors)
