"""The strict fake Bot API: it serves the real PTB `Bot` and refuses what Telegram refuses."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.peers.strict_api import MB, StrictBotApi

USER = 7
OTHER_USER = 8
GROUP = -1001234
CHANNEL = -1009876


@pytest.fixture
async def api() -> AsyncIterator[StrictBotApi]:
    async with StrictBotApi() as peer:
        yield peer


@pytest.fixture
async def bot(api: StrictBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


@pytest.fixture
def started(api: StrictBotApi) -> int:
    """USER has started the bot: their private chat is known."""
    api.user_message("/start", user_id=USER)
    return USER


async def refused(
    api: StrictBotApi, request: Awaitable[Any], error: type[Exception], description: str
) -> None:
    """The request fails in PTB with `error`, and the peer answered exactly `description`
    (PTB rewrites the text it shows, so the peer's record is the one to compare)."""
    with pytest.raises(error):
        await request
    assert api.calls[-1].ok is False
    assert api.calls[-1].error == description


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(list(rows))


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\0" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# -- transport ---------------------------------------------------------------------------------


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (4242, "casebot_test_bot", True)
    assert me.can_join_groups and me.supports_inline_queries
    assert not me.can_read_all_group_messages


async def test_wrong_token_and_unknown_method_are_refused(api: StrictBotApi, bot: Bot) -> None:
    stranger = Bot("999:WRONG", base_url=api.base_url)
    await refused(api, stranger.initialize(), InvalidToken, "Unauthorized")
    await refused(api, bot.do_api_request("sendTelepathy"), EndPointNotFound, "Not Found")


async def test_json_bodies_get_requests_and_any_method_case_are_served(
    api: StrictBotApi, started: int
) -> None:
    url = f"{api.base_url}{api.token}"
    async with httpx.AsyncClient() as client:
        sent = await client.post(
            f"{url}/SENDMESSAGE",
            json={"chat_id": USER, "text": "hi", "reply_markup": '{"inline_keyboard": []}'},
        )
        me = await client.get(f"{url}/getme")
        missing = await client.get(f"{url}/sendMessage", params={"chat_id": 1, "text": "x"})
    assert sent.json()["result"]["text"] == "hi"
    assert me.json()["result"]["username"] == "casebot_test_bot"
    assert missing.status_code == 400
    assert missing.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }
    assert [call.method for call in api.calls] == ["sendMessage", "getMe", "sendMessage"]


# -- sending text ------------------------------------------------------------------------------


async def test_sent_messages_are_realistic(api: StrictBotApi, bot: Bot, started: int) -> None:
    before = int(time.time())
    first = await bot.send_message(USER, "😀<b>粗</b> &lt;ok&gt;", parse_mode="HTML")
    second = await bot.send_message(
        USER, "second", reply_markup=keyboard([InlineKeyboardButton("go", callback_data="go")])
    )
    api.user_message("hi", user_id=OTHER_USER)
    elsewhere = await bot.send_message(OTHER_USER, "other chat")

    # The user's /start is message 1 of the private chat; ids count per chat.
    assert (first.message_id, second.message_id, elsewhere.message_id) == (2, 3, 2)
    assert first.text == "😀粗 <ok>"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [("bold", 2, 1)]
    assert first.from_user.id == api.bot_id and first.from_user.is_bot
    raw = api.calls[-1].result
    assert isinstance(raw["date"], int) and before <= raw["date"] <= time.time()
    assert second.reply_markup.inline_keyboard[0][0].callback_data == "go"
    assert [m["text"] for m in api.sent[USER]] == ["😀粗 <ok>", "second"]


