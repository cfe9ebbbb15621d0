"""The real PTB Application against telegram-test-api, a Bot API peer we did not write.

The handlers here are scaffolding that proves the harness (tests/peers/emulator.py) carries a
command, a reply with an inline keyboard, a button press and an edit both ways.
"""

from __future__ import annotations

import logging

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.peers.emulator import Emulator

TOKEN = "123:ABC"


async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    again = InlineKeyboardButton("again", callback_data="again")
    await update.message.reply_text("pong", reply_markup=InlineKeyboardMarkup([[again]]))


async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    edited = await query.edit_message_text("pong 2")
    assert not isinstance(edited, bool) and edited.text == "pong 2"


async def test_ptb_application_round_trip(caplog: pytest.LogCaptureFixture) -> None:
    async with Emulator() as emulator:
        app = ApplicationBuilder().token(TOKEN).base_url(emulator.base_url()).build()
        app.add_handler(CommandHandler("ping", ping))
        app.add_handler(CallbackQueryHandler(again, pattern="^again$"))
        user = emulator.client(TOKEN, user_id=1001)
        stranger = emulator.client(TOKEN, user_id=1002)

        async with app:  # initialize() ... shutdown(), which runs getMe against the emulator
            assert app.bot.username == "TestNameBot"
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.05)
            try:
                await user.command("/ping")
                [reply] = await user.wait_bot(count=1)
                assert reply["text"] == "pong"

                await user.press(reply, "again")
                [edited] = await user.wait_for(lambda messages: messages[0]["text"] == "pong 2")
                assert edited["message_id"] == reply["message_id"]
                assert await stranger.bot_messages() == []
            finally:
                await app.updater.stop()
                await app.stop()

    # PTB only logs what fails in handlers or while parsing updates, so look at the log.
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []
