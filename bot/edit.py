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
from bot.ingest.pipeline import index_columns, sketch
from bot.ingest.reextract import extract_again, redate
from bot.places import get_gazetteer
from bot.store import Store, edits
from bot.text import to_simplified

TITLE_MAX = 200
HEADLINE_MAX = 40  # a paragraph this short, without a sentence end, is a headline


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
                await store.unindex_articles(
                    [(article_id, index_columns(article.title, article.text))]
                )
                await store.index_articles([(article_id, index_columns(title, article.text))])
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
        indexed = [
            (a.article_id, index_columns(a.title, a.text) if a.duplicate_of is None else None)
            for a in articles
        ]
        await edits.remove_articles(store, [*indexed, *((r, None) for r in reprints)])
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
        await store.unindex_articles(
            [
                (keep_id, index_columns(keep.title, keep.text)),
                (other_id, index_columns(other.title, other.text)),
            ]
        )
        await edits.merge_into(store, keep_id, other_id, joined, *_identity(joined.text))
        await store.index_articles([(keep_id, index_columns(keep.title, joined.text))])
        await extract_again(store, [keep_id])
    done = f"已将 #{other_id}《{other.title}》并入 #{keep_id}《{keep.title}》。"
    await store.audit(now_iso(), actor, chat, "article merge", done)
    return done


async def split_article(
    store: Store,
    article_id: int,
    at: str,
    *,
    title: str | None,
    actor: int | None,
    chat: int | None,
) -> str:
    """Cuts an article in two (two stories the page splitter took for one) before the
    paragraph `at` names: its number (from 1), or words it contains. The second part
    becomes a new article of the same file and date, titled `title`, else by its first
    paragraph when that is a headline, else 「…（续）」. Returns what was done, in Chinese."""
    article = await _article(store, article_id)
    if article.duplicate_of is not None:
        raise EditError(f"#{article_id} 是 #{article.duplicate_of} 的近似重复报道，请拆分原文。")
    whole = await edits.body(store, article_id)
    paragraph = _paragraph_at(whole, at.strip())
    count = len(whole.paragraphs)
    if count < 2:
        raise EditError(f"#{article_id} 只有一段，无法拆分。")
    if not 2 <= paragraph <= count:
        raise EditError(f"#{article_id} 共 {count} 段，新文章须从第 2 至 {count} 段之一开始。")
    head, tail = whole.paragraphs[: paragraph - 1], whole.paragraphs[paragraph - 1 :]
    if title is None:
        lead = whole.text[tail[0][0] : tail[0][1]]
        if len(tail) > 1 and len(lead) <= HEADLINE_MAX and not lead.endswith(("。", "！", "？")):
            title, tail = lead, tail[1:]
        else:
            title = f"{article.title}（续）"
    first_text = whole.text[: head[-1][1]]
    start = tail[0][0]
    second_text = whole.text[start:]
    first = edits.Body(first_text, whole.original_text, head)
    second = edits.Body(second_text, second_text, [(s - start, e - start, k) for s, e, k in tail])
    first_id, second_id = _identity(first_text), _identity(second_text)
    for part in (first_id, second_id):
        if (owner := await edits.fingerprint_owner(store, part[0])) is not None:
            raise EditError(f"拆出的一部分与 #{owner} 相同，无需拆分；可直接删除重复的文章。")
    async with store.transaction():
        await store.clear_extractions([article_id])
        await store.unindex_articles([(article_id, index_columns(article.title, article.text))])
        await edits.set_body(store, article_id, first, *first_id)
        await store.index_articles([(article_id, index_columns(article.title, first_text))])
        new_id = await edits.insert_part(store, article_id, title, second, *second_id)
        await store.index_articles([(new_id, index_columns(title, second_text))])
        await extract_again(store, [article_id, new_id])
    done = f"已从第 {paragraph} 段起把 #{article_id} 拆出新文章 #{new_id}《{title}》。"
    await store.audit(now_iso(), actor, chat, "article split", done)
    return done


def _paragraph_at(whole: edits.Body, at: str) -> int:
    """The number (from 1) of the paragraph `at` names: a number, or words in it (the
    first paragraph after the first that has them); 0 if none."""
    if at.isdigit():
        return int(at)
    for n, (s, e, _) in enumerate(whole.paragraphs[1:], start=2):
        if at and at in whole.text[s:e]:
            return n
    return 0


def _identity(text: str) -> tuple[str, list[int]]:
    """The fingerprint and near-duplicate sketch of an article's text, as ingest makes them."""
    compact = compact_simplified(to_simplified(text))
    return fingerprint_compact(compact), sketch(compact)
