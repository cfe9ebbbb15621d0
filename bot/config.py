"""Every setting casebot reads, with its default and a one-line help.

Sources, later ones winning: the defaults below, an optional TOML file (``CASEBOT_CONFIG``
or ``--config``), then environment variables named ``CASEBOT_<FIELD>`` in upper case
(``TELEGRAM_BOT_TOKEN`` for the token).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.values import ValueProblem, parse_hhmm, parse_id

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

    @classmethod
    def help_lines(cls) -> list[str]:
        return [f"{f.name}: {f.metadata['help']}" for f in fields(cls)]


_ENV_OVERRIDES = {"db_path": "CASEBOT_DB", "telegram_bot_token": "TELEGRAM_BOT_TOKEN"}
CATCH_UP_CHOICES = ("all", "latest")


class SettingError(ValueError):
    """A setting that cannot be used; the message names it and says what it should be."""


def _ids(value: Any) -> tuple[int, ...]:
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(_id(v) for v in items if not isinstance(v, str) or v.strip())


def _id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("应为 Telegram 编号（整数）")
    try:
        return parse_id(str(value), negative=True)
    except ValueProblem:
        raise ValueError("应为 Telegram 编号（整数）") from None


def _number(value: Any, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("应为数字")
    number = float(value)  # ValueError for text that is not a number
    if not math.isfinite(number) or number < low or number > high or (low_open and number == low):
        bounds = f"大于 {low:g}" if low_open else f"不小于 {low:g}"
        raise ValueError(f"应为{bounds}、不大于 {high:g} 的数字")
    return number


def _whole(value: Any, low: int, high: int) -> int:
    number = _number(value, low, high)
    if number != int(number):
        raise ValueError("应为整数")
    return int(number)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("应为文字（加引号）")
    return value


def _path(value: Any) -> Path:
    if isinstance(value, Path):
        return value
    if not _text(value).strip() or "\0" in value:
        raise ValueError("应为文件路径")
    return Path(value).expanduser()


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("应为时区名称，如 Asia/Shanghai") from None
    return value


def _clock(value: Any) -> str:
    try:
        return parse_hhmm(_text(value)).strftime("%H:%M")
    except ValueProblem as exc:
        raise ValueError(str(exc)) from None


def _catch_up(value: Any) -> str:
    if value not in CATCH_UP_CHOICES:
        raise ValueError(f"应为 {' 或 '.join(CATCH_UP_CHOICES)}")
    return value


# What each setting accepts, converting text from the environment; anything else is refused
# at load with the setting's name, not met later as a traceback (an unknown timezone) or
# nonsense (a file limit of nan MB, which refuses nothing).
_READERS: dict[str, Callable[[Any], Any]] = {
    "db_path": _path,
    "data_dir": _path,
    "timezone": _timezone,
    "max_file_mb": lambda v: _number(v, 0, 1024 * 1024, low_open=True),
    "ingest_workers": lambda v: _whole(v, 0, 256),
    "near_duplicate_ratio": lambda v: _number(v, 0, 100),
    "telegram_bot_token": _text,
    "admin_ids": _ids,
    "staff_ids": _ids,
    "allowed_chat_ids": _ids,
    "admin_chat_id": _id,
    "bot_api_url": _text,
    "bot_api_file_url": _text,
    "webhook_url": _text,
    "webhook_listen": _text,
    "webhook_port": lambda v: _whole(v, 1, 65535),
    "webhook_path": _text,
    "webhook_secret": _text,
    "digest_time": _clock,
    "digest_catch_up": _catch_up,
}


def _coerce(name: str, value: Any, origin: str) -> Any:
    try:
        return _READERS[name](value)
    except ValueError as exc:
        shown = repr(value) if not isinstance(value, str) else f"“{value[:60]}”"
        raise SettingError(f"设置 {name}（{origin}）的值 {shown} 无效：{exc}") from None


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then the TOML file, then the environment, then explicit overrides; every
    value is checked here, overridden ones too, so a bad one stops the program at start
    with its name and where it was written."""
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
        values.update({k: _coerce(k, v, f"配置文件 {config_file}") for k, v in table.items()})
    for name in names:
        env = _ENV_OVERRIDES.get(name, f"CASEBOT_{name.upper()}")
        if os.environ.get(env):
            values[name] = _coerce(name, os.environ[env], f"环境变量 {env}")
    values.update({k: _coerce(k, v, "命令行") for k, v in overrides.items() if v is not None})
    return replace(Settings(), **values)
