"""Reading fetched pages: article links on index pages (feed, list, e-paper), and the
article on an article page (trafilatura, with per-source selectors overriding it)."""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import replace
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
import trafilatura
from lxml import etree
from lxml import html as lxml_html

from bot.ingest.model import RejectedFile
from bot.ingest.readers import date_from_filename, decode_markup
from bot.sources.model import FetchError, Link, WebArticle
from bot.store.sources import Selectors

# An e-paper (内蒙古日报-style static HTML) lists a day's pages as node_N.htm and links
# each page's articles as content_….htm.
EPAPER_PAGES = 'a[href*="node_"]'
EPAPER_ARTICLES = 'a[href*="content_"]'
# A body is an article when its sentences add up to this many characters: navigation,
# link lists and footers have few sentences however much text they hold.
MIN_SENTENCE_CHARS = 40
SENTENCE_END = re.compile(r"[。！？!?]")
# Lines of a page's header block that trafilatura keeps with the text: 来源：… 作者：… 时间
_INFO_LINE = re.compile(r"(来源|作者|记者|发布时间|编辑|责任编辑|字号|浏览次数)\s*[:：]")
_SOURCE_IN_INFO = re.compile(r"来源\s*[:：]\s*([^\s|｜丨]{2,20})")
# 作者：王小明 李华 — up to the next `名称：` field of the line
_AUTHORS_IN_INFO = re.compile(r"(?:作者|记者)\s*[:：]\s*(.+?)(?=\s+\S{2,4}\s*[:：]|$)")
_AUTHOR_SPLIT = re.compile(r"[;；,，、\s]+")
INFO_LINE_MAX = 80
# WeChat official-account articles, which staff forward as links: the page's own parts, and
# the publication time its script holds as a Unix time (`var ct = "1719800000"`).
SITE_SELECTORS = {
    "mp.weixin.qq.com": Selectors(title="#activity-name", body="#js_content", source="#js_name")
}
_SCRIPT_TIME = re.compile(r'\bvar\s+ct\s*=\s*"(\d{10})"')
CHINA = ZoneInfo("Asia/Shanghai")


def selectors_for(url: str, own: Selectors) -> Selectors:
    """A source's selectors over those known for the page's site."""
    known = SITE_SELECTORS.get(urlsplit(url).hostname or "")
    if known is None:
        return own
    return replace(known, **{k: v for k, v in vars(own).items() if v})


def parse_tree(markup: str) -> etree._Element | None:
    # lxml refuses str input that carries an XML encoding declaration; bytes it takes
    try:
        return lxml_html.document_fromstring(
            markup.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8")
        )
    except (etree.ParserError, ValueError):
        return None


def select_links(tree: etree._Element | None, base: str, selector: str) -> list[str]:
    """Absolute http(s) URLs of the links `selector` finds (or of links inside what it
    finds), in page order, each once."""
    if tree is None:
        return []
    found: dict[str, None] = {}
    for element in tree.cssselect(selector):
        anchors = [element] if element.tag == "a" else element.iter("a")
        for a in anchors:
            href = (a.get("href") or "").strip()
            url = urljoin(base, href).split("#", 1)[0]
            if href and urlsplit(url).scheme in ("http", "https"):
                found.setdefault(url, None)
    return list(found)


def dated_links(tree: etree._Element | None, base: str) -> list[str]:
    """A list page's article links when no selector says which: links to the same site
    whose address carries a date (`/202407/t20240701_123.html`), as CMS articles' do."""
    host = urlsplit(base).hostname
    return [
        url
        for url in select_links(tree, base, "a[href]")
        if urlsplit(url).hostname == host and date_from_filename(urlsplit(url).path)
    ]


def list_links(markup: str, base: str, selectors: Selectors) -> tuple[list[Link], str | None]:
    """A list page's article links and its next page (None on the last)."""
    tree = parse_tree(markup)
    urls = select_links(tree, base, selectors.links) if selectors.links else dated_links(tree, base)
    nexts = select_links(tree, base, selectors.next) if selectors.next else []
    return [Link(u, date=date_from_filename(urlsplit(u).path)) for u in urls], (
        nexts[0] if nexts else None
    )


def epaper_pages(markup: str, base: str, selectors: Selectors) -> list[str]:
    """The pages of an e-paper day, the first (the one fetched) included."""
    found = select_links(parse_tree(markup), base, selectors.pages or EPAPER_PAGES)
    return [base, *(u for u in found if u != base)]


def epaper_articles(markup: str, base: str, selectors: Selectors, day: date) -> list[Link]:
    urls = select_links(parse_tree(markup), base, selectors.links or EPAPER_ARTICLES)
    return [Link(u, date=day) for u in urls]


def epaper_url(pattern: str, day: date) -> str:
    """The day's first page: `{date:%Y-%m/%d}` in the pattern becomes the date."""
    try:
        return pattern.format(date=day)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"电子报网址模式无效（应含 {{date:%Y-%m/%d}} 之类）：{pattern}") from exc


