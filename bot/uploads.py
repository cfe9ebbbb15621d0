"""Files admins send to the bot: what is refused before downloading, and ingesting what
was downloaded, with an audit entry either way."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path, PurePath
from typing import Any

from bot.access import Access
from bot.config import Settings
from bot.ingest.pipeline import IngestReport, ingest_paths, limited_pool
from bot.ingest.readers import SUPPORTED_SUFFIXES

# The Bot API lets a bot download files of at most 20 MB (getFile).
BOT_API_DOWNLOAD_MB = 20
# Address space of the process that parses an upload. A spawned worker holds 190 MB once
# jieba and the place automaton are loaded (VmSize in /proc/self/status of the worker);
# parsing a .docx of 100k paragraphs took 0.93 GB in the bot before (issue 24).
UPLOAD_MEMORY_MB = 768
NAME_BYTES = 255  # the longest file name Linux file systems accept


def upload_limit_mb(settings: Settings) -> float:
    return min(settings.max_file_mb, BOT_API_DOWNLOAD_MB)


def upload_refusal(file_name: str | None, size: int | None, settings: Settings) -> str | None:
    """Why a file will not be ingested, in Chinese; None if it may be downloaded."""
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = "、".join(sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES))
        return f"无法导入“{file_name or '未命名文件'}”：不支持该文件类型。支持：{kinds}。"
    limit = upload_limit_mb(settings)
    if size is not None and size > limit * 1024 * 1024:
        return (
            f"无法导入“{file_name}”：文件大小 {size / 1024 / 1024:.1f} MB，"
            f"超过上限 {limit:g} MB。请拆分后再发送。"
        )
    return None


def safe_file_name(file_name: str) -> str:
    """The name to save an upload under: without any folder part a sender may have put in
    it, without control characters (a NUL cannot be in a file name, ESC would reach logs and
    terminals) and at most NAME_BYTES bytes, shortened before its extension (a Chinese
    headline reaches that at 85 characters)."""
    name = PurePath(file_name.replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable() or c == " ").strip()
    stem, suffix = PurePath(name).stem, PurePath(name).suffix
    if len(name.encode()) > NAME_BYTES:
        room = NAME_BYTES - len(suffix.encode())
        stem = stem.encode()[:room].decode(errors="ignore")
        name = stem + suffix
    return name if stem.strip(". ") else f"upload{suffix or '.txt'}"


class UploadParser:
    """The bot's worker process for uploads (limited_pool), started on the first upload and
    kept, so only that one waits for jieba to load (21 uploads in a row took 131 s with a
    fresh worker for each, `python bench/faults.py --only files`)."""

    def __init__(self, memory_limit_mb: int = UPLOAD_MEMORY_MB) -> None:
        self.memory_limit_mb = memory_limit_mb
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = limited_pool(self.memory_limit_mb)
        return self._pool

    def close(self) -> None:
        """Also after a worker died: the pool cannot take work any more."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


async def ingest_upload(
    access: Access, parser: UploadParser, path: Path, *, actor: int, chat: int
) -> dict[str, Any]:
    settings = access.settings

    async def run() -> IngestReport:
        return await ingest_paths(
            access.store,
            [path],
            max_bytes=int(settings.max_file_mb * 1024 * 1024),
            near_ratio=settings.near_duplicate_ratio,
            timezone=settings.timezone,
            source=None,
            pool=parser.pool(),
        )

    try:
        report = await run()
    except BrokenProcessPool:  # a worker died on an earlier file: start anew
        parser.close()
        report = await run()
    result = report.as_json()
    await access.audit(
        actor,
        chat,
        "ingest",
        f"{path.name}: 新增 {result['added']}，重复 {result['duplicates']}，"
        f"拒绝 {len(result['rejected'])}",  # type: ignore[arg-type]
    )
    return result
