"""Statistics by locality (bot.stats) as tables in the official layout: the totals, the
table one level down (the CSV's rows), the monthly trend, topics and practices, with the
/stats chart (and map) as figures when given."""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

from docx.shared import Mm

from bot.export.model import ExportFile, Issuer
from bot.export.official import OfficialDocument, chinese_date, chinese_number
from bot.render import figure_text
from bot.stats import CSV_HEADER, LEVEL_NAMES, Stats, csv_name

FIGURE_SIZE = (Mm(150), Mm(215))  # inside the 156 x 225 mm text block


def stats_document(stats: Stats, issuer: Issuer, pictures: tuple[bytes, ...] = ()) -> ExportFile:
    where = "".join(stats.chain[-1:]) if stats.place else "全区"
    title = f"{where}党建报道统计"
    doc = OfficialDocument(title, issuer.unit)
    doc.title(title)
    first, last = date.fromisoformat(stats.date_from), date.fromisoformat(stats.request.date_to)
    topic = f"，主题：{stats.request.topic}" if stats.request.topic else ""
    doc.subtitle(f"（{chinese_date(first)}至{chinese_date(last)}{topic}）")
    doc.flush(issuer.unit, chinese_date(issuer.today))
    doc.blank()
    for notice in stats.notices:
        doc.paragraph(notice)
    sections = iter(range(1, 100))

    def heading(text: str) -> None:
        doc.heading(1, f"{chinese_number(next(sections))}、{text}")

    heading("总体情况")
    t = stats.totals
    overview = f"{' › '.join(stats.chain) or '全区'}共有报道 {t.articles} 篇、典型案例 {t.cases} 个"
    if t.previous_articles is not None and stats.previous:
        before = f"{stats.previous[0]}至{stats.previous[1]}"
        overview += f"，上期（{before}）报道 {t.previous_articles} 篇"
    doc.paragraph(overview + "。")
    if stats.uncovered and (t.articles or t.cases):
        doc.paragraph(f"该时段未见报道：{'、'.join(stats.uncovered)}。")
    if stats.rows:
        level = LEVEL_NAMES.get(stats.child_level or "", "下级地区")
        heading(f"按{level}统计")
        rows = [*stats.rows, stats.totals]
        doc.table(CSV_HEADER, [(r.name, r.code, r.articles, r.cases, r.previous_articles)
                               for r in rows])  # fmt: skip
    for picture in pictures:
        doc.picture(picture, *FIGURE_SIZE)
    heading("月度趋势")
    doc.table(("月份", "文章数", "案例数"), stats.trend)
    if stats.topics:
        heading("主要主题")
        doc.table(("主题", "文章数"), stats.topics)
    if stats.practices:
        heading("典型做法")
        for n, p in enumerate(stats.practices, start=1):
            figures = "；".join(figure_text(f) for f in p["figures"])
            text = f"{p['actor']}（{p['place']}），{p['cases']} 例"
            text += f"：{figures}" if figures else ""
            doc.paragraph(f"{text}。", lead=f"{n}.{p['practice']}。")
    if stats.recent:
        heading("最新报道")
        for n, a in enumerate(stats.recent, start=1):
            doc.paragraph(f"《{a['title']}》（{a['date']}）", lead=f"{n}.")
    name = str(PurePath(csv_name(stats)).with_suffix(".docx"))
    summary = f"{title}：报道 {t.articles} 篇，案例 {t.cases} 个"
    return ExportFile(name, doc.save(), summary)
