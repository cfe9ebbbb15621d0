"""Putting mistakes right: an article's date, title or primary place corrected, articles
deleted. The CLI (`casebot edit`, `casebot delete`) and the admins' /article share these.

Each correction is one transaction over the article, its search index and the statistics
aggregate, so search, /stats and digests agree before and after it; each is written to the
audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.access import now_iso
from bot.ingest.normalize import compact_simplified, fingerprint_compact
from bot.ingest.pipeline import index_terms, sketch
from bot.ingest.reextract import extract_again, redate
from bot.places import get_gazetteer
from bot.store import Store, edits
from bot.text import to_simplified

TITLE_MAX = 200


class EditError(ValueError):
    """A correction that cannot be made; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class Correction:
    date: str | None = None  # YYYY-MM-DD
    title: str | None = None
    places: tuple[str, ...] = ()  # names or codes on one chain: the most specific wins


@dataclass(frozen=True)
class Deleted:
    articles: list[int]
    reprints: list[int]  # near-duplicates deleted with their original


def parse_day(text: str) -> str:
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise EditError(f"日期“{text}”无效，请写成 YYYY-MM-DD，如 2024-06-28。") from None


def primary_place(names: tuple[str, ...]) -> str:
    """The code of the most specific of the places named, which must lie on one chain
    (赤峰 林西县 → 林西县); a name several divisions share must be written in full."""
    gazetteer = get_gazetteer()
    codes = []
    for name in names:
        meant = gazetteer.codes_meant(name.strip(), risky=True)
        if not meant:
            raise EditError(f"未找到地区“{name}”。")
        if len(meant) > 1:
            options = "、".join(f"{gazetteer.display_name(c)}（{c}）" for c in sorted(meant)[:5])
            raise EditError(f"“{name}”可指多个地区：{options}。请写全称或代码。")
        codes.append(meant.pop())
    lowest = max(codes, key=len)
    if not all(lowest.startswith(c) for c in codes):
        raise EditError("主要地点须在同一条隶属链上（如“赤峰 林西县”）。")
    return lowest


def _terms(title: str, text: str) -> tuple[str, str, str, str, str]:
    return index_terms(to_simplified(title), to_simplified(text))


async def _article(store: Store, article_id: int) -> edits.ArticleRow:
    found = await edits.article_row(store, article_id)
    if found is None:
        raise EditError(f"没有编号为 {article_id} 的文章。")
    return found


async def correct_article(
    store: Store, article_id: int, fix: Correction, *, actor: int | None, chat: int | None
) -> list[str]:
    """Applies a correction; returns what changed, one Chinese line each (empty: nothing)."""
    article = await _article(store, article_id)
    day = parse_day(fix.date) if fix.date else None
    title = fix.title.strip() if fix.title is not None else None
    if title is not None and not 0 < len(title) <= TITLE_MAX:
        raise EditError(f"标题不能为空，也不能超过 {TITLE_MAX} 字。")
    place = primary_place(fix.places) if fix.places else None
    original = article.duplicate_of is None
    if place and not original:
        raise EditError(
            f"#{article_id} 是 #{article.duplicate_of} 的近似重复报道，不计入统计；"
            "请修改原文的地点。"
        )
    changes = []
    extract = False  # the title and the chosen place feed extraction
    async with store.transaction():
        if day and day != article.date:
            await redate(store, article, day)
            changes.append(f"日期：{article.date} → {day}")
        if title and title != article.title:
            if original:
                await edits.unindex(store, article_id, _terms(article.title, article.text))
                await edits.index(store, article_id, _terms(title, article.text))
            await edits.set_title(store, article_id, title)
            changes.append(f"标题：{article.title} → {title}")
            extract = original
        if place:
            await edits.set_primary_place(store, article_id, place)
            changes.append(f"主要地点：{' › '.join(get_gazetteer().display_chain(place))}")
            extract = True
        if extract:
            await extract_again(store, [article_id])
    if changes:
        detail = f"#{article_id} {'；'.join(changes)}"
        await store.audit(now_iso(), actor, chat, "article edit", detail)
    return changes


async def delete_articles(
    store: Store, ids: list[int], *, actor: int | None, chat: int | None
) -> Deleted:
    """Deletes articles with their near-duplicates (reprints of a deleted article would
    otherwise become originals nobody indexed)."""
    articles = [await _article(store, i) for i in dict.fromkeys(ids)]
    wanted = [a.article_id for a in articles]
    async with store.transaction():
        reprints = [r for r in await edits.reprints_of(store, wanted) if r not in wanted]
        originals = [a for a in articles if a.duplicate_of is None]
        await store.clear_extractions([a.article_id for a in originals])
        for a in originals:
            await edits.unindex(store, a.article_id, _terms(a.title, a.text))
        await edits.delete_articles(store, [*wanted, *reprints])
    detail = "、".join(f"#{i}" for i in wanted)
    if reprints:
        detail += f"（及近似重复 {'、'.join(f'#{i}' for i in reprints)}）"
    await store.audit(now_iso(), actor, chat, "article delete", detail)
    return Deleted(wanted, reprints)


async def merge_articles(
    store: Store, keep_id: int, other_id: int, *, actor: int | None, chat: int | None
) -> str:
    """Joins `other_id`'s text to the end of `keep_id` (one story the splitter cut in two);
    `keep_id` keeps its title and date. Returns what was done, in Chinese."""
    keep, other = await _article(store, keep_id), await _article(store, other_id)
    if keep_id == other_id:
        raise EditError("不能把文章与自己合并。")
    for a in (keep, other):
        if a.duplicate_of is not None:
            raise EditError(f"#{a.article_id} 是 #{a.duplicate_of} 的近似重复报道，请合并原文。")
    async with store.transaction():
        first, second = await edits.body(store, keep_id), await edits.body(store, other_id)
        shift = len(first.text) + 1
        joined = edits.Body(
            f"{first.text}\n{second.text}",
            f"{first.original_text}\n{second.original_text}",
            [*first.paragraphs, *((s + shift, e + shift, k) for s, e, k in second.paragraphs)],
        )
        await store.clear_extractions([keep_id, other_id])
        await edits.unindex(store, keep_id, _terms(keep.title, keep.text))
        await edits.unindex(store, other_id, _terms(other.title, other.text))
        compact = compact_simplified(to_simplified(joined.text))
        await edits.merge_into(
            store, keep_id, other_id, joined, fingerprint_compact(compact), sketch(compact)
        )
        await edits.index(store, keep_id, _terms(keep.title, joined.text))
        await extract_again(store, [keep_id])
    done = f"已将 #{other_id}《{other.title}》并入 #{keep_id}《{keep.title}》。"
    await store.audit(now_iso(), actor, chat, "article merge", done)
    return done
