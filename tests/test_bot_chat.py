"""Chat flows of the real bot against telegram-test-api, a Bot API emulator we did not
write: searching and paging, opening a long article, groups, outsiders, restarts."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store
from bot.textsplit import MESSAGE_LIMIT
from tests.botkit import (
    ADMIN,
    GROUP,
    OUTSIDER,
    STAFF,
    TOKEN,
    assert_no_errors,
    bot_settings,
    running_bot,
    seeded_copy,
)
from tests.peers.emulator import BotMessage, Emulator


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as emu:
        yield emu


@pytest.fixture
def db(seeded_file: Path, tmp_path: Path) -> Path:
    return seeded_copy(seeded_file, tmp_path)


def buttons(message: BotMessage) -> list[tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def data_of(message: BotMessage, label: str) -> str:
    (data,) = [d for text, d in buttons(message) if text == label]
    return data


def visible(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup)


async def test_search_page_and_open_a_long_article(
    emulator: Emulator, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user = emulator.client(TOKEN, user_id=STAFF)
    async with running_bot(bot_settings(db, emulator.base_url())):
        await user.say("党建")
        [page] = await user.wait_bot(count=1)
        assert "第 1/" in page["text"] and "篇文章" in page["text"]
        first_titles = [t for t, d in buttons(page) if d.startswith("art:")]
        assert len(first_titles) == 5

        await user.press(page, data_of(page, "▶"))
        [page] = await user.wait_for(lambda m: "第 2/" in m[0]["text"])
        second_titles = [t for t, d in buttons(page) if d.startswith("art:")]
        assert second_titles[0].startswith("6. ")
        assert set(second_titles).isdisjoint(first_titles)

        # 党建领航风帆劲 is the longest seed article: more than one message.
        await user.say('"党建领航风帆劲"')
        [_, found] = await user.wait_bot(count=2)
        await user.press(found, data_of(found, buttons(found)[0][0]))
        messages = await user.wait_for(lambda m: any("相近文章" in t for t, _ in buttons(m[-1])))
        article = messages[2:]
    assert len(article) >= 2
    assert all(len(m["text"]) <= MESSAGE_LIMIT for m in article)
    shown = [html.unescape(visible(m["text"])) for m in article]
    assert "党建领航风帆劲" in shown[0]
    # Every paragraph arrives whole, inside one message.
    store = await Store.open(db)
    try:
        [stored] = [
            a for a in await store.list_articles() if a["title"] == "党建领航风帆劲 奋楫争先阔步行"
        ]
        text = (await store.articles_by_id([stored["article_id"]]))[stored["article_id"]]["text"]
    finally:
        await store.close()
    for paragraph in text.split("\n"):
        assert any(paragraph in m for m in shown), paragraph
    assert_no_errors(caplog)


async def test_group_command_addressed_to_the_bot(
    emulator: Emulator, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    member = emulator.client(TOKEN, user_id=OUTSIDER, chat_id=GROUP, chat_type="supergroup")
    async with running_bot(bot_settings(db, emulator.base_url())) as app:
        await member.command(f"/search@{app.bot.username} 养老")
        [answer] = await member.wait_bot(count=1)
        await member.command("/search@some_other_bot 养老")
        await member.command("/case 养老")
        [_, cases] = await member.wait_bot(count=2)
    assert "养老" in answer["text"] and "篇文章" in answer["text"]
    assert "reply_parameters" in answer  # it answers the asker, not the room
    assert "个案例" in cases["text"]
    assert_no_errors(caplog)


async def test_outsider_is_refused_politely_in_private(
    emulator: Emulator, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outsider = emulator.client(TOKEN, user_id=OUTSIDER)
    async with running_bot(bot_settings(db, emulator.base_url())):
        await outsider.say("党建")
        await outsider.command("/search 党建")
        replies = await outsider.wait_bot(count=2)
    assert all("仅供宣传部工作人员使用" in m["text"] for m in replies)
    assert str(OUTSIDER) in replies[0]["text"]  # what to send the admin
    assert_no_errors(caplog)


async def test_old_buttons_work_after_a_restart(
    emulator: Emulator, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user = emulator.client(TOKEN, user_id=ADMIN)
    settings = bot_settings(db, emulator.base_url())
    async with running_bot(settings):
        await user.command("/search 党建")
        [page] = await user.wait_bot(count=1)
    async with running_bot(settings):  # a new process: nothing kept in memory
        await user.press(page, data_of(page, "▶"))
        [page] = await user.wait_for(lambda m: "第 2/" in m[0]["text"])
        await user.press(page, data_of(page, buttons(page)[0][0]))
        messages = await user.wait_bot(count=2)
    assert "全文" in messages[1]["text"]
    assert_no_errors(caplog)
