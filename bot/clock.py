"""Times of day as settings, commands and buttons give them (`digest_time`, `时间 07:30`,
a t0730 button): one reading, so a time that passes here is one a job can be scheduled at."""

from __future__ import annotations

import re

_FULL_WIDTH = str.maketrans("０１２３４５６７８９：", "0123456789:")
_TIME_OF_DAY = re.compile(r"([01]?[0-9]|2[0-3])[:：点]([0-5][0-9])?分?")


def time_of_day(text: str) -> str | None:
    """`text` as HH:MM (`7:05`, `07：05`, `７:０５`, `7点`, `7点05分`), or None when it is no
    time of day (`25:61`, `9999`, `²:00`)."""
    found = _TIME_OF_DAY.fullmatch(text.translate(_FULL_WIDTH).strip())
    if found is None:
        return None
    return f"{int(found[1]):02d}:{found[2] or '00'}"
