"""Word documents staff hand in, in the official layout (GB/T 9704-2012): the 典型案例汇编,
the daily or weekly 简报 and statistics tables; for `casebot export` and the bot's /export.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime

from bot.export.brief import digest_document
from bot.export.compilation import cases_document
from bot.export.model import DOCX_TYPE, ExportError, ExportFile, Issuer
from bot.export.tables import stats_document
from bot.stats import Stats, StatsError, stats_for
from bot.store import Store
from bot.subscribe import parse_digest_args

__all__ = [
    "DOCX_TYPE",
    "USAGE",
    "ExportError",
    "ExportFile",
    "Issuer",
    "cases_document",
    "chat_export",
    "digest_document",
    "stats_export",
]

Pictures = Callable[[Stats], Awaitable[tuple[bytes, ...]]]

USAGE = (
    "用法：\n"
    "/export 案例 [地区:… 主题:… 时间:… 关键词] —— 典型案例汇编\n"
    "/export 简报 [日期] [每周] [地区:… 主题:…] —— 日报或周报（默认昨天）\n"
    "/export 统计 [地区] [时间:…] [主题:…] —— 统计表（默认近30天）\n"
    "文件为 Word（.docx），按党政机关公文格式（GB/T 9704）排版。"
)
KINDS = {"案例": "cases", "汇编": "cases", "cases": "cases", "简报": "digest", "摘要": "digest",
         "digest": "digest", "统计": "stats", "stats": "stats"}  # fmt: skip


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


async def chat_export(
    store: Store, words: list[str], now: datetime, issuer: Issuer, pictures: Pictures
) -> ExportFile:
    """What `/export KIND …` asks for; ExportError (with the usage) when it cannot be made."""
    kind = KINDS.get(words[0]) if words else None
    if kind is None:
        raise ExportError(USAGE)
    rest = words[1:]
    if kind == "cases":
        return await cases_document(store, " ".join(rest), issuer)
    if kind == "stats":
        return await stats_export(store, " ".join(rest), now.date(), issuer, pictures)
    parsed = parse_digest_args(rest, now)
    if isinstance(parsed, str):
        raise ExportError(parsed)
    first, last, filters = parsed
    return await digest_document(store, first, last, filters, issuer)
