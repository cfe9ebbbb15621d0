"""What web, e-paper and WeChat pages print around an article: clutter and metadata lines.

A page copied from a website keeps its frame: the site's name and menu, a breadcrumb, share
and print buttons, copyright footers, related links, lines a mirror site injects, and the
metadata line (`作者:… 来源:… 编辑:… 发布时间:…`). The frame is not the article: left in, it
becomes the title, splits the page or is indexed as text. Each line is judged on its own, by
what only frames print; pure functions of one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.text import HAN, to_simplified

# A frame line is short: a sentence of the article that happens to hold one of these words
# (`…为群众代办社保认证…点赞`) is longer, or ends a sentence.
FRAME_MAX = 60
META_MAX = 120
EARLIEST_YEAR = 1949  # before it, a "date" on a party-building page is history, not a dateline

_BREADCRUMB = re.compile(r"^(?:您的位置|当前位置|您现在的位置|所在位置|现在位置|位置)\s*[:：]")
_CRUMB_SEPARATOR = re.compile(r"\s*[>＞»›→]\s*")
_FRAME = re.compile(
    r"分享到|分享至|扫一扫|扫描二维码|识别二维码|长按识别|点击蓝字|关注我们|阅读原文|打印本页|"
    r"【打印|【关闭|关闭窗口|字号\s*[:：]|【字体|放大\s*缩小|上一篇|下一篇|返回顶部|版权所有|"
    r"copyright|©|icp备|公网安备|网站标识码|主办单位|承办单位|技术支持|联系我们|免责声明|"
    r"转载请注明|未经.{0,6}授权|浏览次数|阅读量|点击数|^分享\s|收藏\s+点赞|点赞\s+在看|"
    r"正文复制|写作资料|^索引号|^发布机构|^成文日期|^效力属性|^主题分类|^(?:标签|关键词|关键字|tags?)\s*[:：]|"
    # what a WeChat article exported or copied from the app prints around the text
    r"点击.{0,4}蓝字|关注.{0,4}公众号|二维码|轻触阅读原文|滑动看下一个|预览时标签不可点|使用小程序",
    re.IGNORECASE,
)
# Mirror sites inject advertising for services no party-building page mentions.
_SPAM = re.compile(
    r"包养|甜心宝贝|成人av|毛片|博彩|娱乐城|约炮|裸聊|代孕|av在线|在线观看导航", re.IGNORECASE
)
_IMAGE_FILE = re.compile(r"^\S.{0,40}\.(?:jpe?g|png|gif|webp)$", re.IGNORECASE)
_FLIPBOOK = re.compile(r"^page\s*\d+\s*[-–—]", re.IGNORECASE)
_SEPARATOR_ONLY = re.compile(r"^[|｜\-_=*·•\s]+$")
_RELATED = re.compile(
    r"^[【\[]?(?:相关链接|相关新闻|相关阅读|相关文章|推荐阅读|延伸阅读|热点推荐|往期回顾|往期推荐|"
    r"猜你喜欢|更多阅读)[】\]]?\s*[:：]?$"
)
_NAV_WORDS = re.compile(
    r"首页|新闻|政务|公开|服务|互动|专题|要闻|动态|频道|中心|栏目|视频|图片|党建"
)
_SITE_NAME = re.compile(
    rf"^[{HAN}]{{2,14}}(?:人民政府|政府网|新闻网|门户网站|融媒体中心|日报社?|晚报|网|客户端|在线)$"
)

_LABELS = (
    "责任编辑|信息来源|文章来源|作者|记者|来源|稿源|出处|编辑|责编|编审|审核|审校|校对|发布时间|"
    "发布日期|发表时间|更新时间|时间|日期|浏览|点击|阅读"
)
# `文 | 郑晓雪`, `图：宝音`: a one-character role labels names only at the start of a field.
_ROLE_LABELS = "文字|摄影|文|图|摄"
_LABEL = re.compile(rf"({_LABELS}|(?<![^\s|｜])(?:{_ROLE_LABELS}))\s*[:：|｜]\s*")
_DATE = re.compile(
    r"(?<!\d)(\d{4})\s*(?:年\s*/?|[-/.])\s*(\d{1,2})\s*(?:月\s*/?|[-/.])\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*\d{2})?)?(?!\d)"
)
_WECHAT_HEAD = re.compile(r"^原创\s")
_EDITION = re.compile(
    rf"^(?P<paper>[{HAN}]{{2,12}}报)\s*/\s*\d{{4}}\s*年\s*/\s*\d{{1,2}}\s*月\s*/\s*\d{{1,2}}\s*日"
    r"\s*/\s*第\s*\d+\s*版"
)
# `本报讯（记者 刘佳 通讯员 张宏伟）近日，…`: the byline a news item opens with.
_LEAD_BYLINE = re.compile(
    rf"^(?:本报讯|[{HAN}]{{1,10}}讯)?\s*[（(]\s*((?:(?:本报记者|记者|通讯员|实习生|见习记者)\s*"
    rf"[{HAN}·\s、]{{2,16}}?\s*)+)[)）]"
)
_LEAD_ROLE = re.compile(r"本报记者|见习记者|记者|通讯员|实习生|[\s、]+")
_WRAPPING = "（(【[〔"
_CLOSING = "）)】]〕"
_NAME_SPLIT = re.compile(r"[\s、，,;；/]+")
_PERSON = re.compile(f"^(?:[{HAN}]{{2,4}}|[{HAN}]{{1,6}}(?:[·・][{HAN}]{{1,6}})+)$")


@dataclass
class PageMeta:
    """Fields of a metadata line; empty where it names none."""

    authors: list[str] = field(default_factory=list)
    source: str | None = None
    editor: str | None = None
    published: str | None = None  # 2025-06-18 or 2025-06-18T10:32


def is_frame(line: str) -> bool:
    """A line only a page's frame prints: breadcrumb, menu, share or print buttons,
    copyright, tags, image file names, flipbook headers, injected spam."""
    simplified = to_simplified(line)
    if _SPAM.search(simplified):
        return True
    if len(line) > FRAME_MAX or line.rstrip().endswith("。"):
        return False
    return bool(
        _BREADCRUMB.match(simplified)
        or len(_CRUMB_SEPARATOR.findall(simplified)) >= 2
        or _FRAME.search(simplified)
        or _IMAGE_FILE.match(line)
        or _FLIPBOOK.match(line)
        or _SEPARATOR_ONLY.match(line)
        or _is_menu(simplified)
    )


def _is_menu(line: str) -> bool:
    """`首页 政务公开 新闻中心 …`: four or more short words, two of them navigation words."""
    words = line.split()
    return (
        len(words) >= 4
        and all(len(w) <= 6 for w in words)
        and sum(bool(_NAV_WORDS.search(w)) for w in words) >= 2
    )


def is_related_heading(line: str) -> bool:
    """`相关链接`: the titles listed after it are other pages, not this one's articles."""
    return bool(_RELATED.match(to_simplified(line.strip())))


