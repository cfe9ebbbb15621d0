"""What the bot shows in a chat, as Telegram HTML: search pages, case cards, articles,
citations, help. Pure functions; bot.chat.search decides what to show, handlers send it."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from bot.digest import Digest, DigestArticle
from bot.library import CaseCard, figure_text
from bot.render import case_where, count_text, snippet_html, stats_lines
from bot.search import Hit, SearchPage
from bot.search.query import MAX_QUERY
from bot.stats import Stats, StatsError
from bot.textsplit import MESSAGE_LIMIT, html_length, pack_html, split_plain


def case_card_html(case: CaseCard, *, with_article: bool = True) -> str:
    lines = [
        f"<b>【{escape(case.actor)}】{escape(case.practice)}</b>",
        f"📍 {escape(case_where(case) or '（地点未定）')}",
    ]
    if case.summary:
        lines.append(f"做法：{escape(case.summary)}")
    if case.figures:
        lines.append("成效：" + escape("；".join(figure_text(f) for f in case.figures[:3])))
    if case.speaker:
        lines.append(f"讲述：{escape(case.speaker.title + case.speaker.name)}")
    if with_article:
        lines.append(f"出处：{escape(case.date)}《{escape(case.title)}》")
    return "\n".join(lines)


def quoted(query: str, width: int = 60) -> str:
    """A query echoed back, escaped and shortened: a pasted page must not make the reply
    longer than a message."""
    query = " ".join(query.split())
    return escape(query if len(query) <= width else query[: width - 1] + "…")


def _hit_html(n: int, h: Hit) -> str:
    meta = " · ".join(x for x in (h.date, "、".join(h.places[:3]), h.column or "") if x)
    lines = [f"<b>{n}. {escape(h.title)}</b>", escape(meta), snippet_html(h.snippet, tag="b")]
    if h.duplicates:
        lines.append(f"（另有 {h.duplicates} 篇相近报道）")
    return "\n".join(lines)


def search_page_html(page: SearchPage, *, number: int, pages: str, offset: int) -> str:
    """One page of results; `pages` is the page count as shown (e.g. "400+")."""
    lines = [escape(n.text) for n in page.notices]
    if page.corrected:
        lines.append(f"未找到“{quoted(page.query)}”，已按“{quoted(page.corrected)}”搜索。")
    if not page.total:
        lines.append(
            f"未找到与“{quoted(page.query)}”相关的{'案例' if page.kind == 'cases' else '文章'}。"
            if page.query.strip()
            else "请输入搜索词，例如：<code>/search 党建引领 集体经济</code>"
        )
        if page.suggestions:
            lines.append(f"您是不是要找：{escape('、'.join(page.suggestions))}？")
        lines.append("发送 /help 查看搜索语法。")
        return "\n".join(lines)
    unit = "个案例" if page.kind == "cases" else "篇文章"
    lines.append(
        f"🔎 “{quoted(page.searched)}”：共 <b>{count_text(page.total)}</b> {unit}，"
        f"第 {number}/{pages} 页"
    )
    if page.kind == "cases":
        items = [
            f"<b>{n}.</b> {case_card_html(c)}" for n, c in enumerate(page.cases, start=offset + 1)
        ]
    else:
        items = [_hit_html(n, h) for n, h in enumerate(page.hits, start=offset + 1)]
    return "\n\n".join(["\n".join(lines), *items])


def article_messages(a: dict[str, Any], limit: int = MESSAGE_LIMIT) -> list[str]:
    """An opened article: its card (places, cases, figures) then the full text, cut at
    sentence ends into as few messages as fit."""
    head = [f"<b>{escape(a['title'])}</b>"]
    if a.get("subtitle"):
        head.append(f"<i>{escape(a['subtitle'])}</i>")
    byline = [a["date"], a["source"] or a["source_file"], a["column"] and f"栏目：{a['column']}"]
    head.append(
        escape(" · ".join([x for x in byline if x] + ["、".join(a["authors"])]).strip(" ·"))
    )
    resolved = [p for p in a["places"] if p["code"]]
    primary = [p["name"] for p in resolved if p["primary"]]
    mentioned = [p["name"] for p in resolved if not p["primary"]]
    head.append(f"📍 主要地点：{escape(' › '.join(primary)) if primary else '全区性或未能确定'}")
    if mentioned:
        head.append(f"提及：{escape('、'.join(mentioned[:12]))}")
    if a["topics"]:
        head.append(f"🏷 {escape('、'.join(a['topics']))}")
    blocks = ["\n".join(head)]
    if a["cases"]:
        blocks.append(f"📌 <b>案例 {len(a['cases'])} 个</b>")
        blocks += [case_card_html(c, with_article=False) + "\n" for c in a["cases"]]
    if a["figures"]:
        blocks.append("📊 关键数字：" + escape("；".join(figure_text(f) for f in a["figures"][:8])))
    blocks.append("\n<b>—— 全文 ——</b>")
    for paragraph in a["text"].split("\n"):
        blocks += [escape(piece, quote=False) for piece in split_plain(paragraph, limit)]
    return pack_html(blocks, limit)


def citation_html(title: str, where: str, day: str, case: CaseCard | None, gist: str) -> str:
    """What inline mode inserts into a chat: enough to quote in a briefing."""
    lines = [f"<b>《{escape(title)}》</b>", escape(" · ".join(x for x in (where, day) if x))]
    if case:
        lines.append(f"做法：{escape(case.practice)}（{escape(case.actor)}）")
        if case.figures:
            lines.append(f"成效：{escape(figure_text(case.figures[0]))}")
    elif gist:
        lines.append(escape(gist))
    return "\n".join(lines)


def members_html(listing: dict[str, list[dict[str, Any]]]) -> str:
    def rows(members: list[dict[str, Any]]) -> str:
        if not members:
            return "  （无）"
        return "\n".join(
            f"  <code>{m['id']}</code> {escape(m.get('label') or '')}".rstrip() for m in members
        )

    return (
        f"<b>管理员</b>\n{rows(listing['admins'])}\n"
        f"<b>工作人员</b>\n{rows(listing['staff'])}\n"
        f"<b>群组/频道</b>\n{rows(listing['chats'])}\n\n"
        "用法：\n"
        "<code>/admin add 用户编号 [备注]</code> 添加工作人员\n"
        "<code>/admin add -群组编号 [备注]</code> 允许群组/频道\n"
        "<code>/admin admin 用户编号</code> 设为管理员\n"
        "<code>/admin remove 编号</code> 移除\n"
        "<code>/admin log</code> 最近的操作记录"
    )


def audit_html(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return "还没有操作记录。"
    return "<b>最近的操作记录</b>\n" + "\n".join(
        f"{escape(x['at'][:16].replace('T', ' '))} <code>{x['actor']}</code> "
        f"{escape(x['action'])} {escape(x['detail'][:200])}"
        for x in entries
    )


def channels_html(channels: list[dict[str, Any]], subscribed: set[int]) -> str:
    if not channels:
        return "机器人还不是任何频道的管理员。把机器人添加为频道管理员后，频道会出现在这里。"
    lines = ["<b>频道</b>（机器人为管理员、可以发布的频道）"]
    for c in channels:
        digest = "开启" if c["id"] in subscribed else "关闭"
        lines.append(f"• {escape(c['title'])} <code>{c['id']}</code> · 每日摘要：{digest}")
    return "\n".join(lines)


def digest_title(d: Digest) -> str:
    if d.weekly:
        return f"📰 <b>党建周报</b> {d.date} 至 {d.end}"
    return f"📰 <b>党建日报</b> {d.date}"


def _digest_article_html(n: int, a: DigestArticle) -> str:
    lines = [f"<b>{n}. {escape(a.title)}</b>"]
    if a.places:
        lines.append(f"📍 {escape('、'.join(a.places))}")
    if a.summary:
        lines.append(escape(a.summary))
    if a.figures:
        lines.append(f"📊 {escape('；'.join(a.figures))}")
    return "\n".join(lines)


def digest_messages(d: Digest, limit: int = MESSAGE_LIMIT) -> list[tuple[str, list[int]]]:
    """The digest as few messages as fit, each with the article ids it numbers (for its
    buttons). Every article stays whole; a 盟市 continued in the next message repeats its
    heading with （续）."""
    head = [digest_title(d)]
    if d.filters:
        head.append(f"筛选：{quoted(d.filters, MAX_QUERY)}")  # bounded: a header fits a message
    head += [escape(n) for n in d.notices]
    if not d.count:
        head.append(
            "这一天没有符合条件的新文章。" if not d.weekly else "这一周没有符合条件的新文章。"
        )
        return [("\n".join(head), [])]
    head.append(f"共 {d.count} 篇文章" + (f"（另有 {d.more} 篇未列出）" if d.more else ""))
    blocks: list[tuple[str, str | None, int | None]] = [("\n".join(head), None, None)]
    if d.top_cases:
        cases = [f"⭐ <b>{'本期' if d.weekly else '今日'}典型案例</b>"]
        cases += [case_card_html(c) for c in d.top_cases]
        blocks.append(("\n\n".join(cases), None, None))
    n = 0
    for group, articles in d.groups:
        heading = f"\n🏛 <b>{escape(group)}</b>（{len(articles)} 篇）"
        blocks.append((heading, None, None))
        topic: str | None = None
        for a in articles:
            n += 1
            text = _digest_article_html(n, a)
            if a.topic != topic and a.topic:
                text = f"🏷 <i>{escape(a.topic)}</i>\n{text}"
            topic = a.topic
            blocks.append((text, heading, a.article_id))
    messages: list[tuple[str, list[int]]] = []
    current, ids = "", []
    for text, heading, article_id in blocks:
        joined = f"{current}\n{text}" if current else text
        if current and html_length(joined) > limit:
            messages.append((current, ids))
            current, ids = (f"{heading.strip()}（续）\n{text}" if heading else text), []
        else:
            current = joined
        if article_id is not None:
            ids.append(article_id)
    messages.append((current, ids))
    return messages


def start_html(bot_username: str) -> str:
    return START_HTML.replace("@机器人用户名", f"@{bot_username}")


def help_html(bot_username: str) -> str:
    return HELP_HTML.replace("@机器人用户名", f"@{bot_username}")


START_HTML = (
    "您好！我是<b>党建典型案例库</b>助手。\n\n"
    "直接发送关键词即可搜索，例如：\n"
    "<code>党建引领 集体经济</code>\n"
    "<code>地区:赤峰 时间:2024 养老</code>\n"
    "<code>类型:案例 基层治理</code>\n\n"
    "在任意聊天中输入 <code>@机器人用户名 关键词</code> 可插入案例引文。发送 /help 查看完整语法。"
)

HELP_HTML = """<b>搜索语法</b>
• <code>党建 产业</code> 多个词：同时包含（按相关度排序，标题、案例做法中的命中排前）
• <code>"党建联合体"</code> 引号：整个短语
• <code>养老 -医院</code> 减号：排除
• <code>养老 | 托育</code> 竖线：任选其一
• <code>地区:赤峰</code> 地区（盟市、旗县、苏木、嘎查，含下级；可用简称，如 锡盟、鄂前旗）
• <code>时间:2024</code>、<code>时间:2024-07</code>、<code>时间:2024-01..2024-06</code>
• <code>栏目:看点</code>、<code>主题:基层治理</code>
• <code>类型:案例</code> 只看典型案例卡片
直接输入地名（如 <code>赤峰 集体经济</code>）也按地区筛选；错别字会自动纠正。

<b>命令</b>
/search 关键词 — 搜索文章（私聊中直接发关键词也可以）
/case 关键词 — 搜索典型案例
/stats [地区] [时间:…] [主题:…] — 按地区统计报道和案例（默认近30天），附图表、下钻按钮和 CSV 导出
/help — 本说明
/digest [日期] [每周|上周] [地区:… 主题:… 关键词] — 某天发表的文章摘要（默认昨天），
  按盟市、主题分组；每周：该日（默认昨天）所在的周一至周日
/export 案例|简报|统计 [筛选] — 导出公文格式的 Word 文件：典型案例汇编、简报、统计表
/subscribe [时间 08:30] [每天|每周一] [地区:… 主题:… 关键词] [跳过空日] — 订阅摘要：
  每天定时发送前一天发表的文章（每周一则发送前一周）；群里由群管理员订阅；
  频道在私聊中订阅：<code>/subscribe 频道:频道编号</code>，或用 /channels
/subscriptions — 订阅列表：暂停、恢复、改时间、预览、删除
/unsubscribe — 取消订阅
在任意聊天输入 <code>@机器人用户名 关键词</code>：插入一条案例引文

<b>统计口径</b>（/stats）
• 一篇文章只计入它主要报道的地区（及其上级），顺带提到的地名不计
• 近似重复的转载只计一次
• 有歧义、无法确定的地名不计；区外地名一律不计
• 案例计入其所在地区及上级；按主题统计时看文章的主题

