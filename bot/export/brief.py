"""The 简报 of a day or a week: the digest (bot.digest) as a brief in the official layout.

版头: the brief's title in red, the issue number, the issuing unit and the date above a red
line. Body: the period's typical cases, then the articles by 盟市 with their summaries and
key figures. 版记: the recipients between two lines. The issue number is the day of the
year for a daily brief and the ISO week for a weekly one, so reissuing a day gives the
same number.
"""

from __future__ import annotations

from datetime import date

from docx.shared import Pt

from bot.digest import Digest, build_digest
from bot.export.compilation import source_line
from bot.export.model import ExportError, ExportFile, Issuer
from bot.export.official import RED, OfficialDocument, chinese_date, chinese_number
from bot.render import figure_text
from bot.search import filter_problems
from bot.store import Store

MASTHEAD_SIZE = Pt(36)  # 小初: the brief's name spans most of the text block


async def digest_document(
    store: Store, first: date, last: date, filters: str, issuer: Issuer
) -> ExportFile:
    """The brief of the articles published from `first` to `last` matching `filters`."""
    if problems := filter_problems(filters):
        raise ExportError(" ".join(n.text for n in problems))
    digest = await build_digest(store, first, last, filters)
    if not digest.count:
        raise ExportError(f"{_span(digest)}没有符合条件的文章，未生成简报。")
    articles = await store.articles_by_id([c.article_id for c in digest.top_cases])
    issue = first.isocalendar().week if digest.weekly else first.timetuple().tm_yday
    doc = OfficialDocument(issuer.brief_title, issuer.unit)
    doc.title(issuer.brief_title, color=RED, size=MASTHEAD_SIZE)
    doc.centered(f"{first.year}年第{issue}期")
    doc.flush(issuer.unit, chinese_date(issuer.today))
    doc.rule(RED, size=16)
    doc.blank()
    doc.title(f"党建报道{'周报' if digest.weekly else '日报'}（{_span(digest)}）")
    doc.blank()
    lead = f"本期收录{_span(digest)}发表的党建报道 {digest.count} 篇"
    if digest.filters:
        lead += f"（筛选：{digest.filters}）"
    more = f"，另有 {digest.more} 篇未收录" if digest.more else ""
    doc.paragraph(f"{lead}{more}，涉及{len(digest.groups)}个地区。")
    section = 0
    if digest.top_cases:
        section += 1
        doc.heading(1, f"{chinese_number(section)}、典型案例")
        for n, case in enumerate(digest.top_cases, start=1):
            where = case.place or "、".join(case.chain)
            heading = " · ".join(dict.fromkeys(x for x in (where, case.actor) if x))
            doc.heading(2, f"（{chinese_number(n)}）{heading}")
            doc.paragraph(case.summary, lead=f"{case.practice}。")
            if case.figures:
                figures = "；".join(figure_text(f) for f in case.figures[:5])
                doc.paragraph(f"{figures}。", lead="主要成效：")
            doc.source(source_line(articles[case.article_id]))
    section += 1
    doc.heading(1, f"{chinese_number(section)}、各地报道")
    n = 0
    for m, (group, items) in enumerate(digest.groups, start=1):
        doc.heading(2, f"（{chinese_number(m)}）{group}（{len(items)}篇）")
        for a in items:
            n += 1
            doc.paragraph(a.summary, lead=f"{n}.《{a.title}》")
            if a.figures:
                doc.paragraph(f"{'；'.join(a.figures)}。", lead="关键数字：")
    doc.imprint(issuer.recipients, issuer.unit, f"{chinese_date(issuer.today)}印发")
    kind = "周报" if digest.weekly else "日报"
    name = f"{issuer.brief_title}_{kind}_{digest.date}.docx"
    summary = f"{issuer.brief_title} {first.year}年第{issue}期：{digest.count} 篇文章"
    return ExportFile(name, doc.save(), summary)


def _span(digest: Digest) -> str:
    first = chinese_date(date.fromisoformat(digest.date))
    return f"{first}至{chinese_date(date.fromisoformat(digest.end))}" if digest.weekly else first