async def test_every_supported_html_tag_becomes_its_entity(bot: Bot, started: int) -> None:
    html = (
        "<b>a</b><strong>b</strong><i>c</i><em>d</em><u>e</u><ins>f</ins><s>g</s>"
        '<strike>h</strike><del>i</del><span class="tg-spoiler">j</span><tg-spoiler>k</tg-spoiler>'
        '<a href="https://example.com/?a=1&amp;b=2">l</a>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><code>m</code>'
        '<pre><code class="language-python">n</code></pre><pre>o</pre>'
        "<blockquote>p</blockquote><blockquote expandable>q</blockquote>"
        "&quot;&#20013;&#x6587;"
    )
    message = await bot.send_message(USER, html, parse_mode="HTML")
    assert message.text == 'abcdefghijkl👍mnopq"中文'
    assert [e.type for e in message.entities] == [
        "bold",
        "bold",
        "italic",
        "italic",
        "underline",
        "underline",
        "strikethrough",
        "strikethrough",
        "strikethrough",
        "spoiler",
        "spoiler",
        "text_link",
        "custom_emoji",
        "code",
        "pre",
        "pre",
        "blockquote",
        "expandable_blockquote",
    ]
    link, emoji, _, pre_code = message.entities[11:15]
    assert link.url == "https://example.com/?a=1&b=2"
    assert (emoji.offset, emoji.length, emoji.custom_emoji_id) == (12, 2, "5368324170671202286")
    assert pre_code.language == "python"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<mark>x</mark>", 'Unsupported start tag "mark" at byte offset 0'),
        ("中文<mark>x</mark>", 'Unsupported start tag "mark" at byte offset 6'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=https://x.org>y</a>", "Unexpected end of name token at byte offset 8"),
        ('<tg-emoji emoji-id="abc">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("AT&T", "Character '&' at byte offset 2 must be escaped as &amp;"),
        ("&nbsp;", "Character '&' at byte offset 0 must be escaped as &amp;"),
        ("&lt", "Character '&' at byte offset 0 must be escaped as &amp;"),
        ('<a href="?a=1&b=2">y</a>', "Character '&' at byte offset 13 must be escaped as &amp;"),
    ],
)
async def test_html_telegram_cannot_parse_is_refused(
    api: StrictBotApi, bot: Bot, started: int, html: str, reason: str
) -> None:
    description = f"Bad Request: can't parse entities: {reason}"
    await refused(api, bot.send_message(USER, html, parse_mode="HTML"), BadRequest, description)