<b>管理员</b>
发送 txt/md/docx/pdf/html 文件即可导入
/reindex — 重新抽取地区、案例和数字
/admin — 管理可使用的人员、群组和频道
/channels — 频道：开关每日摘要、发送测试消息"""


def upload_summary_html(file_name: str, report: dict[str, Any]) -> str:
    if report["rejected"]:
        reasons = "；".join(r["reason"] for r in report["rejected"])
        return f"❌ 未能导入“{escape(file_name)}”：{escape(reasons)}"
    lines = [
        f"✅ 已导入“{escape(file_name)}”",
        f"新增文章 {report['added']} 篇，重复跳过 {report['duplicates']} 篇，"
        f"近似重复 {report['near_duplicates']} 篇（已关联原文）。",
    ]
    if not report["added"] and not report["near_duplicates"]:
        lines.append("文件中的文章都已在库中。")
    return "\n".join(lines)


def stats_html(stats: Stats, counted_at: datetime) -> str:
    """Statistics for a chat: the heading in bold, the rest as plain lines, then when they
    were counted (a chat may be shown an answer counted a little earlier)."""
    lines = [escape(line) for line in stats_lines(stats)]
    heading = len(stats.notices)
    lines[heading] = f"<b>{lines[heading]}</b>"
    if any(r.articles or r.cases for r in stats.rows):
        lines.append("（按钮上的数字为 文章/案例，点按查看下一级）")
    lines.append(f"数据截至 {counted_at:%Y-%m-%d %H:%M}")
    return "\n".join(lines)


def stats_error_html(error: StatsError) -> str:
    lines = [escape(str(error))]
    if error.suggestions:
        lines.append("您是不是要找：" + "、".join(escape(s) for s in error.suggestions))
    lines.append("用法：<code>/stats 赤峰 时间:2024-07 主题:基层治理</code>（均可省略）")
    return "\n".join(lines)
