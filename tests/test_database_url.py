"""Choosing PostgreSQL: the setting is checked at load, its password never printed, and a
server that cannot be reached or a database that does not exist is a clear message."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.conftest import ROOT


def _casebot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120, env=env,
    )  # fmt: skip


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_config_shows_the_url_without_its_password() -> None:
    env = os.environ | {"CASEBOT_DB_URL": "postgresql://casebot:s3cret-pw@db.example:5432/lib"}
    done = _casebot("config", env=env)
    assert done.returncode == 0, done.stderr
    assert 'db_url = "postgresql://casebot:***@db.example:5432/lib"' in done.stdout
    assert "s3cret-pw" not in done.stdout


def test_a_url_that_is_not_postgresql_is_refused_at_load() -> None:
    done = _casebot("articles", env=os.environ | {"CASEBOT_DB_URL": "mysql://x@y/z"})
    assert done.returncode == 2
    assert "db_url" in done.stderr and "postgresql://" in done.stderr


def test_an_unreachable_server_is_a_clear_message() -> None:
    url = f"postgresql://casebot:pw@127.0.0.1:{_closed_port()}/lib"
    done = _casebot("search", "党建", "--db", url)
    assert done.returncode == 2
    assert "连接不上数据库服务器" in done.stderr and "Traceback" not in done.stderr
    assert "pw@" not in done.stderr


def test_a_database_that_does_not_exist_is_a_clear_message(pg_server: str) -> None:
    missing = pg_server.rsplit("/", 1)[0] + "/no_such_library"
    done = _casebot("articles", "--db", missing)
    assert done.returncode == 2
    assert "数据库或用户不存在" in done.stderr and "Traceback" not in done.stderr