def is_site_name(line: str) -> bool:
    """`达拉特旗人民政府`, `荆楚网`: the site's name printed above everything else."""
    return bool(_SITE_NAME.match(to_simplified(line.strip())))


def read_meta(line: str) -> PageMeta | None:
    """The fields of a metadata line, or None if the line is not one. A metadata line starts
    with a label (`来源：`), a date, the WeChat `原创` header or an e-paper edition line, or is
    one wrapped in brackets (`（责任编辑：苏日娜）`); it is short and ends no sentence."""
    text = line.strip()
    if text[:1] in _WRAPPING and text[-1:] in _CLOSING:
        text = text[1:-1].strip()
    if not text or len(text) > META_MAX or text.endswith("。"):
        return None
    simplified = to_simplified(text)
    if edition := _EDITION.match(simplified):
        meta = PageMeta(source=text[: edition.end("paper")])
        meta.published = _date(simplified)
        return meta
    starts_with_date = _DATE.match(simplified)
    if not (_LABEL.match(simplified) or starts_with_date or _WECHAT_HEAD.match(simplified)):
        return None
    if starts_with_date and not _LABEL.search(simplified) and _has_prose(simplified):
        return None  # `2024年7月1日，…`: a sentence that opens with its date
    meta = PageMeta(published=_date(simplified))
    labels = list(_LABEL.finditer(simplified))
    for label, after in zip(labels, [*labels[1:], None], strict=False):
        value = text[label.end() : after.start() if after else len(text)]
        _set_field(meta, label.group(1), _DATE.sub("", value).strip(" |｜"))
    return meta


def _has_prose(simplified: str) -> bool:
    rest = _DATE.sub("", simplified, count=1)
    return any(c in "，。；！？" for c in rest) or len(rest.strip()) > 20


def _date(simplified: str) -> str | None:
    m = _DATE.search(simplified)
    if not m:
        return None
    year, month, day, hour, minute = m.groups()
    try:
        day_iso = date(int(year), int(month), int(day)).isoformat()
    except ValueError:  # 2024-02-30: not a date
        return None
    if not EARLIEST_YEAR <= int(year) <= date.today().year + 1:
        return None
    if hour is None or int(hour) > 23 or int(minute) > 59:
        return day_iso
    return f"{day_iso}T{int(hour):02d}:{minute}"


def _set_field(meta: PageMeta, label: str, value: str) -> None:
    if not value:
        return
    label = to_simplified(label)
    if label in ("文字", "摄影", "文", "图", "摄"):
        meta.authors += [n for n in _NAME_SPLIT.split(value) if _PERSON.match(n)]
    elif label in ("作者", "记者"):
        names = [n for n in _NAME_SPLIT.split(value) if n]
        if names and all(_PERSON.match(n) for n in names):
            meta.authors += names
        elif meta.source is None:
            meta.source = value  # an organisation signs it: that is where it comes from
    elif label in ("来源", "信息来源", "文章来源", "稿源", "出处"):
        meta.source = value.split()[0]
    elif label in ("编辑", "责任编辑", "责编", "编审"):
        meta.editor = meta.editor or value.split()[0]


def lead_byline(paragraph: str) -> list[str]:
    """The authors a news item's lead names in brackets (`本报讯（记者 刘佳 通讯员 张宏伟）`)."""
    m = _LEAD_BYLINE.match(paragraph)
    if not m:
        return []
    names = [n for n in _LEAD_ROLE.split(m.group(1)) if n]
    return names if all(_PERSON.match(n) for n in names) else []


def merge_meta(into: PageMeta, other: PageMeta) -> None:
    """Fill `into` with what `other` adds: authors accumulate, the first value of the other
    fields stands, except that a source a `来源` label gives beats none."""
    into.authors += [a for a in other.authors if a not in into.authors]
    into.source = into.source or other.source
    into.editor = into.editor or other.editor
    into.published = into.published or other.published
