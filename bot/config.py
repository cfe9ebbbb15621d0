"""Every setting casebot reads, with its default and a one-line help.

Sources, later ones winning: the defaults below, an optional TOML file (``CASEBOT_CONFIG``
or ``--config``), then environment variables named ``CASEBOT_<FIELD>`` in upper case
(``TELEGRAM_BOT_TOKEN`` for the token).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    """The shipped data: ``bot/_data`` in an installed wheel, ``data/`` in a checkout."""
    packaged = PACKAGE_DIR / "_data"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "data"


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "casebot" / "casebot.db"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    db_path: Path = _setting(default_db_path(), "SQLite database file (env CASEBOT_DB)")
    data_dir: Path = _setting(default_data_dir(), "folder with places/, sample/ and term lists")
    timezone: str = _setting("Asia/Shanghai", "timezone for dates, digests and schedules")
    max_file_mb: float = _setting(20.0, "files larger than this many MB are refused at ingest")
    ingest_workers: int = _setting(
        0, "processes that parse and segment files in parallel (0 = one per CPU core)"
    )
    near_duplicate_ratio: float = _setting(
        90.0, "rapidfuzz ratio (0-100) at or above which an article is a near-duplicate"
    )
    telegram_bot_token: str = _setting("", "Bot API token; without it `casebot run` is a console")
    admin_ids: tuple[int, ...] = _setting((), "Telegram user ids of admins (comma-separated)")
    staff_ids: tuple[int, ...] = _setting(
        (), "Telegram user ids allowed to use the bot (comma-separated; admins add more in /admin)"
    )
    allowed_chat_ids: tuple[int, ...] = _setting(
        (), "group and channel chat ids the bot serves (comma-separated; admins add more)"
    )
    admin_chat_id: int = _setting(0, "chat that receives error reports (0 = none)")
    bot_api_url: str = _setting(
        "https://api.telegram.org/bot", "Bot API base URL (a self-hosted Bot API server's)"
    )
    bot_api_file_url: str = _setting(
        "https://api.telegram.org/file/bot", "Bot API file download base URL"
    )
    webhook_url: str = _setting("", "public HTTPS URL of the webhook; empty = long polling")
    webhook_listen: str = _setting("127.0.0.1", "address the webhook server listens on")
    webhook_port: int = _setting(8443, "port the webhook server listens on")
    webhook_path: str = _setting("telegram", "URL path of the webhook")
    webhook_secret: str = _setting("", "secret token Telegram sends with every webhook call")
    digest_time: str = _setting("08:30", "default time (HH:MM, timezone above) of a new digest")
    digest_catch_up: str = _setting(
        "all",
        "digests missed while the bot was down: all = each once, oldest first (up to 7 days);"
        " latest = only the newest",
    )
    issuing_unit: str = _setting(
        "党委宣传部", "导出文件的发文单位（汇编封面、简报报头、统计表落款），如 中共××旗委宣传部"
    )
    brief_title: str = _setting(
        "党建工作简报", "简报报头的名称（casebot export digest、/export 简报）"
    )
    brief_recipients: str = _setting(
        "报：上级党委宣传部；送：各盟市委宣传部",
        "简报版记中的报送单位，每行一项，用分号（；）分行，如 报：……；送：……",
    )
    sources_interval_min: int = _setting(60, "minutes between two polls of a news source")
    sources_lead_min: int = _setting(
        30, "minutes before digest_time at which every source is polled once more"
    )
    sources_host_delay: float = _setting(1.0, "seconds between two requests to one web site")
    sources_timeout: float = _setting(20.0, "seconds a web page may take, first byte to last")
    sources_max_mb: float = _setting(5.0, "web pages larger than this many MB are not read")
    sources_max_failures: int = _setting(
        5, "failed polls in a row after which a source is paused and admins are told"
    )

    @classmethod
    def help_lines(cls) -> list[str]:
        return [f"{f.name}: {f.metadata['help']}" for f in fields(cls)]


_ENV_OVERRIDES = {"db_path": "CASEBOT_DB", "telegram_bot_token": "TELEGRAM_BOT_TOKEN"}


def _coerce(name: str, value: Any) -> Any:
    target = {f.name: f for f in fields(Settings)}[name]
    kind = type(target.default)
    if kind is tuple:
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        return tuple(int(v) for v in items if str(v).strip())
    if kind is bool:
        return str(value).lower() in {"1", "true", "yes", "on"}
    if isinstance(target.default, Path):
        return Path(value).expanduser()
    return kind(value)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then the TOML file, then the environment, then explicit overrides."""
    values: dict[str, Any] = {}
    config_file = config_file or (
        Path(os.environ["CASEBOT_CONFIG"]) if os.environ.get("CASEBOT_CONFIG") else None
    )
    names = {f.name for f in fields(Settings)}
    if config_file:
        with open(config_file, "rb") as fh:
            table = tomllib.load(fh)
        unknown = set(table) - names
        if unknown:
            raise ValueError(f"配置文件 {config_file} 中有未知设置：{', '.join(sorted(unknown))}")
        values.update(table)
    for name in names:
        env = _ENV_OVERRIDES.get(name, f"CASEBOT_{name.upper()}")
        if os.environ.get(env):
            values[name] = os.environ[env]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()})
