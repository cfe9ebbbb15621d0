"""Web articles into the library, through the ingest pipeline files go through: the page's
article is normalised and split like a page of a file, segmented and extracted by
`prepare_articles`, and judged (exact and near duplicates) and written by `Ingestor`.
Before that, the URL (or the feed entry's guid) says whether the article is stored
already, and a stored article whose text changed is replaced by its new version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from bot.ingest.model import ArticleDraft, Paragraph, RejectedFile
from bot.ingest.normalize import fingerprint
from bot.ingest.pipeline import Ingestor, PreparedFile, prepare_articles, stored_article
from bot.ingest.readers import decode_markup
from bot.ingest.split import split_page
from bot.sources.model import FetchError, Link, WebArticle
from bot.sources.pages import read_article
from bot.sources.urls import url_key
from bot.store import Store, integrity_errors
from bot.store import sources as db
from bot.store.sources import Selectors

NEW, NEAR, DUPLICATE, UPDATED, UNCHANGED, REJECTED = (
    "new", "near_duplicate", "duplicate", "updated", "unchanged", "rejected"
)  # fmt: skip


@dataclass(frozen=True)
class Stored:
    """What became of one URL."""

    url: str
    outcome: str  # one of NEW … REJECTED above
    article_id: int | None = None
    title: str = ""
    reason: str = ""  # why it was rejected (Chinese)

    def as_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "outcome": self.outcome,
            "article_id": self.article_id,
            "title": self.title,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PreparedPage:
    """An article page read, normalised, segmented and extracted: ready to store."""

    article: WebArticle
    file: PreparedFile
    content_hash: str


def web_draft(article: WebArticle) -> ArticleDraft | None:
    """The article as the page splitter reads it. A web page holds one article, so what
    the splitter takes for several (a short line read as a headline) is joined again,
    later titles kept as subheadings; the page's title, subtitle and authors win."""
    text = "\n\n".join([f"# {article.title}" if article.title else "", *article.paragraphs])
    drafts = split_page(text)
    if not drafts:
        return None
    first, *rest = drafts
    paragraphs = list(first.paragraphs)
    for draft in rest:
        paragraphs += [Paragraph(draft.title, "subheading"), *draft.paragraphs]
    return ArticleDraft(
        title=first.title,
        paragraphs=paragraphs,
        subtitle=article.subtitle or first.subtitle,
        authors=article.authors or [a for d in drafts for a in d.authors],
        column=first.column,
        captions=[c for d in drafts for c in d.captions],
        original=text,
    )


def prepare_page(
    data: bytes, url: str, charset: str | None, selectors: Selectors, link: Link, today: str,
    extract: bool = True,
) -> PreparedPage:  # fmt: skip
    """Decode, read and prepare one fetched article page (pure: runs in a worker).
    Raises FetchError when the page holds no article."""
    try:
        markup, encoding = decode_markup(url, data, charset)
    except RejectedFile as exc:
        raise FetchError(url, exc.reason) from exc
    article = read_article(markup, url, selectors, encoding=encoding, data=data)
    draft = web_draft(article)
    if draft is None:
        raise FetchError(url, "页面上没有可识别的正文")
    day, origin = _date(article.date or link.date, today)
    name = PurePosixPath(urlsplit(url).path).name or urlsplit(url).hostname or url
    file = PreparedFile(
        path=Path(name),
        sha256=article.sha256,
        size=article.size,
        format="html",
        encoding=encoding,
        date=day,
        date_origin=origin,
        articles=prepare_articles([draft], extract),
        url=url,
    )
    return PreparedPage(article, file, fingerprint(f"{draft.title}\n{draft.body}"))


def _date(found: date | None, today: str) -> tuple[str, str]:
    """The publication date, which digests key on: an old page read today is not news."""
    return (found.isoformat(), "metadata") if found else (today, "ingest")


async def store_page(
    store: Store, page: PreparedPage, *, source_id: int | None, source_name: str | None,
    guid: str | None, near_ratio: float, at: str, also: str | None = None,
) -> Stored:  # fmt: skip
    """Store a prepared page in one transaction (its article, its URLs); `also` is the
    URL it was asked for, when a redirect led elsewhere."""
    url = page.article.url
    key = url_key(url)
    title = page.file.articles[0].draft.title
    known = await db.known_url(store, key, guid)
    if known and known.content_hash == page.content_hash:
        async with store.transaction():  # refreshed, or linked when the guid found it
            await db.link_url(
                store, key=key, url=url, article_id=known.article_id, source_id=source_id,
                guid=guid, content_hash=page.content_hash, at=at,
            )  # fmt: skip
        return Stored(url, UNCHANGED, known.article_id, title)
    if known:
        return await _replace(store, page, known.article_id, source_id, guid, at)
    ingestor = Ingestor(store, near_ratio, source_name or page.article.source_name)
    async with store.transaction():
        file_id = await ingestor.add(page.file)
        if file_id is None:
            article_id = await db.article_by_fingerprint(store, page.file.articles[0].fingerprint)
            outcome = DUPLICATE
        else:
            await db.set_origin(store, file_id, url, source_id, at)
            article_id = await db.original_of(store, file_id)
            outcome = NEAR if ingestor.report.near_duplicates else NEW
        assert article_id is not None
        for each in {url, also or url}:
            await db.link_url(
                store, key=url_key(each), url=each, article_id=article_id, source_id=source_id,
                guid=guid, content_hash=page.content_hash, at=at,
            )  # fmt: skip
    return Stored(url, outcome, article_id, title)


async def _replace(
    store: Store, page: PreparedPage, article_id: int, source_id: int | None,
    guid: str | None, at: str,
) -> Stored:  # fmt: skip
    """An article edited on its site: its stored text becomes the new version."""
    url = page.article.url
    old = await db.article_for_edit(store, article_id)
    assert old is not None  # article_urls rows go with their article
    old_title, old_text, indexed = old
    old_draft = ArticleDraft(old_title, [Paragraph(t) for t in old_text.split("\n")])
    old_index = prepare_articles([old_draft], extract=False)[0].index if indexed else None
    new = stored_article(0, page.file, page.file.articles[0], None, None)
    try:
        async with store.transaction():
            await db.replace_article(store, article_id, new, old_index, at)
            await db.link_url(
                store, key=url_key(url), url=url, article_id=article_id, source_id=source_id,
                guid=guid, content_hash=page.content_hash, at=at,
            )  # fmt: skip
    except integrity_errors():  # the edit made it another stored article's twin
        return Stored(url, DUPLICATE, article_id, new.title)
    return Stored(url, UPDATED, article_id, new.title)
