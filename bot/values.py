"""Values people type or forge (a time of day, a day, an id): read once here, so every entry
point (commands, buttons, settings, the CLI) accepts and refuses the same things with the same
Chinese message, and nothing out of range reaches date arithmetic or SQLite."""

from __future__ import annotations

import re
from datetime import date, time
from urllib.parse import urlsplit, urlunsplit

# Dates outside these years are refused: no party-building report is older or newer, and
# every computation on an accepted day (its week, the period before it, a year's trend)
# stays far inside what `datetime.date` can hold.
FIRST_YEAR = 1900
LAST_YEAR = 2100
YEARS_HINT = f"年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间"
# SQLite's INTEGER is 64-bit; a larger id cannot name a row, and binding it raises.
MAX_ID = 2**63 - 1

_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_ID = re.compile(r"-?[0-9]{1,19}")


# Times of day as settings, commands and buttons give them (`digest_time`, `时间 07:30`, a
# t0730 button): one reading, so a time that passes is one a job can be scheduled at.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９：", "0123456789:")
_TIME_OF_DAY = re.compile(r"([01]?[0-9]|2[0-3])(?::([0-5][0-9])|点(?:([0-5][0-9])分?)?)")


class ValueProblem(ValueError):
    """A typed value that cannot be used; the message is for the user (Chinese)."""


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def parse_hhmm(text: str) -> time:
    """`07:30` (or `7：30`) → time(7, 30); anything else, `25:61` included, is refused."""
    found = time_of_day(text)
    if found is None:
        raise ValueProblem(f"无效时间“{text}”，应为 00:00 至 23:59 之间的 HH:MM，如 08:30。")
    return time.fromisoformat(found)


def parse_day(text: str) -> date:
    """`2024-07-01` → that date, within FIRST_YEAR..LAST_YEAR."""
    m = _DAY.fullmatch(text.strip())
    if not m:
        raise ValueProblem(f"日期格式应为 YYYY-MM-DD：{text}")
    if not year_in_range(int(m[1])):
        raise ValueProblem(f"日期超出范围：{text}（{YEARS_HINT}）。")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueProblem(f"无效日期：{text}") from None


def parse_id(text: str, *, negative: bool = False) -> int:
    """An id typed or carried by a button: ASCII digits (a leading minus only where
    `negative`, as for chat ids) that fit SQLite's 64-bit INTEGER. `²` or `٣` are refused
    here rather than by int() later."""
    m = _ID.fullmatch(text.strip())
    value = int(text) if m else None
    if value is None or abs(value) > MAX_ID or (value < 0 and not negative):
        raise ValueProblem(f"无效编号“{text[:40]}”，应为不超过 19 位的数字。")
    return value


def time_of_day(text: str) -> str | None:
    """`text` as HH:MM (`7:05`, `07：05`, `７:０５`, `7点`, `7点05分`), or None when it is no
    time of day (`25:61`, `9999`, `²:00`)."""
    found = _TIME_OF_DAY.fullmatch(text.translate(_FULL_WIDTH).strip())
    if found is None:
        return None
    return f"{int(found[1]):02d}:{found[2] or found[3] or '00'}"


DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(target: object) -> bool:
    """A PostgreSQL connection URL rather than the path of a SQLite file."""
    return isinstance(target, str) and target.startswith(DATABASE_URL_SCHEMES)


def redacted(url: str) -> str:
    """A database URL without its password, for messages, logs and `casebot config`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
