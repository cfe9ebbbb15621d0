"""Drive the independent npm Bot API emulator `telegram-test-api` from pytest.

The real PTB Application talks to the emulator as it would to api.telegram.org
(`ApplicationBuilder().base_url(emulator.base_url())`), while an `EmulatedUser` plays a Telegram
user through the emulator's client API. The emulator is installed with npm on first use into
`.peers/` at the repository root and served by `emulator_server.js`, which also patches the few
answers of the emulator that PTB cannot parse.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

PACKAGE = "telegram-test-api"
VERSION = "4.2.1"
PREFIX = Path(__file__).resolve().parents[2] / ".peers" / PACKAGE
SERVER_SCRIPT = Path(__file__).with_name("emulator_server.js")

# A bot message as stored by the emulator: the parameters of the bot's sendMessage call as last
# edited (text, reply_markup, parse_mode, ...) plus its `message_id` and `date`.
BotMessage = dict[str, Any]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        # An error rather than a skip: a missing tool must not quietly drop these tests in CI.
        raise RuntimeError(
            f"`{name}` is not on PATH: the emulator peer tests need Node.js (18 or newer) and npm "
            f"to install and run {PACKAGE}@{VERSION}"
        )
    return path


def ensure_installed() -> Path:
    """Install the emulator into `PREFIX` unless it is there already; return `PREFIX`.

    Safe for parallel test processes: they take turns on a lock file, and the version stamp is
    written only after npm succeeded, so an interrupted install is redone.
    """
    npm = _tool("npm")
    PREFIX.mkdir(parents=True, exist_ok=True)
    stamp = PREFIX / "installed-version"
    with (PREFIX / "install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if stamp.exists() and stamp.read_text() == VERSION:
            return PREFIX
        spec = f"{PACKAGE}@{VERSION}"
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(PREFIX), spec],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"`npm install {spec}` failed:\n{done.stdout}{done.stderr}")
        stamp.write_text(VERSION)
    return PREFIX


class Emulator:
    """The emulator in a node process, for the span of an `async with` block."""

    def __init__(self) -> None:
        self.api_url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        prefix = await asyncio.to_thread(ensure_installed)
        # stdin stays open for the process's lifetime: node leaves when it closes, so an
        # emulator never outlives a test process that died without calling __aexit__.
        self._process = await asyncio.create_subprocess_exec(
            _tool("node"),
            str(SERVER_SCRIPT),
            str(prefix),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        try:
            async with asyncio.timeout(30):
                ready = await self._process.stdout.readline()
            if not ready:
                raise RuntimeError("the emulator exited before listening; its stderr says why")
            self.api_url = json.loads(ready)["api_url"]
        except BaseException:
            await self._stop()
            raise
        self._http = httpx.AsyncClient(base_url=self.api_url)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.aclose()
        await self._stop()

    async def _stop(self) -> None:
        if self._process is None or self._process.returncode is not None:
            return
        self._process.terminate()
        try:
            async with asyncio.timeout(5):
                await self._process.wait()
        except TimeoutError:
            self._process.kill()
            await self._process.wait()

    def base_url(self) -> str:
        """What to pass to PTB's `ApplicationBuilder().base_url(...)`."""
        return f"{self.api_url}/bot"

    def client(
        self,
        token: str,
        *,
        user_id: int,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "测试",
        username: str = "tester",
        chat_title: str | None = None,
    ) -> EmulatedUser:
        """A user who writes to the bot with `token`, in a private chat unless told otherwise.

        `chat_id` defaults to `user_id`, as for private chats in Telegram.
        """
        assert self._http is not None, "use the Emulator inside `async with`"
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "username": username}
        chat: dict[str, Any] = {"id": user_id if chat_id is None else chat_id, "type": chat_type}
        if chat_type == "private":
            chat |= {"first_name": first_name, "username": username}
        else:
            chat["title"] = chat_title or f"{first_name}的群"
        return EmulatedUser(self._http, token, user=user, chat=chat)


