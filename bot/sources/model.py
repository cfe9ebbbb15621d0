"""Plain data passed between the stages of polling a source."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from cssselect import GenericTranslator, SelectorError

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
class Selectors:
    """CSS selectors of a source. Link selectors find articles on index pages; the others
    override what the main-text extractor finds on an article page."""

    links: str | None = None  # article links on a list page or an e-paper page
    next: str | None = None  # the list's next-page link
    pages: str | None = None  # an e-paper day's page links (node_N.htm)
    title: str | None = None
    subtitle: str | None = None
    authors: str | None = None
    date: str | None = None
    source: str | None = None  # the publisher's name on the page
    body: str | None = None

    def __post_init__(self) -> None:
        for name, selector in vars(self).items():
            if selector is None:
                continue
            try:
                GenericTranslator().css_to_xpath(selector)
            except SelectorError as exc:
                raise ValueError(f"选择器 {name} 无效：{selector}") from exc

    def as_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> Selectors:
        return cls.of(json.loads(text or "{}"))

    @classmethod
    def of(cls, values: dict[str, Any]) -> Selectors:
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"未知的选择器：{'、'.join(sorted(unknown))}")
        return cls(**{k: str(v) for k, v in values.items() if v})


@dataclass(frozen=True)
class Source:
    id: int
    name: str
    kind: str
    url: str
    selectors: Selectors = field(default_factory=Selectors)
    interval_min: int = 60
    status: str = "active"
    paused_reason: str = ""
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    failures: int = 0
    last_success_at: str | None = None
    last_error: str = ""
    last_error_at: str | None = None
    next_poll_at: str = ""


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
