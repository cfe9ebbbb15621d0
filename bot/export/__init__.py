"""Word documents staff hand in, in the official layout (GB/T 9704-2012): the 典型案例汇编,
the daily or weekly 简报 and statistics tables; for `casebot export` and the bot's /export.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from bot.export.brief import digest_document
from bot.export.compilation import cases_document
from bot.export.model import ExportError, ExportFile, Issuer
from bot.export.tables import stats_document
from bot.stats import Stats, StatsError, stats_for
from bot.store import Store

__all__ = [
    "ExportError",
    "ExportFile",
    "Issuer",
    "Pictures",
    "cases_document",
    "digest_document",
    "stats_export",
]

Pictures = Callable[[Stats], Awaitable[tuple[bytes, ...]]]


async def stats_export(
    store: Store, text: str, today: date, issuer: Issuer, pictures: Pictures
) -> ExportFile:
    """The statistics table of `/stats text`, with the pictures drawn for it."""
    try:
        stats = await stats_for(store, text, today)
    except StatsError as exc:
        near = f"您是不是要找：{'、'.join(exc.suggestions)}" if exc.suggestions else ""
        raise ExportError("\n".join(x for x in (str(exc), near) if x)) from exc
    reported = stats.totals.articles or stats.totals.cases
    return stats_document(stats, issuer, await pictures(stats) if reported else ())
