"""The 典型案例汇编: the cases matching a search, one section per 盟市, each case with its
heading (place · actor · practice), its text from the article's sentences and its source.

Cases are found as /case finds them (the search query language with 类型:案例); without
filters, every case newest first (`casebot cases`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.export.casetext import case_text
from bot.export.model import ExportError, ExportFile, Issuer
from bot.export.official import OfficialDocument, chinese_date, chinese_number
from bot.library import CaseCard, find_cases
from bot.places import get_gazetteer
from bot.render import figure_text
from bot.search import filter_problems, parse_query, search
from bot.search.service import topic_named
from bot.store import Store

MAX_CASES = 200  # a compilation longer than this is not read; the rest are counted
OTHER = "全区及其他"  # cases placed in no 盟市


async def cases_document(store: Store, filters: str, issuer: Issuer) -> ExportFile:
    """The compilation of the cases `filters` find; ExportError when there are none."""
    filters = filters.strip()
    if problems := filter_problems(filters):
        raise ExportError(" ".join(n.text for n in problems))
    if filters:
        page = await search(store, f"{filters} 类型:案例", limit=MAX_CASES)
        cases, total = page.cases, page.total
    else:
        cases = await find_cases(store, limit=MAX_CASES + 1)
        total, cases = len(cases), cases[:MAX_CASES]
    if not cases:
        raise ExportError("没有找到符合条件的案例，未生成文件。可换用更宽的筛选条件。")
    articles = await store.articles_by_id(sorted({c.article_id for c in cases}))
    scope, period = _scope(filters, cases)
    title = f"{scope}典型案例汇编"
    doc = OfficialDocument(title, issuer.unit, cover=True)
    for _ in range(4):
        doc.blank()
    doc.title(title)
    doc.subtitle(f"（{period}）")
    for _ in range(8):
        doc.blank()
    doc.centered(issuer.unit)
    doc.centered(chinese_date(issuer.today))
    doc.page_break()
    doc.toc_here()
    doc.page_break()
    groups = _by_prefecture(cases)
    for n, (prefecture, members) in enumerate(groups, start=1):
        doc.heading(1, f"{chinese_number(n)}、{prefecture}（{len(members)}个）", in_toc=True)
        for m, case in enumerate(members, start=1):
            _case(doc, m, case, articles[case.article_id])
    if total > len(cases):
        doc.paragraph(f"另有 {total - len(cases)} 个案例未收录，可缩小筛选范围后再导出。")
    name = f"典型案例汇编_{scope or '全区'}_{issuer.today.isoformat()}.docx"
    summary = f"{title}：{len(cases)} 个案例，{len(groups)} 个部分"
    return ExportFile(name, doc.save(), summary)


def _case(doc: OfficialDocument, n: int, case: CaseCard, article: dict[str, Any]) -> None:
    where = case.place or "、".join(case.chain)
    heading = " · ".join(dict.fromkeys(x for x in (where, case.actor, case.practice) if x))
    doc.heading(2, f"（{chinese_number(n)}）{heading}", in_toc=True)
    parts = case_text(article["text"], case)
    results = parts.results
    told = parts.background + parts.practice + parts.quote
    untold = [f for f in case.figures if f["text"] not in told]
    if not results and untold:  # figures from sentences too long or mixed to quote
        results = "主要数据：" + "；".join(figure_text(f) for f in untold[:5]) + "。"
    numbered = [
        (label, text)
        for label, text in (
            ("背景", parts.background),
            ("做法", parts.practice),
            ("成效", results),
            ("讲述", parts.quote),
        )
        if text
    ]
    for k, (label, text) in enumerate(numbered, start=1):
        doc.paragraph(text, lead=f"{k}.{label}。")
    doc.source(source_line(article))


def source_line(article: dict[str, Any]) -> str:
    """来源：内蒙古日报，2024-07-01，《…》，https://…: the newspaper or site (`--source`),
    else the file the article came from; the page's address when it gave one."""
    origin = article["source"] or f"文件 {article['source_file']}"
    url = f"，{article['url']}" if article.get("url") else ""
    return f"来源：{origin}，{article['date']}，《{article['title']}》{url}"


def _by_prefecture(cases: list[CaseCard]) -> list[tuple[str, list[CaseCard]]]:
    """Sections in the gazetteer's order of 盟市 (呼和浩特市 first), cases newest first."""
    groups: dict[str, list[CaseCard]] = {}
    for case in cases:
        groups.setdefault(case.prefecture or OTHER, []).append(case)
    order = {d.name: d.code for d in get_gazetteer().divisions.values() if d.level == "prefecture"}
    ordered = sorted(groups.items(), key=lambda g: order.get(g[0], "99"))
    return [(name, sorted(members, key=lambda c: (c.date, -c.case_id), reverse=True))
            for name, members in ordered]  # fmt: skip


def _scope(filters: str, cases: list[CaseCard]) -> tuple[str, str]:
    """What the title says the compilation covers (赤峰市乡村振兴与集体经济) and its period
    (the filter's, else the dates of its cases)."""
    query = parse_query(filters)
    gazetteer = get_gazetteer()
    codes = [p.codes for p in query.places] + [c.place.codes for c in query.clauses if c.place]
    names = [gazetteer.divisions[sorted(c, key=len)[0]].name for c in codes if c]
    topic = topic_named(query.topic, []) if query.topic else None
    scope = "".join(dict.fromkeys(names)) + (topic or "")
    first = query.date_from or min(c.date for c in cases)
    last = query.date_to or max(c.date for c in cases)
    period = f"{chinese_date(date.fromisoformat(first))}至{chinese_date(date.fromisoformat(last))}"
    return scope, period
