"""The console chat: the real Application and handlers with the Bot API replaced by this
process. What the bot sends is printed; what the user types becomes updates.

    文字        a private message (a search)
    /命令        a command, e.g. /search 党建联合体
    数字         press that button of the last message with buttons (or pick that inline
                 result)
    @bot 关键词  an inline query, as typed in any chat
    :file 路径   send a file, as an admin uploading it
    :quit       leave (or end of input)
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.sample import demo_dates, sample_pages, seed_sample
from bot.store import Store
from handlers.app import build_application

USER_ID = 10_000  # the person at the console: an admin of their own machine
BOT = {"id": 1, "is_bot": True, "first_name": "案例库助手", "username": "casebot"}
USER = {"id": USER_ID, "is_bot": False, "first_name": "您"}
CHAT = {"id": USER_ID, "type": "private", "first_name": "您"}
PROMPT = "您> "
_TAG = re.compile(r"<[^>]+>")


def terminal_text(markup: str, color: bool) -> str:
    """Telegram HTML as a terminal shows it: bold stays bold on a colour terminal."""
    if color:
        markup = markup.replace("<b>", "\033[1m").replace("</b>", "\033[0m")
    return html.unescape(_TAG.sub("", markup))


class ConsoleBotApi(BaseRequest):
    """The Bot API methods the handlers call, answered in-process."""

    def __init__(self, out: TextIO, color: bool, files: Path, timezone: str = "UTC") -> None:
        self.out = out
        self.color = color
        self.files = files  # where the pictures and files the bot sends are saved
        self.timezone = ZoneInfo(timezone)  # a picture's name has the day in it
        self.uploads: dict[str, Any] = {}  # the files of the request being answered
        self.messages: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.choices: list[tuple[str, Any]] = []  # ("button", (message, data)) | ("inline", text)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a download: .../file/bot<token>/<local path without "/">
            # PTB percent-encodes the file path into the URL (Chinese file names).
            local = unquote(url.split("/file/bot", 1)[1].split("/", 1)[1])
            return 200, Path("/" + local).read_bytes()
        api_method = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        self.uploads = request_data.multipart_data if request_data else {}
        result = getattr(self, f"_{api_method}", self._other)(params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- what the bot does ----------------------------------------------------------

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**BOT, "can_join_groups": True, "supports_inline_queries": True}

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.new_message(params["text"], params.get("reply_markup"), BOT)
        self.show(message)
        return message

    def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.messages[int(params["message_id"])]
        message.update(text=params["text"], reply_markup=params.get("reply_markup"))
        self.write("（消息已更新）")
        self.show(message)
        return message

    def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if params.get("text"):
            self.write(f"【提示】{params['text']}")
        return True

    def _answerInlineQuery(self, params: dict[str, Any]) -> bool:
        results = params.get("results", [])
        self.choices = [("inline", r["input_message_content"]["message_text"]) for r in results]
        if not results:
            self.write("（没有结果）")
        for n, r in enumerate(results, start=1):
            self.write(f"  [{n}] {r['title']}\n      {r.get('description', '')}")
        if params.get("next_offset"):
            self.write("  （还有更多结果）")
        return True

    def _sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        saved = self.save_upload()
        message = self.new_message(f"已保存：{saved}\n{params.get('caption', '')}", None, BOT)
        self.show(message)
        return message

    def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        # A terminal shows no image: the picture is saved for an image viewer, the caption
        # and buttons are printed.
        saved = self.save_upload("stats")
        caption = params.get("caption", "")
        message = self.new_message(f"已保存：{saved}\n{caption}", params.get("reply_markup"), BOT)
        self.show(message)
        return message

    def save_upload(self, picture: str | None = None) -> Path:
        """The file of the current request, saved under its own name, or for a picture
        (sent as bytes, without a real name) as `picture`-date.png; numbered rather than
        overwriting an earlier one."""
        (name, content, *_) = next(iter(self.uploads.values()))
        day = datetime.now(self.timezone).date().isoformat()
        wanted = Path(f"{picture}-{day}.png" if picture else Path(name).name)
        self.files.mkdir(parents=True, exist_ok=True)
        path, n = self.files / wanted, 1
        while path.exists():
            n += 1
            path = self.files / f"{wanted.stem}-{n}{wanted.suffix}"
        path.write_bytes(content)
        return path

    def _getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        path = Path(params["file_id"])
        return {
            "file_id": str(path),
            "file_unique_id": str(path),
            "file_size": path.stat().st_size,
            "file_path": str(path.resolve()).lstrip("/"),
        }

    def _other(self, params: dict[str, Any]) -> bool:
        return True  # setMyCommands, sendChatAction, deleteWebhook, ...

    # --- showing and remembering ------------------------------------------------------

    def new_message(self, text: str, markup: Any, sender: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": self.next_id,
            "date": int(time.time()),
            "chat": CHAT,
            "from": sender,
            "text": text,
        }
        if markup:
            message["reply_markup"] = markup
        self.messages[self.next_id] = message
        self.next_id += 1
        return message

    def show(self, message: dict[str, Any]) -> None:
        self.write("机器人> " + terminal_text(message["text"], self.color))
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        if rows:
            self.choices = []
            for row in rows:
                labels = []
                for button in row:
                    self.choices.append(("button", (message, button)))
                    labels.append(f"[{len(self.choices)}] {button['text']}")
                self.write("  " + "  ".join(labels))
        self.write("")

    def write(self, text: str) -> None:
        print(text, file=self.out, flush=True)


class Console:
    """Turns typed lines into updates for the Application."""

    def __init__(self, api: ConsoleBotApi) -> None:
        self.api = api
        self.update_id = 0

    def update_for(self, line: str) -> dict[str, Any] | None:
        self.update_id += 1
        if line.isdigit():
            return self._choice(int(line))
        if line.startswith("@"):
            query = line.split(maxsplit=1)[1] if " " in line else ""
            inline = {"id": str(self.update_id), "from": USER, "query": query, "offset": ""}
            return {"update_id": self.update_id, "inline_query": inline}
        if line.startswith(":file "):
            path = Path(line[6:].strip()).expanduser()
            if not path.is_file():
                self.api.write(f"找不到文件：{path}")
                return None
            document = {
                "file_id": str(path.resolve()),
                "file_unique_id": str(path.resolve()),
                "file_name": path.name,
                "file_size": path.stat().st_size,
            }
            message = self.api.new_message("", None, USER)
            del message["text"]
            return {"update_id": self.update_id, "message": {**message, "document": document}}
        message = self.api.new_message(line, None, USER)
        if line.startswith("/"):
            command = line.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": self.update_id, "message": message}

    def _choice(self, n: int) -> dict[str, Any] | None:
        if not 1 <= n <= len(self.api.choices):
            self.api.write(f"没有编号为 {n} 的按钮。要搜索数字，请用 /search {n}")
            return None
        kind, value = self.api.choices[n - 1]
        if kind == "inline":  # the citation the user picked lands in the chat
            self.api.write("（已插入）" + terminal_text(value, self.api.color) + "\n")
            return None
        message, button = value
        if "callback_data" not in button:
            self.api.write("（此按钮在控制台中不可用）")
            return None
        query = {
            "id": str(self.update_id),
            "from": USER,
            "chat_instance": "console",
            "message": message,
            "data": button["callback_data"],
        }
        return {"update_id": self.update_id, "callback_query": query}


async def run_console(
    settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> None:
    settings = replace(settings, admin_ids=(*settings.admin_ids, USER_ID))
    await _bundled_corpus(settings, out)
    api = ConsoleBotApi(
        out, color=out.isatty(), files=console_files(settings), timezone=settings.timezone
    )
    # Replies print before the next prompt: nothing runs in the background here.
    app = build_application(settings, request=api, background=False)
    console = Console(api)
    await app.initialize()
    assert app.post_init
    await app.post_init(app)
    try:
        api.write("党建典型案例库 · 控制台聊天（与 Telegram 中的机器人相同）。")
        api.write("直接输入关键词搜索；/help 查看语法；输入按钮编号按下按钮；:quit 退出。\n")
        loop = asyncio.get_running_loop()
        while True:
            out.write(PROMPT)
            out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not stdin.isatty():  # a transcript shows what was typed
                out.write(line if line.endswith("\n") else line + "\n")
            if not line or line.strip() in {":quit", ":q"}:
                break
            if not line.strip():
                continue
            update = console.update_for(line.strip())
            if update is not None:
                await app.process_update(Update.de_json(update, app.bot))
    finally:
        assert app.post_shutdown
        await app.post_shutdown(app)
        await app.shutdown()
    api.write("\n再见。")


def console_files(settings: Settings) -> Path:
    """Where the console saves what the bot sends: beside the database, which the person at
    the console owns."""
    return settings.db_path.expanduser().resolve().parent / "console-files"


async def _bundled_corpus(settings: Settings, out: TextIO) -> None:
    """A fresh machine has an empty library: import the bundled demo pages first, each
    under the day it was published."""
    store = await Store.open(settings.database)
    try:
        if await store.count_articles():
            return
        if settings.server_mode:  # a server's library holds real articles only
            print("服务器模式：不导入示例语料，资料库为空。", file=out)
            return
        sample = settings.data_dir / "sample"
        report = await seed_sample(
            store,
            sample,
            max_bytes=int(settings.max_file_mb * 1024 * 1024),
            near_ratio=settings.near_duplicate_ratio,
            timezone=settings.timezone,
        )
        print(f"已导入示例语料：{report.added} 篇文章（{settings.db_path}）。", file=out)
        print(
            f"示例报道的发表日期：{demo_dates(sample_pages(sample))}。"
            "试试 /digest 2024-07-01、/stats 时间:2021-06。",
            file=out,
        )
    finally:
        await store.close()
