"""What the bot's buttons carry: every kind of button link, built, parsed back and matched
here and nowhere else.

A link travels as Telegram callback data (at most 64 bytes): its kind's prefix and its
fields joined by ':', e.g. `pg:<key>:<page>`. Handlers register each kind's `pattern()`
and get the typed link back from `parse_link`, so a forged or outdated button (a 23-digit
id, an unknown action, an impossible time) matches no handler instead of reaching one.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import ClassVar

# SQLite's rowids fit in 18 digits here (a library would need 10^18 rows to pass them);
# a longer id is forged. Chat ids are below 10^13 in magnitude (Bot API docs: 52 bits).
_ID = r"[0-9]{1,18}"  # ASCII digits: \d would take full-width ones, which int() reads
_CHAT = r"-?[0-9]{1,16}"
_KEY = r"[A-Za-z0-9_-]{1,24}"  # query_key's 10 base64url characters, with room
_CODE = r"[0-9]{0,12}"  # a division code (empty: the whole region)
_SUBSCRIPTION_ACTIONS = "pause|resume|time|empty|preview|del"
_HHMM = r"t(?:[01][0-9]|2[0-3])[0-5][0-9]"  # a new time of day, as t0730


@dataclass(frozen=True)
class SearchPage:
    """A page of the search saved under `key`."""

    PREFIX: ClassVar[str] = "pg"
    FIELDS: ClassVar[tuple[str, ...]] = (_KEY, r"[0-9]{1,4}")
    key: str
    page: int


@dataclass(frozen=True)
class OpenArticle:
    PREFIX: ClassVar[str] = "art"
    FIELDS: ClassVar[tuple[str, ...]] = (_ID,)
    article_id: int


@dataclass(frozen=True)
class SimilarArticles:
    PREFIX: ClassVar[str] = "sim"
    FIELDS: ClassVar[tuple[str, ...]] = (_ID,)
    article_id: int


@dataclass(frozen=True)
class ChannelSetting:
    """A channel's digest switch (`digest`) or a test post (`test`), for admins."""

    PREFIX: ClassVar[str] = "ch"
    FIELDS: ClassVar[tuple[str, ...]] = (_CHAT, "digest|test")
    chat_id: int
    what: str


@dataclass(frozen=True)
class StatsPlace:
    """Statistics of a place (empty code: the region) for the period and topic under `key`."""

    PREFIX: ClassVar[str] = "st"
    FIELDS: ClassVar[tuple[str, ...]] = (_CODE, _KEY)
    code: str
    key: str


@dataclass(frozen=True)
class StatsCsv(StatsPlace):
    """The same table as StatsPlace, as a CSV file."""

    PREFIX: ClassVar[str] = "stc"


@dataclass(frozen=True)
class SubscriptionAction:
    """pause, resume, time (pick a time), t<HHMM> (set it), empty (toggle sending empty
    days), preview, del."""

    PREFIX: ClassVar[str] = "sub"
    FIELDS: ClassVar[tuple[str, ...]] = (_ID, f"{_SUBSCRIPTION_ACTIONS}|{_HHMM}")
    subscription_id: int
    action: str

    @property
    def new_time(self) -> str | None:
        """HH:MM for a t<HHMM> action."""
        if re.fullmatch(_HHMM, self.action):
            return f"{self.action[1:3]}:{self.action[3:]}"
        return None


@dataclass(frozen=True)
class PageHint:
    """The page counter and the arrows at either end: pressing them only says why."""

    PREFIX: ClassVar[str] = "pgh"
    FIELDS: ClassVar[tuple[str, ...]] = ("first|last|count",)
    where: str

    @property
    def text(self) -> str:
        return {
            "first": "已经是第一页。",
            "last": "已经是最后一页。",
            "count": "当前页 / 总页数；用 ◀ ▶ 翻页。",
        }[self.where]


@dataclass(frozen=True)
class SourceAction:
    """A news source's button, for admins: pause, resume, poll (now) or remove."""

    PREFIX: ClassVar[str] = "src"
    FIELDS: ClassVar[tuple[str, ...]] = (_ID, "pause|resume|poll|remove")
    source_id: int
    action: str


@dataclass(frozen=True)
class NewSource:
    """Save (add) or discard (drop) the source `/sources add` tested, kept under `key`."""

    PREFIX: ClassVar[str] = "srcn"
    FIELDS: ClassVar[tuple[str, ...]] = ("add|drop", "[0-9a-f]{8}")
    what: str
    key: str


Link = (
    SearchPage
    | PageHint
    | OpenArticle
    | SimilarArticles
    | ChannelSetting
    | StatsPlace
    | StatsCsv
    | SubscriptionAction
    | SourceAction
    | NewSource
)
NOOP = "noop"  # a button that does nothing (the page counter, ◀ on the first page)
_KINDS: dict[str, type[Link]] = {
    kind.PREFIX: kind
    for kind in (
        SearchPage,
        PageHint,
        OpenArticle,
        SimilarArticles,
        ChannelSetting,
        StatsPlace,
        StatsCsv,
        SubscriptionAction,
        SourceAction,
        NewSource,
    )
}


def pattern(kind: type[Link]) -> str:
    """The regular expression matching the callback data of `kind`'s valid links."""
    return "^" + ":".join([kind.PREFIX, *(f"({f})" for f in kind.FIELDS)]) + "$"


_PATTERNS = {prefix: re.compile(pattern(kind)) for prefix, kind in _KINDS.items()}


def link_data(link: Link) -> str:
    """The callback data of a link."""
    values = [str(getattr(link, f.name)) for f in dataclasses.fields(link)]
    return ":".join([link.PREFIX, *values])


def parse_link(data: str) -> Link | None:
    """The link a button's callback data carries; None for anything else."""
    prefix = data.partition(":")[0]
    found = _PATTERNS[prefix].match(data) if prefix in _PATTERNS else None
    if found is None:
        return None
    kind = _KINDS[prefix]
    values = [
        int(value) if f.type == "int" else value
        for f, value in zip(dataclasses.fields(kind), found.groups(), strict=True)
    ]
    return kind(*values)
