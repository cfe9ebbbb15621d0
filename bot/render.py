"""Turning core results into what people and scripts read: terminal text, JSON, HTML."""

from __future__ import annotations

import dataclasses
import html
from typing import TYPE_CHECKING, Any

from bot.digest import Digest
from bot.library import CaseCard, figure_text
from bot.places import get_gazetteer
from bot.search import Hit, SearchPage, Similar
from bot.stats import LEVEL_NAMES, Row, Stats
from bot.store.search import COUNT_CAP

if TYPE_CHECKING:
    from bot.edit import Deleted


def snippet_html(runs: list[tuple[str, bool]], tag: str = "mark") -> str:
    """Escaped text with matched words in <mark>…</mark> (the JSON `snippet` field; chats,
    which have no <mark>, ask for <b>)."""
    return "".join(
        f"<{tag}>{html.escape(piece)}</{tag}>" if hit else html.escape(piece) for piece, hit in runs
    )


def snippet_terminal(runs: list[tuple[str, bool]], color: bool) -> str:
    """Matched words in bold on a terminal, in 【】 when piped."""
    on, off = ("\033[1;31m", "\033[0m") if color else ("【", "】")
    return "".join(f"{on}{piece}{off}" if hit else piece for piece, hit in runs)


def search_json(page: SearchPage) -> dict[str, Any]:
    fields = {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    hits, notices = fields.pop("hits"), fields.pop("notices")
    return {
        **fields,
        "results": [hit_json(h) for h in hits],
        "cases": [dataclasses.asdict(c) for c in page.cases],
        "notices": [n.text for n in notices],
    }


def hit_json(h: Hit) -> dict[str, Any]:
    return {**dataclasses.asdict(h), "snippet": snippet_html(h.snippet)}


def similar_json(s: Similar) -> dict[str, Any]:
    fields = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    hits = fields.pop("hits")
    return {
        **fields,
        "results": [hit_json(h) for h in hits],
        "cases": [dataclasses.asdict(c) for c in s.cases],
    }


def similar_text(s: Similar) -> str:
    if not s.hits and not s.cases:
        return f"没有找到与 #{s.article_id}《{s.title}》相近的文章。"
    lines = [f"与 #{s.article_id}《{s.title}》相近（依据：{'、'.join(s.keywords[:6])}）："]
    for n, h in enumerate(s.hits, start=1):
        lines.append(f"{n}. {h.title}  [#{h.article_id}] {h.date}")
    if s.cases:
        lines.append("\n相近案例：")
        lines += [f"\n{case_card(c)}" for c in s.cases]
    return "\n".join(lines)


def search_text(page: SearchPage, color: bool = False, offset: int = 0) -> str:
    lines = [n.text for n in page.notices]
    if page.corrected:
        lines.append(f"未找到“{page.query}”，已按“{page.corrected}”搜索。")
    if not page.total:
        if page.query.strip():
            lines.append(f"未找到与“{page.query}”相关的{_KIND[page.kind]}。")
        else:
            lines.append("请输入搜索词。")
        if page.suggestions:
            lines.append(f"您是不是要找：{'、'.join(page.suggestions)}？")
        return "\n".join(lines)
    lines.append(f"共找到 {count_text(page.total)} {_UNIT[page.kind]}（“{page.searched}”）：")
    if page.kind == "cases":
        for n, case in enumerate(page.cases, start=offset + 1):
            lines.append(f"\n{n}. {case_card(case)}")
        return "\n".join(lines)
    for n, h in enumerate(page.hits, start=offset + 1):
        lines.append(f"\n{n}. {h.title}  [#{h.article_id}]")
        where = " · ".join(x for x in (h.date, "、".join(h.places), h.column or "") if x)
        lines.append(f"   {where} · {h.origin}")
        lines.append(f"   {snippet_terminal(h.snippet, color)}")
        if h.duplicates:
            lines.append(f"   （另有 {h.duplicates} 篇相近报道）")
    return "\n".join(lines)


def count_text(total: int) -> str:
    """10,001 means "more than 10,000" (search counts no further)."""
    return f"{COUNT_CAP} 余" if total > COUNT_CAP else str(total)


_KIND = {"articles": "文章", "cases": "案例"}
_UNIT = {"articles": "篇文章", "cases": "个案例"}


def ingest_text(report: dict[str, Any]) -> str:
    lines = [
        f"读取文件 {report['files']} 个，新增文章 {report['added']} 篇，"
        f"重复跳过 {report['duplicates']} 篇，"
        f"近似重复 {report['near_duplicates']} 篇（已关联原文）。"
    ]
    lines += redated_lines(report)
    if report["rejected"]:
        lines.append(f"未能导入 {len(report['rejected'])} 个文件：")
        lines += [f"  ✗ {r['file']}：{r['reason']}" for r in report["rejected"]]
    return "\n".join(lines)


def redated_lines(report: dict[str, Any]) -> list[str]:
    """Stored articles given another date with --date: moved to it, not skipped silently."""
    return [
        f"  已按指定日期更正 #{r['article_id']}：{r['from']} → {r['to']}"
        for r in report.get("redated", [])
    ]


def correction_text(article_id: int, changes: list[str]) -> str:
    if not changes:
        return f"#{article_id} 没有需要更正的内容。"
    return "\n".join([f"已更正 #{article_id}：", *(f"  {c}" for c in changes)])


def deleted_text(done: Deleted) -> str:
    text = f"已删除 {'、'.join(f'#{i}' for i in done.articles)}"
    if done.reprints:
        text += f"，连同其近似重复报道 {'、'.join(f'#{i}' for i in done.reprints)}"
    return text + "。"


def articles_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "库中还没有文章。先运行 casebot ingest 导入。"
    out = []
    for r in rows:
        extra = _byline(r)
        dup = f"（近似重复，见 #{r['duplicate_of']}）" if r["duplicate_of"] else ""
        out.append(f"#{r['article_id']} {r['date']} {r['title']}{dup}  {extra}".rstrip())
    return "\n".join(out)


def _byline(article: dict[str, Any]) -> str:
    """栏目：看点 · 宋爽、任希悦 (empty if the article has neither)."""
    column = article["column"] and f"栏目：{article['column']}"
    return " · ".join(x for x in (column, "、".join(article["authors"])) if x)


def case_where(case: CaseCard) -> str | None:
    """盟市 › 旗县 › … › the place itself, when the place as written is below the chain's
    last division (an inferred 产业园); a name of that division itself (牛营子镇 for
    牛家营子镇) adds nothing."""
    where = " › ".join(case.chain) or case.place
    code = case.place_code
    if case.place and code and not get_gazetteer().same_division(case.place, code):
        where += f" › {case.place}"
    return where


def case_card(case: CaseCard, *, with_article: bool = True) -> str:
    """A case as staff read it: who, where, what, with what result, who said so."""
    where = case_where(case)
    lines = [f"【{case.actor}】{case.practice}", f"  地点：{where}"]
    lines.append(f"  做法：{case.summary}")
    if case.figures:
        lines.append("  成效：" + "；".join(figure_text(f) for f in case.figures[:5]))
    if case.speaker:
        lines.append(f"  讲述：{case.speaker.title}{case.speaker.name}")
    if case.topics:
        lines.append(f"  主题：{'、'.join(case.topics)}")
    if with_article:
        lines.append(f"  出处：#{case.article_id} {case.date} {case.title}")
    return "\n".join(lines)


def cases_text(cases: list[CaseCard]) -> str:
    if not cases:
        return "没有找到符合条件的案例。"
    return f"共 {len(cases)} 个案例：\n\n" + "\n\n".join(case_card(c) for c in cases)


def article_detail_text(a: dict[str, Any]) -> str:
    head = [f"#{a['article_id']} {a['title']}", f"{a['date']} · {a['source'] or a['source_file']}"]
    if byline := _byline(a):
        head.append(byline)
    places = [p for p in a["places"] if p["code"]]
    others = [p for p in a["places"] if not p["code"]]
    head += [f"网址：{url}" for url in a.get("urls", [])]
    lines = [*head, "", a["text"], ""]
    primary = [p["name"] for p in places if p["primary"]]
    lines.append(f"主要地点：{' › '.join(primary) if primary else '（全区性或未能确定）'}")
    if mentioned := [p["name"] for p in places if not p["primary"]]:
        lines.append("提及地点：" + "、".join(mentioned))
    for p in others:
        kind = "推断" if p["inferred"] else "有歧义，未计入统计" if p["ambiguous"] else "区外"
        parent = f"，属 {p['parent']}" if p.get("parent") else ""
        lines.append(f"  · {p['name']}（{kind}{parent}）")
    if a["topics"]:
        lines.append(f"主题：{'、'.join(a['topics'])}")
    if a["keywords"]:
        lines.append(f"关键词：{'、'.join(a['keywords'])}")
    if a["figures"]:
        lines.append("关键数字：" + "；".join(figure_text(f) for f in a["figures"]))
    lines.append("")
    lines.append(f"案例 {len(a['cases'])} 个：" if a["cases"] else "未识别出案例。")
    lines += [case_card(c, with_article=False) for c in a["cases"]]
    return "\n".join(lines)


def stats_lines(stats: Stats) -> list[str]:
    """Statistics as lines of plain text: the heading first (the bot bolds it)."""
    where = " › ".join(stats.chain) if stats.place else "全区"
    end = stats.request.date_to
    days = stats.request.recent_days
    period = f"近{days}天（{stats.date_from} 至 {end}）" if days else f"{stats.date_from} 至 {end}"
    topic = f" · 主题：{stats.request.topic}" if stats.request.topic else ""
    lines = [*(n.text for n in stats.notices), f"{where} · {period}{topic}"]
    t = stats.totals
    lines.append(f"文章 {t.articles} 篇{_change(t)}，案例 {t.cases} 个")
    if not t.articles and not t.cases:
        lines.append("该时段未见报道。")
    level = LEVEL_NAMES.get(stats.child_level or "", "")
    reported = [r for r in stats.rows if r.articles or r.cases]
    if reported:
        lines.append(f"按{level}：")
        lines += [
            f"  {r.name}  文章 {r.articles}{_change(r)}  案例 {r.cases}"
            for r in reported[:ROWS_SHOWN]
        ]
        if len(reported) > ROWS_SHOWN:
            lines.append(f"  …… 另有 {len(reported) - ROWS_SHOWN} 个（见 CSV）")
    if stats.uncovered and (t.articles or t.cases):
        names = stats.uncovered
        shown = "、".join(names[:UNCOVERED_SHOWN])
        more = f" 等 {len(names)} 个" if len(names) > UNCOVERED_SHOWN else ""
        lines.append(f"{f'近{days}天' if days else '该时段'}未见报道：{shown}{more}")
    if stats.topics:
        lines.append("主要主题：" + "、".join(f"{name} {n}" for name, n in stats.topics))
    if stats.practices:
        lines.append("典型做法：")
        for p in stats.practices:
            figures = "；".join(figure_text(f) for f in p["figures"])
            lines.append(
                f"  · {p['practice']}（{p['actor']}，{p['cases']} 例）"
                + (f"：{figures}" if figures else "")
            )
    if stats.recent:
        lines.append("最新文章：")
        lines += [f"  {n}. {a['title']}（{a['date']}）" for n, a in enumerate(stats.recent, 1)]
    return lines


UNCOVERED_SHOWN = 20
ROWS_SHOWN = 30  # a chat message holds 4,096 characters; the CSV has every row


def _change(row: Row) -> str:
    """（上期 8，+4）: the count against the previous period."""
    if row.previous_articles is None:
        return ""
    diff = row.articles - row.previous_articles
    return (
        f"（上期 {row.previous_articles}，{diff:+d}）"
        if diff
        else f"（上期 {row.previous_articles}）"
    )


def digest_text(d: Digest) -> str:
    """The digest on a terminal: the same grouping and numbering as the bot's messages."""
    span = d.date if not d.weekly else f"{d.date} 至 {d.end}"
    lines = [
        f"党建{'周报' if d.weekly else '日报'} {span}" + (f"（{d.filters}）" if d.filters else "")
    ]
    lines += d.notices
    if not d.count:
        return "\n".join([*lines, "没有符合条件的文章。"])
    lines.append(f"共 {d.count} 篇文章" + (f"，另有 {d.more} 篇未列出" if d.more else ""))
    if d.top_cases:
        lines.append("\n今日典型案例" if not d.weekly else "\n本期典型案例")
        lines += [case_card(c) for c in d.top_cases]
    n = 0
    for group, articles in d.groups:
        lines.append(f"\n== {group}（{len(articles)} 篇）")
        for a in articles:
            n += 1
            lines.append(
                f"{n}. [{a.article_id}] {a.title}" + (f"  〔{a.topic}〕" if a.topic else "")
            )
            if a.places:
                lines.append(f"   地点：{'、'.join(a.places)}")
            lines.append(f"   {a.summary}")
            if a.figures:
                lines.append(f"   数字：{'；'.join(a.figures)}")
    return "\n".join(lines)
