"""Running casebot as a server: the Docker image's settings, what `casebot run` does with
no token there, and `casebot config` (secrets masked, values as the TOML file takes them)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.config import load_settings
from tests.conftest import ROOT

TOKEN = "123456789:AAFakeTokenForTheTestOnly0123456789"


def image_env() -> dict[str, str]:
    """The environment the Dockerfile's ENV lines give the container."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"(\w+)=(\S+)", line))
    return env


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CASEBOT_", "TELEGRAM_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=base | env,
        timeout=300,
    )


def test_the_image_listens_outside_the_container_and_runs_as_a_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = image_env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.webhook_listen == "0.0.0.0" and settings.server_mode
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(rf"^EXPOSE {settings.webhook_port}$", dockerfile, re.M)


def test_a_server_without_a_token_refuses_to_start(tmp_path: Path) -> None:
    # It used to open the console, read the end of input at once, seed the production
    # volume with the demo pages and exit 0.
    db = tmp_path / "volume" / "casebot.db"
    env = {**image_env(), "CASEBOT_DB": str(db)}
    done = run(["run"], env)
    assert done.returncode == 2
    assert "未设置 TELEGRAM_BOT_TOKEN" in done.stderr and "Traceback" not in done.stderr
    assert not db.exists()
    # The console asked for on a server opens, but never puts the demo in a real library.
    done = run(["run", "--console"], env, stdin=":quit\n")
    assert done.returncode == 0, done.stderr
    assert "不导入示例语料" in done.stdout and "已导入示例语料" not in done.stdout
    assert sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_config_masks_secrets_and_prints_toml(tmp_path: Path) -> None:
    config = tmp_path / "casebot.toml"
    config.write_text('admin_ids = [7, 8]\nwebhook_secret = "s3cret-value"\n', encoding="utf-8")
    done = run(["config", "--config", str(config)], {"TELEGRAM_BOT_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert TOKEN not in out and TOKEN[:10] not in out and "s3cret" not in out
    assert "PosixPath" not in out and "()" not in out
    assert 'telegram_bot_token = "（已设置' in out
    assert "# 管理员的 Telegram 用户编号\nadmin_ids = [7, 8]" in out
    table = tomllib.loads(out)  # what it prints is a TOML file
    assert table["admin_ids"] == [7, 8] and table["staff_ids"] == []
    assert table["db_path"].endswith("casebot.db") and table["server_mode"] is False
