"""Every setting casebot reads, with its default and a one-line help.

Sources, later ones winning: the defaults below, an optional TOML file (``CASEBOT_CONFIG``
or ``--config``), then environment variables named ``CASEBOT_<FIELD>`` in upper case
(``TELEGRAM_BOT_TOKEN`` for the token).
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.values import ValueProblem, is_database_url, parse_hhmm, parse_id, redacted

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
    db_path: Path = _setting(default_db_path(), "SQLite 数据库文件（环境变量 CASEBOT_DB）")
    db_url: str = _setting(
        "",
        "PostgreSQL 数据库地址 postgresql://用户:密码@主机:端口/库名（环境变量 CASEBOT_DB_URL）；"
        "设置后不再使用 db_path",
    )
    data_dir: Path = _setting(default_data_dir(), "数据文件夹：places/、sample/ 和词表")
    timezone: str = _setting("Asia/Shanghai", "日期、摘要和定时任务所用的时区")
    max_file_mb: float = _setting(20.0, "导入时拒绝大于此大小（MB）的文件")
    ingest_workers: int = _setting(0, "并行解析、分词文件的进程数（0 = 每个 CPU 核一个）")
    near_duplicate_ratio: float = _setting(90.0, "rapidfuzz 相似度（0-100）达到此值即视为近似重复")
    telegram_bot_token: str = _setting(
        "", "Bot API 令牌（环境变量 TELEGRAM_BOT_TOKEN）；未设置时 casebot run 打开控制台"
    )
    admin_ids: tuple[int, ...] = _setting((), "管理员的 Telegram 用户编号")
    staff_ids: tuple[int, ...] = _setting(
        (), "可使用机器人的工作人员的 Telegram 用户编号（管理员可在 /admin 中添加）"
    )
    allowed_chat_ids: tuple[int, ...] = _setting((), "机器人服务的群组和频道编号（管理员可添加）")
    admin_chat_id: int = _setting(0, "接收错误报告的聊天编号（0 = 不发送）")
    bot_api_url: str = _setting(
        "https://api.telegram.org/bot", "Bot API 地址（可指向自建的 Bot API 服务器）"
    )
    bot_api_file_url: str = _setting("https://api.telegram.org/file/bot", "Bot API 文件下载地址")
    webhook_url: str = _setting("", "webhook 的公网 HTTPS 地址；留空则用长轮询")
    webhook_listen: str = _setting(
        "127.0.0.1", "webhook 服务监听的地址（容器中为 0.0.0.0，才能从容器外访问）"
    )
    webhook_port: int = _setting(8443, "webhook 服务监听的端口")
    webhook_path: str = _setting("telegram", "webhook 的 URL 路径")
    webhook_secret: str = _setting("", "Telegram 每次调用 webhook 时附带的密钥")
    digest_time: str = _setting("08:30", "新订阅的默认推送时间（HH:MM，按上面的时区）")
    digest_catch_up: str = _setting(
        "all",
        "停机期间错过的摘要：all = 每期补发一次，从旧到新（最多 7 天）；latest = 只补最新一期",
    )
    server_mode: bool = _setting(
        False,
        "服务器部署（Docker 镜像中为 true）：没有令牌时拒绝启动，控制台不导入示例语料",
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
    sources_interval_min: int = _setting(60, "新闻来源两次抓取之间的分钟数")
    sources_lead_min: int = _setting(30, "在 digest_time 之前多少分钟把所有来源再抓取一遍")
    sources_host_delay: float = _setting(1.0, "对同一网站两次请求之间的秒数")
    sources_timeout: float = _setting(20.0, "一个网页从第一个字节到最后一个字节最多等待的秒数")
    sources_max_mb: float = _setting(5.0, "超过这么多 MB 的网页不读取")
    sources_max_failures: int = _setting(5, "连续抓取失败多少次后暂停该来源并通知管理员")

    def listing(self) -> list[str]:
        """Every setting with its help and its value as it would be written in the TOML
        file (`admin_ids = [1, 2]`), secrets masked."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            shown = _masked(value) if f.name in SECRETS and value else _toml(value)
            if f.name == "db_url" and value:
                shown = _toml(redacted(value))
            out.append(f"# {f.metadata['help']}\n{f.name} = {shown}")
        return out

    @property
    def database(self) -> Path | str:
        """Where the library is: the PostgreSQL URL if one is set, else the SQLite file."""
        return self.db_url or self.db_path


SECRETS = frozenset({"telegram_bot_token", "webhook_secret"})


def _masked(secret: str) -> str:
    """Says a secret is set and nothing of it (`casebot config` output gets pasted)."""
    return _toml(f"（已设置，{len(secret)} 个字符，已隐藏）")


def _toml(value: Any) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string is a JSON one


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


def _yes_no(value: Any) -> bool:
    """true/false in the TOML file; 1/0, true/false or yes/no in the environment."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise ValueError("应为 true 或 false")


def _database_url(value: str) -> str:
    if value and not is_database_url(value):
        raise ValueError("应为 postgresql:// 开头的地址，或留空（使用 SQLite 文件）")
    return value


def _catch_up(value: Any) -> str:
    if value not in CATCH_UP_CHOICES:
        raise ValueError(f"应为 {' 或 '.join(CATCH_UP_CHOICES)}")
    return value


# What each setting accepts, converting text from the environment; anything else is refused
# at load with the setting's name, not met later as a traceback (an unknown timezone) or
# nonsense (a file limit of nan MB, which refuses nothing).
_READERS: dict[str, Callable[[Any], Any]] = {
    "db_path": _path,
    "db_url": lambda v: _database_url(_text(v)),
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
    "server_mode": _yes_no,
    "issuing_unit": _text,
    "brief_title": _text,
    "brief_recipients": _text,
    "sources_interval_min": lambda v: _whole(v, 1, 7 * 24 * 60),
    "sources_lead_min": lambda v: _whole(v, 0, 24 * 60),
    "sources_host_delay": lambda v: _number(v, 0, 3600),
    "sources_timeout": lambda v: _number(v, 0, 3600, low_open=True),
    "sources_max_mb": lambda v: _number(v, 0, 1024, low_open=True),
    "sources_max_failures": lambda v: _whole(v, 1, 1000),
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
