"""What /export answers: which document the words after it ask for, or how to ask."""

from __future__ import annotations

from datetime import datetime

from bot.chat.digest import parse_digest_args
from bot.export import (
    ExportError,
    ExportFile,
    Issuer,
    Pictures,
    cases_document,
    digest_document,
    stats_export,
)
from bot.store import Store

USAGE = (
    "用法：\n"
    "/export 案例 [地区:… 主题:… 时间:… 关键词] —— 典型案例汇编\n"
    "/export 简报 [日期] [每周] [地区:… 主题:…] —— 日报或周报（默认昨天）\n"
    "/export 统计 [地区] [时间:…] [主题:…] —— 统计表（默认近30天）\n"
    "文件为 Word（.docx），按党政机关公文格式（GB/T 9704）排版。"
)
KINDS = {"案例": "cases", "汇编": "cases", "cases": "cases", "简报": "digest", "摘要": "digest",
         "digest": "digest", "统计": "stats", "stats": "stats"}  # fmt: skip


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
