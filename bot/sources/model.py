"""Plain data passed between the stages of polling a source."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

KINDS = ("feed", "list", "epaper", "page")
# What each selector picks, for the CLI's options and /sources add.
SELECTOR_HELP = {
    "links": "列表页/电子报版面上的文章链接",
    "next": "列表页的“下一页”链接",
    "pages": "电子报当天的版面链接（默认 node_ 链接）",
    "title": "文章页的标题",
    "subtitle": "文章页的副标题",
    "authors": "文章页的作者",
    "date": "文章页的日期",
    "source": "文章页的来源（刊发单位）",
    "body": "文章页的正文",
}
KIND_NAMES = {"feed": "订阅源", "list": "列表页", "epaper": "电子报", "page": "单篇网页"}


class FetchError(Exception):
    """A URL that could not be read; ``reason`` is shown to users (Chinese)."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status  # the HTTP status, when the server answered with an error

    def __reduce__(self) -> tuple[type[FetchError], tuple[str, str, int | None]]:
        # Raised in worker processes: must survive pickling back to the parent.
        return (FetchError, (self.url, self.reason, self.status))


@dataclass(frozen=True)
class Link:
    """An article an index page points to, with what the index says about it."""

    url: str
    guid: str | None = None  # a feed entry's id
    title: str | None = None
    date: date | None = None


@dataclass(frozen=True)
class WebArticle:
    """One article read from a web page, before normalisation."""

    url: str
    title: str
    paragraphs: list[str]
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    date: date | None = None
    source_name: str | None = None
    encoding: str | None = None
    size: int = 0
    sha256: str = ""
