"""Extracting stored articles again after a correction, keeping what an admin chose: the
primary place set with `casebot edit --place` or /article survives every new extraction."""

from __future__ import annotations

from dataclasses import replace

from bot.extract.article import EXTRACT_VERSION, extract_articles
from bot.places import get_gazetteer
from bot.store import Store, edits
from bot.store.articles import ExtractionRows, extraction_rows


def extract_batch(items: list[tuple[int, str, str]]) -> list[tuple[int, ExtractionRows]]:
    """The extraction rows of (article id, title, text) items: a worker's task."""
    found = extract_articles([(title, text) for _, title, text in items])
    return [
        (i, extraction_rows(x, EXTRACT_VERSION)) for (i, _, _), x in zip(items, found, strict=True)
    ]


def with_primary(x: ExtractionRows, code: str) -> ExtractionRows:
    """The extraction with the chain of `code` (盟市 down to it) as the article's primary
    places instead of what extraction judged; the places it names stay as mentions."""
    gazetteer = get_gazetteer()
    chain = gazetteer.chain(code)
    found = {row[0]: row for row in x.places}
    places = [(c, level, pref, c in chain, n) for c, level, pref, _, n in x.places]
    for c in chain:
        if c not in found:
            places.append((c, gazetteer.divisions[c].level, chain[-1], True, 0))
    return replace(x, places=places)


async def with_edits(
    store: Store, items: list[tuple[int, ExtractionRows]]
) -> list[tuple[int, ExtractionRows]]:
    chosen = await edits.primary_places(store, [i for i, _ in items])
    return [(i, with_primary(x, chosen[i]) if i in chosen else x) for i, x in items]


async def extract_again(store: Store, ids: list[int]) -> None:
    """Extracts these original articles again in this process and stores the result, in the
    caller's transaction (a correction touches a few articles: no worker pool)."""
    rows = extract_batch(await store.article_titles_texts(ids))
    await store.write_extractions(await with_edits(store, rows))


async def redate(store: Store, article: edits.ArticleRow, day: str) -> None:
    """Moves an article to another day, its counts with it, in the caller's transaction."""
    if article.duplicate_of is not None:  # a near-duplicate counts nowhere
        await edits.set_date(store, article.article_id, day)
        return
    await store.clear_extractions([article.article_id])  # taken out under the old day
    await edits.set_date(store, article.article_id, day)
    await extract_again(store, [article.article_id])
