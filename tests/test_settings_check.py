"""Settings are checked when they are loaded: a bad value stops `casebot` with one Chinese
line naming the setting (exit 2), whatever the command, before anything is opened."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import _READERS, SettingError, Settings, load_settings
from tests.conftest import ROOT

BAD = [
    ('timezone = "Mars/Base"', "timezone"),
    ('timezone = "Asia"', "timezone"),
    ("max_file_mb = inf", "max_file_mb"),
    ("max_file_mb = nan", "max_file_mb"),
    ("max_file_mb = -5", "max_file_mb"),
    ("max_file_mb = 0", "max_file_mb"),
    ('max_file_mb = "许多"', "max_file_mb"),
    ("admin_ids = [{a=1}]", "admin_ids"),
    ("admin_ids = [true]", "admin_ids"),
    ('staff_ids = ["²"]', "staff_ids"),
    ("allowed_chat_ids = [99999999999999999999999]", "allowed_chat_ids"),
    ("db_path = 5", "db_path"),
    ('db_path = ""', "db_path"),
    ('digest_time = "25:61"', "digest_time"),
    ('digest_time = "8"', "digest_time"),
    ('digest_catch_up = "some"', "digest_catch_up"),
    ("near_duplicate_ratio = 150", "near_duplicate_ratio"),
    ("ingest_workers = 1.5", "ingest_workers"),
    ("ingest_workers = -1", "ingest_workers"),
    ("webhook_port = 70000", "webhook_port"),
    ("telegram_bot_token = 123", "telegram_bot_token"),
    ("admin_chat_id = 1.5", "admin_chat_id"),
]


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "CASEBOT_DB": str(tmp_path / "x.db"), **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize(("line", "name"), BAD)
def test_a_bad_setting_is_named_at_load(tmp_path: Path, line: str, name: str) -> None:
    config = tmp_path / "casebot.toml"
    config.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(SettingError, match=f"设置 {name}（配置文件"):
        load_settings(config)


@pytest.mark.parametrize("command", [["stats"], ["digest"], ["ingest", "."], ["config"]])
def test_every_command_stops_with_the_setting_named(tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "casebot.toml"
    config.write_text('timezone = "Mars/Base"\n', encoding="utf-8")
    done = run(tmp_path, *command, "--config", str(config))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "timezone" in done.stderr and "Mars/Base" in done.stderr
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened


def test_environment_values_are_checked_too(tmp_path: Path) -> None:
    done = run(tmp_path, "config", env={"CASEBOT_MAX_FILE_MB": "nan"})
    assert done.returncode == 2 and "CASEBOT_MAX_FILE_MB" in done.stderr


def test_good_values_load_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "casebot.toml"
    config.write_text(
        'admin_ids = [5, "6"]\nmax_file_mb = 2\ndigest_time = "7:05"\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, db_path=tmp_path / "a.db")
    assert settings.admin_ids == (5, 6) and settings.max_file_mb == 2.0
    assert settings.digest_time == "07:05" and settings.db_path == tmp_path / "a.db"
    monkeypatch.setenv("CASEBOT_STAFF_IDS", "7, 8")
    assert load_settings().staff_ids == (7, 8)


def test_every_setting_has_a_check() -> None:
    assert set(_READERS) == {f.name for f in fields(Settings)}


def test_every_setting_is_checked_at_load() -> None:
    """A setting without a reader would be taken unchecked (or raise KeyError at load)."""
    from dataclasses import fields

    from bot.config import _READERS, Settings

    assert set(_READERS) == {f.name for f in fields(Settings)}
