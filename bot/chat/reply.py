"""The replies of the chat layer: text in Telegram HTML with buttons, and inline results."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from html import escape

from bot.chat.links import NOOP, Link, link_data


@dataclass(frozen=True)
class Button:
    text: str
    link: Link | None = None  # what pressing it does (None: nothing)
    switch_inline: str | None = None  # opens inline mode in the current chat with this query

    @property
    def data(self) -> str | None:
        """The callback data Telegram carries back (None for an inline-mode button)."""
        if self.switch_inline is not None:
            return None
        return link_data(self.link) if self.link is not None else NOOP


@dataclass(frozen=True)
class Reply:
    text: str  # Telegram HTML
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class InlineResult:
    id: str
    title: str
    description: str
    text: str  # Telegram HTML inserted into the chat


def plain(text: str) -> Reply:
    """A message of plain text, escaped for Telegram HTML: the way every message not built
    by bot.chat.html reaches a chat, since nearly all of them quote something a user typed
    (a place, a channel's name, a file name) or an article."""
    return Reply(escape(text))


def query_key(query: str) -> str:
    """A short stable key for a query: the same search gets the same buttons."""
    digest = hashlib.sha1(query.strip().encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest)[:10].decode("ascii")


def short_label(label: str, width: int = 24) -> str:
    """A button label cut to fit a phone's button."""
    return label if len(label) <= width else label[: width - 1] + "…"
