"""Turning core results into what people and scripts read: terminal text, JSON, HTML."""

from __future__ import annotations

import html
from typing import Any

from bot.search import SearchPage


def snippet_html(runs: list[tuple[str, bool]]) -> str:
    """Escaped text with matched words in <mark>…</mark> (the JSON `snippet` field)."""
    return "".join(
        f"<mark>{html.escape(piece)}</mark>" if hit else html.escape(piece) for piece, hit in runs
    )


def snippet_terminal(runs: list[tuple[str, bool]], color: bool) -> str:
    """Matched words in bold on a terminal, in 【】 when piped."""
    on, off = ("\033[1;31m", "\033[0m") if color else ("【", "】")
    return "".join(f"{on}{piece}{off}" if hit else piece for piece, hit in runs)


def search_json(page: SearchPage) -> dict[str, Any]:
    return {
        "query": page.query,
        "total": page.total,
        "results": [
            {
                "article_id": h.article_id,
                "title": h.title,
                "date": h.date,
                "source_file": h.source_file,
                "snippet": snippet_html(h.snippet),
                "score": h.score,
            }
            for h in page.hits
        ],
    }


def search_text(page: SearchPage, color: bool = False, offset: int = 0) -> str:
    if not page.hits:
        return f"未找到与“{page.query}”相关的文章。" if page.query.strip() else "请输入搜索词。"
    lines = [f"共找到 {page.total} 篇文章（“{page.query}”）："]
    for n, h in enumerate(page.hits, start=offset + 1):
        lines.append(f"\n{n}. {h.title}  [#{h.article_id}]")
        lines.append(f"   {h.date} · {h.source_file}")
        lines.append(f"   {snippet_terminal(h.snippet, color)}")
    return "\n".join(lines)


def ingest_text(report: dict[str, Any]) -> str:
    lines = [
        f"读取文件 {report['files']} 个，新增文章 {report['added']} 篇，"
        f"重复跳过 {report['duplicates']} 篇，"
        f"近似重复 {report['near_duplicates']} 篇（已关联原文）。"
    ]
    if report["rejected"]:
        lines.append(f"未能导入 {len(report['rejected'])} 个文件：")
        lines += [f"  ✗ {r['file']}：{r['reason']}" for r in report["rejected"]]
    return "\n".join(lines)


def articles_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "库中还没有文章。先运行 casebot ingest 导入。"
    out = []
    for r in rows:
        extra = " · ".join(
            x for x in (r["column"] and f"栏目：{r['column']}", "、".join(r["authors"])) if x
        )
        dup = f"（近似重复，见 #{r['duplicate_of']}）" if r["duplicate_of"] else ""
        out.append(f"#{r['article_id']} {r['date']} {r['title']}{dup}  {extra}".rstrip())
    return "\n".join(out)
