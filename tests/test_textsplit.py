"""Cutting long text into Telegram messages, on the seeds and on hard cases."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from bot.textsplit import escaped_length, html_length, pack_html, split_plain
from tests.conftest import seed_text


def test_a_long_seed_page_is_cut_after_sentence_ends() -> None:
    page = seed_text("002").replace("\n", "")  # one paragraph of ~9,000 characters
    pieces = split_plain(page, 1000)
    assert len(pieces) > 5
    assert "".join(pieces) == page
    assert all(escaped_length(p) <= 1000 for p in pieces)
    assert all(p[-1] in "。！？；!?;…" for p in pieces[:-1])


def test_entities_are_never_cut() -> None:
    text = "A&B<C>" * 2000  # escapes to 3.5 times its length
    pieces = split_plain(text, 100)
    assert "".join(pieces) == text
    for piece in pieces:
        markup = html.escape(piece, quote=False)
        assert html_length(markup) <= 100
        assert html.unescape(markup) == piece


def test_astral_characters_count_twice() -> None:
    text = "𠀀" * 100  # CJK extension B: two UTF-16 code units each, as Telegram counts
    pieces = split_plain(text, 50)
    assert [len(p) for p in pieces] == [25, 25, 25, 25]


def test_blocks_are_packed_whole() -> None:
    blocks = ["<b>标题</b>", "甲" * 60, "乙" * 60, "丙" * 10]
    messages = pack_html(blocks, limit=100)
    assert messages == [f"<b>标题</b>\n{'甲' * 60}", f"{'乙' * 60}\n{'丙' * 10}"]


@given(st.text(alphabet="党建。，&<>a 𠀀\n", min_size=0, max_size=600), st.integers(20, 200))
def test_split_keeps_every_character_within_the_limit(text: str, limit: int) -> None:
    pieces = split_plain(text, limit)
    assert "".join(pieces) == text
    assert all(0 < escaped_length(p) <= limit for p in pieces)
