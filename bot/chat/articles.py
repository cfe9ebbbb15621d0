"""The admins' /article in the bot: what an article's card says for correcting it, and the
corrections typed after its id (the same as `casebot edit` and `casebot delete`).

    /article 12                      the article's date, title, places and the choices
    /article 12 日期 2024-06-28       correct the date
    /article 12 标题 新的标题          correct the title
    /article 12 地点 赤峰 林西县        set the primary place (the most specific one named)
    /article 12 合并 13               join 13's text to the end of 12 (a story cut in two)
    /article 12 拆分 5 (or words)     a new article from paragraph 5 (two stories in one)
    /article 12 删除                  asks for confirmation: /article 12 删除 确认
"""

from __future__ import annotations

from html import escape as e

from bot.edit import (
    Correction,
    EditError,
    correct_article,
    delete_articles,
    merge_articles,
    split_article,
)
from bot.library import article_detail
from bot.render import correction_text, deleted_text
from bot.store import Store

USAGE = (
    "用法：/article 编号 查看；/article 编号 日期 2024-06-28；/article 编号 标题 新标题；"
    "/article 编号 地点 赤峰 林西县；/article 编号 合并 另一编号；"
    "/article 编号 拆分 段号或该段文字；/article 编号 删除"
)
ACTIONS = {"日期": "date", "date": "date", "标题": "title", "title": "title",
           "地点": "place", "place": "place", "删除": "delete", "delete": "delete",
           "合并": "merge", "merge": "merge", "拆分": "split", "split": "split"}  # fmt: skip
CONFIRM = {"确认", "confirm"}


async def article_reply(store: Store, args: list[str], *, actor: int, chat: int) -> str:
    """The reply (HTML) to `/article ARGS` from an admin."""
    if not args or not args[0].lstrip("#").isdigit():
        return e(USAGE)
    article_id = int(args[0].lstrip("#"))
    if len(args) == 1:
        return await _card(store, article_id)
    action = ACTIONS.get(args[1].lower())
    rest = args[2:]
    if action is None or (action != "delete" and not rest):
        return e(USAGE)
    try:
        if action == "delete":
            if not set(rest) & CONFIRM:
                return e(
                    f"确认删除 #{article_id}（连同其近似重复报道）？"
                    f"请发送 /article {article_id} 删除 确认"
                )
            done = await delete_articles(store, [article_id], actor=actor, chat=chat)
            return e(deleted_text(done))
        if action == "split":
            done = await split_article(
                store, article_id, " ".join(rest), title=None, actor=actor, chat=chat
            )
            return e(done)
        if action == "merge":
            if not rest[0].lstrip("#").isdigit():
                return e(USAGE)
            other = int(rest[0].lstrip("#"))
            return e(await merge_articles(store, article_id, other, actor=actor, chat=chat))
        fix = {
            "date": Correction(date=rest[0]),
            "title": Correction(title=" ".join(rest)),
            "place": Correction(places=tuple(rest)),
        }[action]
        changes = await correct_article(store, article_id, fix, actor=actor, chat=chat)
    except EditError as exc:
        return e(f"❌ {exc}")
    return e(correction_text(article_id, changes))


async def _card(store: Store, article_id: int) -> str:
    a = await article_detail(store, article_id, with_keywords=False)
    if a is None:
        return e(f"没有编号为 {article_id} 的文章。")
    primary = " › ".join(p["name"] for p in a["places"] if p["code"] and p["primary"])
    lines = [
        f"<b>#{article_id} {e(a['title'])}</b>",
        e(f"日期：{a['date']} · 来源：{a['source'] or a['source_file']}"),
        e(f"主要地点：{primary or '全区性或未能确定'}"),
    ]
    if a["duplicate_of"]:
        lines.append(e(f"近似重复，原文为 #{a['duplicate_of']}（不计入统计）"))
    return "\n".join([*lines, "", e(USAGE)])