class EmulatedUser:
    """One user in one chat, talking to one bot through the emulator's client API."""

    def __init__(
        self, http: httpx.AsyncClient, token: str, *, user: dict[str, Any], chat: dict[str, Any]
    ) -> None:
        self._http = http
        self._token = token
        self.user = user
        self.chat = chat

    async def _call(self, route: str, body: dict[str, Any], **options: Any) -> Any:
        response = await self._http.post(route, json=body, **options)
        response.raise_for_status()
        return response.json()["result"]

    def _message(self, text: str, **fields: Any) -> dict[str, Any]:
        # The emulator files the update under the bot named by `botToken` and hands the whole body
        # to the bot as the update's Message (PTB keeps the stray `botToken` in api_kwargs), so
        # the other fields follow the Bot API's Message.
        return {
            "botToken": self._token,
            "date": int(time.time()),
            "from": self.user,
            "chat": self.chat,
            "text": text,
            **fields,
        }

    async def say(self, text: str) -> None:
        """Send a plain text message."""
        await self._call("/sendMessage", self._message(text))

    async def command(self, text: str) -> None:
        """Send a command such as "/search 党建" or "/search@botname 党建"."""
        if not text.startswith("/"):
            raise ValueError(f"a command starts with '/': {text!r}")
        # Bot API entity offsets and lengths count UTF-16 code units.
        length = len(text.split(maxsplit=1)[0].encode("utf-16-le")) // 2
        entity = {"type": "bot_command", "offset": 0, "length": length}
        await self._call("/sendCommand", self._message(text, entities=[entity]))

    async def press(self, message: BotMessage, callback_data: str) -> None:
        """Press the inline button with `callback_data` under `message` (from bot_messages())."""
        keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
        if callback_data not in [button.get("callback_data") for row in keyboard for button in row]:
            raise ValueError(f"no inline button with callback_data {callback_data!r}: {keyboard}")
        pressed = {
            "message_id": message["message_id"],
            "date": message["date"],
            "chat": self.chat,
            "text": message["text"],
            "reply_markup": message["reply_markup"],
        }
        await self._call(
            "/sendCallback",
            {"botToken": self._token, "from": self.user, "message": pressed, "data": callback_data},
        )

    async def bot_messages(self) -> list[BotMessage]:
        """What the bot has sent to this chat, as currently edited, oldest first."""
        history = await self._call("/getUpdatesHistory", {"token": self._token})
        # The history mixes the bot's messages, stored as its sendMessage parameters (`chat_id`),
        # with the users' updates, stored as Bot API objects (`chat`, or a `callbackQuery`).
        return [
            {**entry["message"], "message_id": entry["messageId"], "date": entry["time"] // 1000}
            for entry in sorted(history, key=lambda entry: entry["messageId"])
            if str(entry.get("message", {}).get("chat_id")) == str(self.chat["id"])
        ]

    async def wait_for(
        self, predicate: Callable[[list[BotMessage]], bool], *, timeout: float = 10.0
    ) -> list[BotMessage]:
        """Wait until `predicate(bot_messages())` holds and return those messages.

        Re-checks each time the bot sends or edits a message anywhere, as told by the server's
        /testWait route; raises TimeoutError after `timeout` seconds.
        """
        messages: list[BotMessage] = []
        try:
            async with asyncio.timeout(timeout):
                # Read the change count before the messages, so no change slips in between.
                seen = (await self._call("/testWait", {"after": -1}))["version"]
                while not predicate(messages := await self.bot_messages()):
                    changed = await self._call("/testWait", {"after": seen}, timeout=None)
                    seen = changed["version"]
        except TimeoutError:
            raise TimeoutError(
                f"bot messages in chat {self.chat['id']} still fail the check after {timeout} s: "
                f"{messages}"
            ) from None
        return messages

    async def wait_bot(self, *, count: int, timeout: float = 10.0) -> list[BotMessage]:
        """Wait until the bot has sent at least `count` messages to this chat; return them all."""
        return await self.wait_for(lambda messages: len(messages) >= count, timeout=timeout)