async def test_text_length_counts_utf16_units_after_parsing(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(USER, "😀" * 2048)
    too_long = "Bad Request: message is too long"
    await refused(api, bot.send_message(USER, "a" * 4097), BadRequest, too_long)
    await refused(api, bot.send_message(USER, "😀" * 2049), BadRequest, too_long)
    empty = "Bad Request: message text is empty"
    await refused(api, bot.send_message(USER, ""), BadRequest, empty)
    await refused(api, bot.send_message(USER, " \n "), BadRequest, empty)
    await refused(api, bot.send_message(USER, "<b> </b>", parse_mode="HTML"), BadRequest, empty)


async def test_whitespace_is_trimmed_and_entities_shift(bot: Bot, started: int) -> None:
    message = await bot.send_message(USER, "\n  <b> x</b>y  ", parse_mode="HTML")
    assert message.text == "xy"
    assert [(e.offset, e.length) for e in message.entities] == [(0, 1)]


async def test_parse_modes_other_than_html_are_refused(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    await bot.send_message(USER, "<i>x</i>", parse_mode="html")
    await refused(
        api,
        bot.send_message(USER, "*x*", parse_mode="MarkdownV2"),
        BadRequest,
        "Bad Request: parse_mode MarkdownV2 is not implemented by StrictBotApi",
    )
    await refused(
        api,
        bot.send_message(USER, "x", parse_mode="BBCode"),
        BadRequest,
        "Bad Request: unsupported parse_mode",
    )


# -- inline keyboards --------------------------------------------------------------------------


async def test_callback_data_is_limited_to_64_bytes(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    await bot.send_message(
        USER, "ok", reply_markup=keyboard([InlineKeyboardButton("a", callback_data="x" * 64)])
    )
    # 22 Chinese characters are 66 bytes in UTF-8.
    too_long = keyboard([InlineKeyboardButton("a", callback_data="数" * 22)])
    await refused(
        api,
        bot.send_message(USER, "x", reply_markup=too_long),
        BadRequest,
        "Bad Request: BUTTON_DATA_INVALID",
    )


async def test_keyboards_are_limited_to_100_buttons_and_8_a_row(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    def buttons(count: int) -> list[InlineKeyboardButton]:
        return [InlineKeyboardButton(str(i), callback_data=str(i)) for i in range(count)]

    hundred = keyboard(*[buttons(5) for _ in range(20)])
    await bot.send_message(USER, "ok", reply_markup=hundred)
    too_many = keyboard(*[buttons(8) for _ in range(13)])
    await refused(
        api,
        bot.send_message(USER, "x", reply_markup=too_many),
        BadRequest,
        "Bad Request: reply markup is too long",
    )
    too_wide = keyboard(buttons(9))
    await refused(
        api,
        bot.send_message(USER, "x", reply_markup=too_wide),
        BadRequest,
        "Bad Request: BUTTONS_TOO_MUCH",
    )


@pytest.mark.parametrize(
    ("button", "description"),
    [
        (
            {"text": "x"},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        ({"text": " ", "callback_data": "x"}, "Bad Request: BUTTON_TEXT_INVALID"),
        (
            {"callback_data": "x"},
            "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
        ),
        ({"text": "x", "callback_data": ""}, "Bad Request: BUTTON_DATA_INVALID"),
        (
            {"text": "x", "callback_data": "a", "url": "https://example.com"},
            "Bad Request: can't parse inline keyboard button: "
            "exactly one of the fields url, callback_data must be used",
        ),
        (
            {"text": "x", "url": "http://localhost:8080"},
            "Bad Request: inline keyboard button URL 'http://localhost:8080' is invalid: "
            "Wrong HTTP URL",
        ),
        (
            {"text": "x", "url": "ftp://example.com"},
            "Bad Request: inline keyboard button URL 'ftp://example.com' is invalid: "
            "Wrong HTTP URL",
        ),
    ],
)
async def test_malformed_buttons_are_refused(
    api: StrictBotApi, bot: Bot, started: int, button: dict, description: str
) -> None:
    # api_kwargs sends the button as written, past PTB's own classes.
    request = bot.send_message(
        USER, "x", api_kwargs={"reply_markup": {"inline_keyboard": [[button]]}}
    )
    await refused(api, request, BadRequest, description)


async def test_url_buttons_take_web_and_tg_links(bot: Bot, started: int) -> None:
    links = keyboard(
        [InlineKeyboardButton("web", url="https://example.com/case?id=1")],
        [InlineKeyboardButton("tg", url="tg://resolve?domain=casebot_test_bot")],
    )
    message = await bot.send_message(USER, "links", reply_markup=links)
    assert message.reply_markup == links


# -- editing and deleting ----------------------------------------------------------------------


async def test_edits_must_target_the_bots_own_existing_message(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    await refused(
        api,
        bot.edit_message_text("x", chat_id=USER, message_id=99),
        BadRequest,
        "Bad Request: message to edit not found",
    )
    # Message 1 is the user's /start.
    await refused(
        api,
        bot.edit_message_text("x", chat_id=USER, message_id=1),
        BadRequest,
        "Bad Request: message can't be edited",
    )


async def test_an_edit_that_changes_nothing_is_refused(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    markup = keyboard([InlineKeyboardButton("more", callback_data="more")])
    message = await bot.send_message(USER, "<b>x</b>", parse_mode="HTML", reply_markup=markup)
    not_modified = (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    # <strong> gives the same bold entity as <b>: the content is the same.
    same = bot.edit_message_text(
        "<strong>x</strong>", USER, message.message_id, parse_mode="HTML", reply_markup=markup
    )
    await refused(api, same, BadRequest, not_modified)
    same_markup = bot.edit_message_reply_markup(USER, message.message_id, reply_markup=markup)
    await refused(api, same_markup, BadRequest, not_modified)

    # Without reply_markup an edit removes the keyboard, as on Telegram.
    edited = await bot.edit_message_text("<b>x</b>", USER, message.message_id, parse_mode="HTML")
    assert edited.reply_markup is None and edited.edit_date is not None
    assert "reply_markup" not in api.sent[USER][-1]
    restored = await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=markup)
    assert restored.reply_markup == markup
    assert api.sent[USER][-1]["reply_markup"] == markup.to_dict()


async def test_a_document_has_no_text_to_edit(api: StrictBotApi, bot: Bot, started: int) -> None:
    document = await bot.send_document(USER, b"data", filename="a.txt")
    await refused(
        api,
        bot.edit_message_text("x", USER, document.message_id),
        BadRequest,
        "Bad Request: there is no text in the message to edit",
    )


async def test_deleting_follows_telegrams_rights(api: StrictBotApi, bot: Bot, started: int) -> None:
    message = await bot.send_message(USER, "x")
    assert await bot.delete_message(USER, message.message_id)
    assert USER not in api.sent
    await refused(
        api,
        bot.delete_message(USER, message.message_id),
        BadRequest,
        "Bad Request: message to delete not found",
    )
    # In a group a bot deletes others' messages only as an administrator.
    api.user_message("spam", user_id=OTHER_USER, chat_id=GROUP, chat_type="supergroup")
    await refused(
        api, bot.delete_message(GROUP, 1), BadRequest, "Bad Request: message can't be deleted"
    )
    api.set_member(GROUP, api.bot_id, "administrator")
    assert await bot.delete_message(GROUP, 1)


# -- callback and inline queries ---------------------------------------------------------------


async def test_callback_queries_are_answered_once(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    markup = keyboard([InlineKeyboardButton("next", callback_data="page:2")])
    sent = await bot.send_message(USER, "page 1", reply_markup=markup)
    api.callback("page:2", user_id=USER, message=api.sent[USER][-1])
    # The first update is the user's /start.
    query = (await bot.get_updates())[-1].callback_query
    assert (query.data, query.message.message_id) == ("page:2", sent.message_id)

    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    too_long = bot.answer_callback_query(query.id, text="x" * 201)
    await refused(api, too_long, BadRequest, "Bad Request: MESSAGE_TOO_LONG")
    any_url = bot.answer_callback_query(query.id, url="https://example.com")
    await refused(api, any_url, BadRequest, "Bad Request: URL_INVALID")
    assert await bot.answer_callback_query(query.id, text="x" * 200)
    await refused(api, bot.answer_callback_query(query.id), BadRequest, too_old)
    await refused(api, bot.answer_callback_query("12345"), BadRequest, too_old)
    assert api.answers == [{"callback_query_id": query.id, "text": "x" * 200}]


def test_a_callback_needs_a_button_the_message_shows(api: StrictBotApi) -> None:
    api.user_message("/start", user_id=USER)
    without_keyboard = {"chat": {"id": USER}, "message_id": 1}
    with pytest.raises(ValueError, match="no button"):
        api.callback("page:2", user_id=USER, message=without_keyboard)
    with pytest.raises(ValueError, match="not in its chat"):
        api.callback("page:2", user_id=USER, message={"chat": {"id": USER}, "message_id": 99})


def article(result_id: str, text: str = "text") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(result_id, "title", InputTextMessageContent(text, "HTML"))


async def test_inline_answers_follow_telegrams_limits(api: StrictBotApi, bot: Bot) -> None:
    api.inline_query("党建", user_id=USER)
    (update,) = await bot.get_updates()
    query_id = update.inline_query.id
    assert update.inline_query.query == "党建"

    cases = [
        ([article(str(i)) for i in range(51)], {}, "Bad Request: RESULTS_TOO_MUCH"),
        ([article("1"), article("1")], {}, "Bad Request: RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], {}, "Bad Request: RESULT_ID_INVALID"),
        ([article("1", "")], {}, "Bad Request: message text is empty"),
        (
            [article("1", "<b>x")],
            {},
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        ([article("1")], {"next_offset": "9" * 65}, "Bad Request: NEXT_OFFSET_INVALID"),
    ]
    for results, options, description in cases:
        answer = bot.answer_inline_query(query_id, results, **options)
        await refused(api, answer, BadRequest, description)
    untitled = {"type": "article", "id": "1", "input_message_content": {"message_text": "x"}}
    await refused(
        api,
        bot.answer_inline_query(query_id, [], api_kwargs={"results": [untitled]}),
        BadRequest,
        "Bad Request: can't parse inline query result: Can't find field \"title\"",
    )

    fifty = [article(str(i)) for i in range(50)]
    assert await bot.answer_inline_query(
        query_id, fifty, cache_time=0, is_personal=True, next_offset="50"
    )
    assert len(api.answers[-1]["results"]) == 50 and api.answers[-1]["next_offset"] == "50"
    await refused(
        api,
        bot.answer_inline_query(query_id, fifty),
        BadRequest,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    with pytest.raises(ValueError, match="256"):
        api.inline_query("长" * 257, user_id=USER)


# -- commands ----------------------------------------------------------------------------------


async def test_commands_are_stored_by_scope_and_language(api: StrictBotApi, bot: Bot) -> None:
    api.user_message("hi", user_id=USER, chat_id=GROUP, chat_type="supergroup")
    search = BotCommand("search", "搜索案例")
    assert await bot.set_my_commands([search])
    assert await bot.set_my_commands(
        [search, BotCommand("start", "开始")], scope=BotCommandScopeAllPrivateChats()
    )
    assert await bot.set_my_commands([search], scope=BotCommandScopeChat(GROUP), language_code="zh")
    assert api.commands == {
        "default": [{"command": "search", "description": "搜索案例"}],
        "all_private_chats": [
            {"command": "search", "description": "搜索案例"},
            {"command": "start", "description": "开始"},
        ],
        f"chat:{GROUP}@zh": [{"command": "search", "description": "搜索案例"}],
    }
    private = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in private] == ["search", "start"]
    assert await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert api.scope_key({"type": "chat", "chat_id": GROUP}, "zh") in api.commands


@pytest.mark.parametrize(
    ("commands", "options", "description"),
    [
        ([BotCommand("Search", "x")], {}, "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("/search", "x")], {}, "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("a" * 33, "x")], {}, "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("search", "")], {}, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        ([BotCommand("search", "x" * 257)], {}, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        (
            [BotCommand(f"c{i}", "x") for i in range(101)],
            {},
            "Bad Request: BOT_COMMANDS_TOO_MUCH",
        ),
        (
            [BotCommand("search", "x")],
            {"scope": BotCommandScopeChat(GROUP)},
            "Bad Request: chat not found",
        ),
        (
            [BotCommand("search", "x")],
            {"language_code": "zh-hans"},
            "Bad Request: LANG_CODE_INVALID",
        ),
    ],
)
async def test_invalid_commands_are_refused(
    api: StrictBotApi, bot: Bot, commands: list[BotCommand], options: dict, description: str
) -> None:
    await refused(api, bot.set_my_commands(commands, **options), BadRequest, description)
    assert api.commands == {}


# -- files -------------------------------------------------------------------------------------


async def test_uploaded_documents_can_be_fetched_and_resent(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    sent = await bot.send_document(
        USER, "报告".encode() * 10, filename="报告.txt", caption="<b>周报</b>", parse_mode="HTML"
    )
    assert (sent.document.file_name, sent.document.file_size) == ("报告.txt", 60)
    assert sent.caption == "周报" and sent.caption_entities[0].type == "bold"
    upload = api.calls[-1].params["document"]
    assert (upload.file_name, len(upload.content)) == ("报告.txt", 60)

    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == "报告".encode() * 10
    again = await bot.send_document(USER, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    await api.wait_for("downloadFile")


async def test_user_files_are_fetched_up_to_20_mb(api: StrictBotApi, bot: Bot) -> None:
    small = api.add_file(b"%PDF-1.4", "case.pdf")
    assert small["mime_type"] == "application/pdf"
    api.user_message("", user_id=USER, document=small, caption="请入库")
    (update,) = await bot.get_updates()
    assert update.message.document.file_name == "case.pdf"
    file = await update.message.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4"

    big = api.add_file(b"\0" * (20 * MB + 1), "big.pdf")
    await refused(api, bot.get_file(big["file_id"]), BadRequest, "Bad Request: file is too big")
    await refused(api, bot.get_file("nope"), BadRequest, "Bad Request: invalid file_id")


async def test_photos_must_be_real_images_within_limits(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    sent = await bot.send_photo(USER, png(40, 30), caption="图")
    (size,) = sent.photo
    assert (size.width, size.height) == (40, 30)
    await refused(
        api, bot.send_photo(USER, b"not an image"), BadRequest, "Bad Request: IMAGE_PROCESS_FAILED"
    )
    await refused(
        api,
        bot.send_photo(USER, png(21, 1)),
        BadRequest,
        "Bad Request: PHOTO_INVALID_DIMENSIONS",
    )
    await refused(
        api,
        bot.send_photo(USER, png(1, 1) + b"\0" * (10 * MB)),
        BadRequest,
        "Bad Request: PHOTO_SAVE_FILE_INVALID",
    )
    await refused(
        api,
        bot.send_document(USER, size.file_id),
        BadRequest,
        "Bad Request: can't use file of type Photo as Document",
    )


async def test_document_limits(api: StrictBotApi, bot: Bot, started: int) -> None:
    await refused(
        api,
        bot.send_document(USER, "unknown-file-id"),
        BadRequest,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )
    await refused(
        api,
        bot.send_document(USER, b"", filename="empty.txt"),
        BadRequest,
        "Bad Request: file must be non-empty",
    )
    await refused(
        api,
        bot.send_document(USER, b"x", caption="长" * 1025),
        BadRequest,
        "Bad Request: message caption is too long",
    )
    too_big = bot.send_document(USER, b"\0" * (50 * MB + 1), filename="big.zip")
    await refused(api, too_big, NetworkError, "Request Entity Too Large")


# -- chats -------------------------------------------------------------------------------------


async def test_sends_need_a_chat_the_bot_may_write_to(api: StrictBotApi, bot: Bot) -> None:
    await refused(api, bot.send_message(123, "x"), BadRequest, "Bad Request: chat not found")
    # Seen in a group, USER never opened a private chat with the bot.
    api.user_message("hi", user_id=USER, chat_id=GROUP, chat_type="supergroup")
    await refused(
        api,
        bot.send_message(USER, "x"),
        Forbidden,
        "Forbidden: bot can't initiate conversation with a user",
    )
    await bot.send_message(GROUP, "group reply")

    api.my_chat_member(
        chat_id=GROUP, chat_type="supergroup", title="群", user_id=USER, new_status="kicked"
    )
    await refused(
        api,
        bot.send_message(GROUP, "x"),
        Forbidden,
        "Forbidden: bot was kicked from the supergroup chat",
    )


async def test_blocked_users_refuse_everything_sent(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    blocked = "Forbidden: bot was blocked by the user"
    api.my_chat_member(
        chat_id=USER, chat_type="private", title="", user_id=USER, new_status="kicked"
    )
    await refused(api, bot.send_message(USER, "x"), Forbidden, blocked)
    api.my_chat_member(
        chat_id=USER, chat_type="private", title="", user_id=USER, new_status="member"
    )
    await bot.send_message(USER, "welcome back")
    api.block(USER)
    await refused(api, bot.send_chat_action(USER, "typing"), Forbidden, blocked)


async def test_leaving_a_group_ends_sending_there(api: StrictBotApi, bot: Bot) -> None:
    api.my_chat_member(
        chat_id=GROUP, chat_type="group", title="支部", user_id=USER, new_status="member"
    )
    assert await bot.leave_chat(GROUP)
    await refused(
        api,
        bot.send_message(GROUP, "x"),
        Forbidden,
        "Forbidden: bot is not a member of the group chat",
    )
    added, left = await bot.get_updates()
    assert (
        added.my_chat_member.new_chat_member.status,
        left.my_chat_member.new_chat_member.status,
    ) == ("member", "left")


async def test_channels_take_posts_from_admin_bots(api: StrictBotApi, bot: Bot) -> None:
    api.add_chat({"id": CHANNEL, "type": "channel", "title": "案例", "username": "cases"})
    post = await bot.send_message("@cases", "今日案例")
    assert post.sender_chat.id == CHANNEL and post.from_user is None
    api.my_chat_member(
        chat_id=CHANNEL, chat_type="channel", title="案例", user_id=USER, new_status="member"
    )
    await refused(
        api,
        bot.send_message(CHANNEL, "x"),
        BadRequest,
        "Bad Request: need administrator rights in the channel chat",
    )
    # Leaving needs membership only.
    assert await bot.leave_chat(CHANNEL)


async def test_chat_and_member_lookups(api: StrictBotApi, bot: Bot, started: int) -> None:
    api.user_message("hi", user_id=OTHER_USER, chat_id=GROUP, chat_type="supergroup")
    api.set_member(GROUP, USER, "creator")
    chat = await bot.get_chat(GROUP)
    assert (chat.id, chat.type) == (GROUP, "supergroup")
    assert (await bot.get_chat_member(GROUP, OTHER_USER)).status == "member"
    assert (await bot.get_chat_member(GROUP, USER)).status == "creator"
    admins = await bot.get_chat_administrators(GROUP)
    assert [admin.user.id for admin in admins] == [USER]
    await refused(
        api,
        bot.get_chat_administrators(USER),
        BadRequest,
        "Bad Request: there are no administrators in the private chat",
    )
    await refused(api, bot.get_chat_member(GROUP, 99), BadRequest, "Bad Request: user not found")


async def test_replies_need_the_replied_message(api: StrictBotApi, bot: Bot, started: int) -> None:
    reply = await bot.send_message(USER, "answer", reply_parameters=ReplyParameters(1))
    assert reply.reply_to_message.text == "/start"
    await refused(
        api,
        bot.send_message(USER, "x", reply_parameters=ReplyParameters(99)),
        BadRequest,
        "Bad Request: message to be replied not found",
    )
    lenient = ReplyParameters(99, allow_sending_without_reply=True)
    assert (await bot.send_message(USER, "x", reply_parameters=lenient)).reply_to_message is None


# -- injected faults ---------------------------------------------------------------------------


# PTB itself warns when it builds a RetryAfter.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_faults_come_first(api: StrictBotApi, bot: Bot, started: int) -> None:
    api.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        parameters={"retry_after": 1},
    )
    flood = "Too Many Requests: retry after 1"
    await refused(api, bot.send_message(USER, "x"), RetryAfter, flood)

    api.fail_next(
        "sendMessage",
        error_code=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": -100123},
    )
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(USER, "x")
    assert migrated.value.new_chat_id == -100123

    api.fail_next(
        "sendmessage", error_code=403, description="Forbidden: bot was blocked by the user", times=2
    )
    for _ in range(2):
        await refused(
            api, bot.send_message(USER, "x"), Forbidden, "Forbidden: bot was blocked by the user"
        )
    await bot.send_message(USER, "x")
    assert [call.ok for call in api.calls if call.method == "sendMessage"] == [
        False,
        False,
        False,
        False,
        True,
    ]


# -- updates -----------------------------------------------------------------------------------


async def test_long_polling_returns_an_update_pushed_while_waiting(
    api: StrictBotApi, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_polling()
    pushed_at = time.monotonic()
    update_id = api.user_message("你好", user_id=USER)
    (update,) = await poll
    assert time.monotonic() - pushed_at < 1
    assert (update.update_id, update.message.text) == (update_id, "你好")

    # Until confirmed by a higher offset, an update is delivered again.
    assert [u.update_id for u in await bot.get_updates()] == [update_id]
    assert await bot.get_updates(offset=update_id + 1) == ()


async def test_get_updates_respects_limit_and_allowed_updates(api: StrictBotApi, bot: Bot) -> None:
    ids = [api.user_message(str(i), user_id=USER) for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    user = {"id": OTHER_USER, "is_bot": False, "first_name": "U"}
    joined = {
        "chat": {"id": GROUP, "type": "supergroup", "title": "群"},
        "from": user,
        "date": int(time.time()),
        "old_chat_member": {"status": "left", "user": user},
        "new_chat_member": {"status": "member", "user": user},
    }
    # Telegram creates chat_member updates only for bots that ask for them.
    api.push_update({"chat_member": joined})
    assert [u.update_id for u in await bot.get_updates(offset=ids[2])] == ids[2:]
    await bot.get_updates(offset=ids[2] + 1, allowed_updates=[Update.CHAT_MEMBER])
    wanted = api.push_update({"chat_member": joined})
    api.user_message("not wanted now", user_id=USER)
    assert [u.update_id for u in await bot.get_updates()] == [wanted]


async def test_a_second_poller_or_a_webhook_conflicts(api: StrictBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_polling()
    async with Bot(api.token, base_url=api.base_url) as second_instance:
        second = asyncio.create_task(second_instance.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        api.user_message("x", user_id=USER)
        assert len(await second) == 1

    await refused(
        api,
        bot.set_webhook("http://example.com/hook"),
        BadRequest,
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    )
    assert await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    await refused(
        api,
        bot.get_updates(),
        Conflict,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


# -- waiting for the bot -----------------------------------------------------------------------


async def test_wait_for_returns_matching_calls_or_times_out_with_a_dump(
    api: StrictBotApi, bot: Bot, started: int
) -> None:
    waiting = asyncio.create_task(api.wait_for("sendMessage", lambda c: c.result["text"] == "two"))
    await bot.send_message(USER, "one")
    await bot.send_message(USER, "two")
    (call,) = await waiting
    assert call.params["chat_id"] == USER

    assert len(await api.wait_for("sendMessage", count=2)) == 2
    with pytest.raises(TimeoutError, match=r"sendPhoto(.|\n)*sendMessage ok"):
        await api.wait_for("sendPhoto", timeout=0.05)
    with pytest.raises(ValueError, match="does not implement"):
        await api.wait_for("sendTelepathy")


async def test_a_ptb_application_polls_and_answers(api: StrictBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_html(f"<b>欢迎</b> {update.effective_user.id}")

    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        await application.updater.start_polling(timeout=5)
        api.user_message("/start", user_id=USER)
        (reply,) = await api.wait_for("sendMessage")
        stopping = time.monotonic()
        await application.updater.stop()
        await application.stop()
    assert time.monotonic() - stopping < 2
    assert reply.result["text"] == f"欢迎 {USER}"
    assert reply.result["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
