"""Sources and polls as text (CLI) and as chat replies (Telegram HTML, with buttons)."""

from __future__ import annotations

from datetime import datetime
from html import escape as e
from zoneinfo import ZoneInfo

from bot.chat.links import SourceAction
from bot.chat.reply import Button, Reply
from bot.sources.library import Stored
from bot.sources.model import KIND_NAMES
from bot.sources.poll import PollReport
from bot.sources.service import HEALTH_DAYS, Preview, SourceHealth

STATUS_NAMES = {"active": "正常", "paused": "已暂停"}
OUTCOME_NAMES = {
    "new": "新增",
    "near_duplicate": "近似重复（已关联原文）",
    "duplicate": "重复，已关联到库中文章",
    "updated": "已更新为新版本",
    "unchanged": "已在库中",
    "rejected": "未导入",
}
PER_MESSAGE = 10  # sources in one /sources message: 10 fit well within 4096 characters
POLL_STATUS = {"ok": "完成", "not_modified": "无更新", "failed": "失败", "paused": "失败，已暂停"}


def _when(iso: str | None, timezone: str) -> str:
    if not iso:
        return "从未"
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo(timezone)):%m-%d %H:%M}"


def source_lines(h: SourceHealth, timezone: str) -> list[str]:
    s = h.source
    status = STATUS_NAMES.get(s.status, s.status)
    if s.status == "paused" and s.paused_reason:
        status += f"（{s.paused_reason}）"
    lines = [
        f"#{s.id} [{KIND_NAMES.get(s.kind, s.kind)}] {s.name} — {status}",
        f"  {s.url}",
        f"  最近成功：{_when(s.last_success_at, timezone)}　近{HEALTH_DAYS}天文章：{h.recent} 篇",
    ]
    if s.last_error:
        lines.append(f"  最近错误：{_when(s.last_error_at, timezone)} {s.last_error}")
    return lines


def sources_text(found: list[SourceHealth], timezone: str = "Asia/Shanghai") -> str:
    if not found:
        return "还没有新闻来源。用 casebot sources add URL 添加。"
    return "\n".join(line for h in found for line in source_lines(h, timezone))


def preview_text(p: Preview) -> str:
    head = f"试抓 [{KIND_NAMES.get(p.kind, p.kind)}] {p.name} {p.url}".replace("  ", " ")
    if p.error:
        return f"{head}\n  ❌ 无法读取：{p.error}"
    lines = [f"{head}\n  找到 {p.links} 个文章链接，前 {len(p.samples)} 篇将这样导入："]
    for s in p.samples:
        if s.title is None:
            lines.append(f"  ✗ {s.url}\n    {s.reason}")
        else:
            lines.append(f"  ✓ {s.title}（{s.date}，{s.paragraphs} 段）\n    {s.url}")
    return "\n".join(lines)


def poll_text(report: PollReport) -> str:
    if not report.sources:
        return "没有到期的来源。"
    lines = [
        f"抓取 {len(report.sources)} 个来源：新增 {sum(s.new for s in report.sources)} 篇，"
        f"更新 {sum(s.updated for s in report.sources)} 篇；"
        f"请求 {report.requests} 次，{report.bytes / 1024:.0f} KB。"
    ]
    for s in report.sources:
        line = f"#{s.source_id} {s.name}：{POLL_STATUS.get(s.status, s.status)}"
        if s.status in ("ok", "not_modified"):
            line += f"，链接 {s.links}，新增 {s.new}，重复 {s.duplicates + s.near_duplicates}"
            line += f"，更新 {s.updated}，未导入 {len(s.rejected)}"
        else:
            line += f"：{s.error}"
        lines.append(line)
        lines += [f"  ✗ {r.url}：{r.reason}" for r in s.rejected]
    return "\n".join(lines)


# --- chat ---------------------------------------------------------------------------


def sources_replies(found: list[SourceHealth], timezone: str) -> list[Reply]:
    """/sources: each source's health with its buttons, PER_MESSAGE sources a message (a
    message holds 4096 characters)."""
    if not found:
        return [Reply("还没有新闻来源。发送 <code>/sources add 网址 [类型] [选择器]</code> 添加。")]
    return [_sources_page(found, timezone, first) for first in range(0, len(found), PER_MESSAGE)]


def sources_page_of(found: list[SourceHealth], timezone: str, source_id: int) -> Reply:
    """The message of /sources that shows (or showed, before it was removed) a source."""
    before = sum(1 for h in found if h.source.id < source_id)
    first = min(before, max(len(found) - 1, 0)) // PER_MESSAGE * PER_MESSAGE
    return sources_replies(found, timezone)[first // PER_MESSAGE]


def _sources_page(found: list[SourceHealth], timezone: str, first: int) -> Reply:
    page = found[first : first + PER_MESSAGE]
    text = "\n\n".join("\n".join(e(line) for line in source_lines(h, timezone)) for h in page)
    heading = "新闻来源"
    if len(found) > PER_MESSAGE:
        heading += f"（{first + 1}–{first + len(page)}/{len(found)}）"
    rows = []
    for h in page:
        sid = h.source.id
        toggle = (
            Button(f"▶️ 恢复 #{sid}", SourceAction(sid, "resume"))
            if h.source.status != "active"
            else Button(f"⏸ 暂停 #{sid}", SourceAction(sid, "pause"))
        )
        rows.append(
            (
                toggle,
                Button("🔄 立即抓取", SourceAction(sid, "poll")),
                Button("🗑 删除", SourceAction(sid, "remove")),
            )
        )
    return Reply(f"<b>{heading}</b>\n{text}", tuple(rows))


def stored_html(found: list[Stored]) -> str:
    """The reply to links sent to the bot, one line per link."""
    lines = []
    for s in found:
        mark = "❌" if s.outcome == "rejected" else "✅"
        what = OUTCOME_NAMES.get(s.outcome, s.outcome)
        detail = f"：{e(s.reason)}" if s.reason else ""
        title = f"“{e(s.title)}” " if s.title else ""
        number = f"（#{s.article_id}）" if s.article_id else ""
        lines.append(f"{mark} {title}{what}{number}{detail}\n{e(s.url)}")
    return "\n".join(lines)


def preview_html(p: Preview) -> str:
    return f"<pre>{e(preview_text(p))}</pre>"


def paused_html(name: str, source_id: int, reason: str, failures: int) -> str:
    return (
        f"⚠️ 新闻来源 #{source_id} {e(name)} 连续 {failures} 次抓取失败，已暂停。\n"
        f"原因：{e(reason)}\n处理后在 /sources 中点“恢复”。"
    )