def index_title(kind: str, url: str, data: bytes, charset: str | None) -> str:
    """The feed's title or the page's <title>, as a name for the source."""
    if kind == "feed":
        return str(feedparser.parse(data).feed.get("title", "")).strip()
    try:
        tree = parse_tree(decode_markup(url, data, charset)[0])
    except RejectedFile:
        return ""
    found = tree.findtext(".//title") if tree is not None else None
    return " ".join((found or "").split())


def feed_links(data: bytes, base: str) -> list[Link]:
    """The entries of an RSS or Atom feed, parsed from the bytes we fetched."""
    parsed = feedparser.parse(data, response_headers={"content-location": base})
    if parsed.bozo and not parsed.entries:
        raise FetchError(base, "不是可识别的 RSS/Atom 订阅源")
    links = []
    for entry in parsed.entries:
        url = urljoin(base, entry.get("link") or "")
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        # feedparser gives UTC; the day is China's (08:00 on the 2nd UTC is still the 2nd,
        # 20:00 UTC on the 1st is already the 2nd)
        day = datetime.fromtimestamp(calendar.timegm(stamp), CHINA).date() if stamp else None
        links.append(Link(url, guid=entry.get("id") or None, title=entry.get("title"), date=day))
    return links


def read_article(
    markup: str, url: str, selectors: Selectors, *, encoding: str | None = None, data: bytes = b""
) -> WebArticle:
    """The article on a page; raises FetchError when the page has no article text."""
    tree = parse_tree(markup)
    try:
        meta = trafilatura.bare_extraction(
            markup, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception:  # htmldate and lxml trip over some malformed trees
        meta = None
    title = _selected_text(tree, selectors.title) or (meta.title if meta else None) or ""
    if selectors.body:
        paragraphs = _selected_paragraphs(tree, selectors.body)
    else:
        paragraphs = (meta.text or "").splitlines() if meta else []
    kept = [p for p in paragraphs if _INFO_LINE.search(p) and len(p) <= INFO_LINE_MAX]
    paragraphs = [p.strip() for p in paragraphs if p.strip() and p.strip() != title.strip()]
    paragraphs = [p for p in paragraphs if p not in kept]
    info = kept + _info_lines(tree)
    if sum(len(p) for p in paragraphs if SENTENCE_END.search(p)) < MIN_SENTENCE_CHARS:
        raise FetchError(url, "页面上没有可识别的正文（可能是导航页或列表页）")
    return WebArticle(
        url=url,
        title=title.strip(),
        paragraphs=paragraphs,
        subtitle=_selected_text(tree, selectors.subtitle),
        authors=_authors(tree, selectors, meta, info),
        date=_date(tree, selectors, meta, url, markup),
        source_name=_selected_text(tree, selectors.source) or _source_from(info),
        encoding=encoding,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _info_lines(tree: etree._Element | None) -> list[str]:
    """The page's header block lines (来源：… 作者：…), which the extractor leaves out."""
    if tree is None:
        return []
    found = tree.xpath(
        "//body//*[contains(text(), '来源') or contains(text(), '作者')"
        " or contains(text(), '记者')]"
    )
    lines = (" ".join(e.text_content().split()) for e in found)
    return [x for x in lines if _INFO_LINE.search(x) and len(x) <= INFO_LINE_MAX]


def _selected_text(tree: etree._Element | None, selector: str | None) -> str | None:
    if tree is None or not selector:
        return None
    texts = [" ".join(e.text_content().split()) for e in tree.cssselect(selector)]
    return next((t for t in texts if t), None)


def _selected_paragraphs(tree: etree._Element | None, selector: str) -> list[str]:
    if tree is None:
        return []
    lines: list[str] = []
    for element in tree.cssselect(selector):
        blocks = element.cssselect("p, h2, h3, h4, li") or [element]
        lines += [" ".join(b.text_content().split()) for b in blocks]
    return lines


def _authors(
    tree: etree._Element | None, selectors: Selectors, meta: object, info: list[str]
) -> list[str]:
    text = _selected_text(tree, selectors.authors)
    if text is None:
        text = next((m.group(1) for x in info if (m := _AUTHORS_IN_INFO.search(x))), None)
    if text is None and tree is not None:
        text = next(iter(tree.xpath('//meta[@name="author"]/@content')), None)
    if text is None and meta is not None:
        text = getattr(meta, "author", None)
    names = _AUTHOR_SPLIT.split(re.sub(r"(记者|通讯员|作者)\s*[:：]?", " ", text or ""))
    return [n for n in names if n]


def _date(
    tree: etree._Element | None, selectors: Selectors, meta: object, url: str, markup: str
) -> date | None:
    if text := _selected_text(tree, selectors.date):
        return date_from_filename(text)
    if m := _SCRIPT_TIME.search(markup):
        return datetime.fromtimestamp(int(m.group(1)), CHINA).date()
    if (found := getattr(meta, "date", None)) and (day := _iso_day(found)):
        return day
    return date_from_filename(urlsplit(url).path)


def _iso_day(value: str) -> date | None:
    try:
        return datetime.fromisoformat(value[:10]).date()
    except ValueError:
        return None


def _source_from(info: list[str]) -> str | None:
    for line in info:
        if m := _SOURCE_IN_INFO.search(line):
            return m.group(1)
    return None
