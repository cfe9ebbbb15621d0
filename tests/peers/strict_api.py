"""A strict, in-process fake of the Telegram Bot API for end-to-end tests.

The real python-telegram-bot `Application`/`Bot` talks to `StrictBotApi` over HTTP (give it
`base_url` and `base_file_url`). The peer answers like api.telegram.org and refuses what
Telegram refuses (text and caption lengths after HTML parsing, HTML markup, inline keyboards,
callback and inline query answers, bot commands, file sizes, unknown chats, blocked users...)
with Telegram's status codes and descriptions, so a test cannot pass with a request Telegram
would reject.

Stricter than Telegram, on purpose, because each hides a bug Telegram would not report:
- a "&" that does not start &lt; &gt; &amp; &quot; or a numeric reference, each closed by ";",
  is a parse error (Telegram keeps such a "&" or decodes "&lt" without ";": a missing escape);
- an inline keyboard row of more than 8 buttons is refused (clients do not show the rest);
- a button with more than one action field is refused (Telegram silently picks one);
- parse modes other than HTML are refused (casebot sends HTML only);
- only PNG, JPEG and GIF photos are understood.
Descriptions whose exact Telegram wording is not known are marked "wording assumed".
Not modelled: flood limits, webhook delivery (tests POST `take_updates()` themselves),
automatic url/mention entities, media groups.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import mimetypes
import re
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Self
from urllib.parse import urlsplit

from aiohttp import web

JsonDict = dict[str, Any]

MB = 1024 * 1024
MAX_TEXT = 4096  # UTF-16 code units after entity parsing
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_CALLBACK_ANSWER = 200
MAX_INLINE_QUERY = 256
MAX_INLINE_RESULTS = 50
MAX_INLINE_ID_BYTES = 64
MAX_COMMANDS = 100
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
MAX_DOCUMENT = 50 * MB
MAX_PHOTO = 10 * MB
MAX_DOWNLOAD = 20 * MB
# Above the document limit, so that an oversized upload is read and refused the way Telegram
# refuses it instead of aiohttp cutting the connection.
MAX_BODY = 64 * MB

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
ADMIN_STATUSES = frozenset({"creator", "administrator"})
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "left", "kicked"})
# Without allowed_updates, Telegram sends every update type but these.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
# Form fields that are plain strings. PTB JSON-encodes every other field (numbers, booleans,
# objects), so a text such as "123" must not be decoded into a number.
TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "next_offset",
        "url",
        "description",
        "short_description",
        "language_code",
        "file_id",
        "document",
        "photo",
        "action",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
    }
)
COMMAND_PATTERN = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2}")
START_PARAMETER_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# How a user's message starts a bot command entity: "/name" or "/name@bot".
BOT_COMMAND_PATTERN = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass
class Call:
    """One request the bot made, as the peer understood it, recorded when answered (a long
    poll when it returns). File downloads are recorded as method "downloadFile"."""

    method: str
    params: JsonDict
    ok: bool
    error: str | None
    result: Any = None


@dataclass
class Upload:
    """A file the bot uploaded in a multipart request; it replaces the field in `Call.params`."""

    file_name: str
    mime_type: str
    content: bytes = field(repr=False)


@dataclass
class StoredFile:
    """A file Telegram holds: uploaded by the bot, or sent by a user (`add_file`)."""

    file_id: str
    file_unique_id: str
    kind: str  # "document" or "photo": Telegram refuses to send one as the other
    file_path: str  # served at base_file_url + token + "/" + file_path
    content: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    def as_document(self) -> JsonDict:
        return _without_empty(
            file_id=self.file_id,
            file_unique_id=self.file_unique_id,
            file_name=self.file_name,
            mime_type=self.mime_type,
            file_size=len(self.content),
        )

    def as_photo(self) -> list[JsonDict]:
        size = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "width": self.width,
            "height": self.height,
        }
        return [size]


class ApiError(Exception):
    """A refusal, answered as {"ok": false, "error_code", "description", "parameters"}."""

    def __init__(self, code: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class Dropped:
    """A fault: the connection closes before any answer (the client sees a network error)."""


@dataclass(frozen=True)
class AnsweredLate:
    """A fault: the call is carried out, but answered only after `seconds`, when the client
    has given up waiting (it cannot know whether its message went out)."""

    seconds: float


Fault = ApiError | Dropped | AnsweredLate


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


@dataclass
class _Chat:
    """What Telegram knows about one chat."""

    info: JsonDict  # the Chat object updates carry
    members: dict[int, str] = field(default_factory=dict)  # user id (the bot's too) -> status
    messages: dict[int, JsonDict] = field(default_factory=dict)  # current state by message_id
    bot_message_ids: set[int] = field(default_factory=set)
    last_message_id: int = 0

    @property
    def id(self) -> int:
        return self.info["id"]

    @property
    def type(self) -> str:
        return self.info["type"]

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def store(self, message: JsonDict) -> None:
        """Keeps a message's current state; an edit replaces the dict, never mutates it, so
        results already handed out stay as they were."""
        self.messages[message["message_id"]] = message
        self.last_message_id = max(self.last_message_id, message["message_id"])


Handler = Callable[[JsonDict], Any]


class StrictBotApi:
    """The fake Bot API server. Use `async with StrictBotApi() as api:` or start()/stop()."""

    def __init__(
        self, token: str = "123:TEST", bot_username: str = "casebot_test_bot", bot_id: int = 4242
    ) -> None:
        self.token = token
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Casebot",
            "username": bot_username,
        }
        self.base_url = ""  # known once started
        self.base_file_url = ""
        self.calls: list[Call] = []
        self.commands: dict[str, list[JsonDict]] = {}
        self.answers: list[JsonDict] = []
        self.files: dict[str, StoredFile] = {}
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JsonDict] = {}
        self._blocked: set[int] = set()
        self._updates: list[JsonDict] = []
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self._webhook_url = ""
        self._open_callback_queries: set[str] = set()
        self._open_inline_queries: set[str] = set()
        self._faults: dict[str, list[tuple[int | None, Fault]]] = {}
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(4_000_000_000_000_000)
        self._file_numbers = itertools.count(1)
        self._poll_generation = 0
        self._polls_waiting = 0
        self._closing = False
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "leaveChat": self._leave_chat,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "setMyDescription": self._set_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "close": self._accept,
            "logOut": self._accept,
        }
        # Telegram matches method names case-insensitively.
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._serve_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._serve_file)
        # Long polls end as soon as stop() wakes them, so shutdown never needs long.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        # Binding the socket ourselves tells us the free port the system picked.
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        host, port = sock.getsockname()
        self.base_url = f"http://{host}:{port}/bot"
        self.base_file_url = f"http://{host}:{port}/file/bot"

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- what tests read ---------------------------------------------------------------------

    @property
    def bot_id(self) -> int:
        return self.bot_user["id"]

    @property
    def sent(self) -> dict[int, list[JsonDict]]:
        """Chat id -> the messages the bot sent there and has not deleted, as they are now."""
        return {
            chat.id: [chat.messages[i] for i in sorted(chat.bot_message_ids)]
            for chat in self._chats.values()
            if chat.bot_message_ids
        }

    @staticmethod
    def scope_key(scope: JsonDict | None = None, language_code: str = "") -> str:
        """The `commands` key of a BotCommandScope: "default", "chat:<id>",
        "chat_member:<chat id>:<user id>"..., with "@<language>" when a language is given."""
        scope = scope or {"type": "default"}
        key = scope["type"]
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return f"{key}@{language_code}" if language_code else key

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Call]:
        """The first `count` successful calls of `method` matching `predicate`, waiting for
        them as long as `timeout`."""
        method = self._canonical(method)

        def matching() -> list[Call]:
            return [
                call
                for call in self.calls
                if call.ok and call.method == method and (predicate is None or predicate(call))
            ]

        if not await self._wait_until(lambda: len(matching()) >= count, timeout):
            recent = "\n".join(_describe(call) for call in self.calls[-20:]) or "  (none)"
            raise TimeoutError(
                f"waited {timeout}s for {count} successful {method} call(s) matching, "
                f"got {len(matching())}; last calls:\n{recent}"
            )
        return matching()[:count]

    async def wait_polling(self, timeout: float = 10.0) -> None:
        """Returns once a getUpdates long poll is waiting on the server."""
        if not await self._wait_until(lambda: self._polls_waiting > 0, timeout):
            raise TimeoutError(f"no getUpdates long poll within {timeout}s")

    # -- what tests set up -------------------------------------------------------------------

    def push_update(self, update: JsonDict) -> int:
        """Queues an update for getUpdates under a fresh update_id, which it returns.

        Like Telegram, an update of a type the bot's allowed_updates leave out is never queued,
        but the chats, users and queries in it become known all the same."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id} | {k: v for k, v in update.items() if k != "update_id"}
        self._observe(update)
        if self._wanted(next(key for key in update if key != "update_id")):
            self._updates.append(update)
            self._notify()
        return update_id

    def take_updates(self) -> list[JsonDict]:
        """The queued updates, no longer queued: what Telegram would POST to the webhook (the
        test delivers them, through whatever stands in for a load balancer)."""
        taken, self._updates = self._updates, []
        return taken

    def user_message(
        self,
        text: str,
        *,
        user_id: int,
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        entities: list[JsonDict] | None = None,
        document: JsonDict | None = None,
        caption: str | None = None,
    ) -> int:
        """A user writes `text` (or sends `document` with `caption`, `text` left empty)."""
        user = self._user(user_id)
        if chat_type == "private":
            if chat_id not in (None, user_id):
                raise ValueError("a private chat's id is its user's id")
            info = _private_chat(user)
        elif chat_type in ("group", "supergroup"):
            if chat_id is None:
                raise ValueError(f"a {chat_type} message needs chat_id")
            known = self._chats.get(chat_id)
            title = chat_title or (known.info["title"] if known else f"Chat {chat_id}")
            info = {"id": chat_id, "type": chat_type, "title": title}
        else:
            raise ValueError(f"users write in private, group or supergroup chats, not {chat_type}")
        chat = self._chat_for(info)
        message: JsonDict = {
            "message_id": chat.next_message_id(),
            "from": user,
            "chat": info,
            "date": _now(),
        }
        if document is not None:
            if text:
                raise ValueError("a document message has a caption, not a text")
            message["document"] = document
            if caption:
                message["caption"] = caption
        else:
            message["text"] = text
            message |= _without_empty(entities=_with_command_entity(text, entities or []))
        return self.push_update({"message": message})

    def callback(self, data: str, *, user_id: int, message: JsonDict) -> int:
        """The user presses the button with callback_data `data` on `message` as it is now."""
        chat = self._chats.get(message["chat"]["id"])
        current = chat.messages.get(message["message_id"]) if chat else None
        if chat is None or current is None:
            raise ValueError(f"message {message['message_id']} is not in its chat any more")
        rows = current.get("reply_markup", {}).get("inline_keyboard", [])
        offered = [button.get("callback_data") for row in rows for button in row]
        if data not in offered:
            raise ValueError(f"no button with callback_data {data!r}; the message has {offered}")
        return self.forged_callback(data, user_id=user_id, message=current)

    def forged_callback(self, data: str, *, user_id: int, message: JsonDict) -> int:
        """A press a modified client can send: any data, by any user, on any message (a bot
        must not trust callback data)."""
        query = {
            "id": str(next(self._query_ids)),
            "from": self._user(user_id),
            "message": message,
            "chat_instance": str(message["chat"]["id"]),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def inline_query(self, query: str, *, user_id: int, offset: str = "") -> int:
        if len(query) > MAX_INLINE_QUERY:
            raise ValueError(f"Telegram clients send at most {MAX_INLINE_QUERY} characters")
        inline = {
            "id": str(next(self._query_ids)),
            "from": self._user(user_id),
            "query": query,
            "offset": offset,
        }
        return self.push_update({"inline_query": inline})

    def channel_post(self, text: str, *, chat_id: int, title: str = "频道") -> int:
        info = {"id": chat_id, "type": "channel", "title": title}
        chat = self._chat_for(info)
        post: JsonDict = {
            "message_id": chat.next_message_id(),
            "sender_chat": info,
            "chat": info,
            "date": _now(),
            "text": text,
        }
        post |= _without_empty(entities=_with_command_entity(text, []))
        return self.push_update({"channel_post": post})

    def my_chat_member(
        self, *, chat_id: int, chat_type: str, title: str, user_id: int, new_status: str
    ) -> int:
        """`user_id` changes the bot's status in a chat: adds it to a group ("member"), makes it
        a channel admin ("administrator"), removes it ("left", "kicked"); in a private chat
        "kicked" means the user blocked the bot and "member" that they unblocked it."""
        if new_status not in MEMBER_STATUSES - {"creator"}:
            raise ValueError(f"unsupported bot status {new_status!r}")
        user = self._user(user_id)
        if chat_type == "private":
            if chat_id != user_id:
                raise ValueError("a private chat's id is its user's id")
            info = _private_chat(user)
        else:
            info = {"id": chat_id, "type": chat_type, "title": title}
        chat = self._chats.get(chat_id)
        if chat is None:
            old_status = "left"
        elif chat_type == "private":
            old_status = "kicked" if chat_id in self._blocked else "member"
        else:
            old_status = chat.members.get(self.bot_id, "left")
        change = {
            "chat": info,
            "from": user,
            "date": _now(),
            "old_chat_member": _chat_member(self.bot_user, old_status),
            "new_chat_member": _chat_member(self.bot_user, new_status),
        }
        return self.push_update({"my_chat_member": change})

    def add_file(self, content: bytes, file_name: str, mime_type: str | None = None) -> JsonDict:
        """A file a user can send (`user_message(document=...)`); returns its Document."""
        mime_type = mime_type or mimetypes.guess_type(file_name)[0]
        return self._new_file(content, "document", file_name, mime_type).as_document()

    def add_chat(self, chat: JsonDict) -> None:
        """Makes a chat known without an update: a private chat the user has started, a group
        the bot is a member of, a channel it administers."""
        known = self._chat_for(chat)
        if known.type == "private":
            user = {"id": known.id, "is_bot": False, "first_name": chat.get("first_name", "")}
            self._remember_user(user | _without_empty(username=chat.get("username")))
            known.members[known.id] = "member"

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Sets a user's (or the bot's) status in a known chat, e.g. "administrator"."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unsupported member status {status!r}")
        if user_id != self.bot_id:
            self._user(user_id)
        self._chats[chat_id].members[user_id] = status

    def block(self, chat_id: int) -> None:
        """From now on every send to the chat is refused as if the user blocked the bot."""
        self._blocked.add(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        parameters: JsonDict | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """The next `times` calls of `method` get this error, whatever they ask; with
        `chat_id`, the next calls to that chat only (concurrent sends arrive in any order)."""
        self.fault_next(method, ApiError(error_code, description, parameters), times, chat_id)

    def fault_next(
        self, method: str, fault: Fault, times: int = 1, chat_id: int | None = None
    ) -> None:
        """Like fail_next, with any fault: an error, a dropped connection, a late answer."""
        self._faults.setdefault(self._canonical(method), []).extend([(chat_id, fault)] * times)

    # -- HTTP --------------------------------------------------------------------------------

    async def _serve_method(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        try:
            params = await _read_params(request)
        except web.HTTPRequestEntityTooLarge:
            return self._refuse(name, {}, ApiError(413, "Request Entity Too Large"))
        if request.match_info["token"] != self.token:
            return self._refuse(name, params, ApiError(401, "Unauthorized"))
        if name.lower() not in self._methods:
            return self._refuse(name, params, ApiError(404, "Not Found"))
        method, handler = self._methods[name.lower()]
        fault = self._take_fault(method, params)
        if isinstance(fault, ApiError):
            return self._refuse(method, params, fault)
        if isinstance(fault, Dropped):
            self._record(Call(method, params, False, "connection dropped (injected)"))
            assert request.transport
            request.transport.abort()
            return web.Response()  # never reaches the client
        try:
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            return self._refuse(method, params, error)
        except Exception as crash:
            # Recorded so that the failing test's wait_for dump shows it; aiohttp answers 500.
            self._record(Call(method, params, False, f"StrictBotApi crashed: {crash!r}"))
            raise
        self._record(Call(method, params, True, None, result))
        if isinstance(fault, AnsweredLate):
            await asyncio.sleep(fault.seconds)
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, params: JsonDict) -> Fault | None:
        faults = self._faults.get(method, [])
        for n, (chat, fault) in enumerate(faults):
            if chat is None or str(params.get("chat_id")) == str(chat):
                del faults[n]
                return fault
        return None

    async def _serve_file(self, request: web.Request) -> web.Response:
        params = {"file_path": request.match_info["file_path"]}
        if request.match_info["token"] != self.token:
            return self._refuse("downloadFile", params, ApiError(401, "Unauthorized"))
        stored = next((f for f in self.files.values() if f.file_path == params["file_path"]), None)
        if stored is None:
            return self._refuse("downloadFile", params, ApiError(404, "Not Found"))
        self._record(Call("downloadFile", params, True, None, len(stored.content)))
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    def _refuse(self, method: str, params: JsonDict, error: ApiError) -> web.Response:
        self._record(Call(method, params, False, error.description))
        body: JsonDict = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.code)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._notify()

    def _notify(self) -> None:
        """Wakes everything waiting for a change (new call, new update, stop): the event is
        set once and replaced, so each waiter re-checks its condition and waits again."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, ready: Callable[[], bool], timeout: float) -> bool:
        try:
            async with asyncio.timeout(timeout):
                while not ready():
                    await self._changed.wait()
        except TimeoutError:
            return False
        return True

    def _canonical(self, method: str) -> str:
        if method == "downloadFile":
            return method
        if method.lower() not in self._methods:
            raise ValueError(f"StrictBotApi does not implement {method}")
        return self._methods[method.lower()][0]

    # -- what Telegram knows -----------------------------------------------------------------

    def _observe(self, update: JsonDict) -> None:
        """Learns the chats, users, messages and open queries an update shows."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            if key in update:
                self._observe_message(update[key])
        if "callback_query" in update:
            self._remember_user(update["callback_query"]["from"])
            self._open_callback_queries.add(update["callback_query"]["id"])
        if "inline_query" in update:
            self._remember_user(update["inline_query"]["from"])
            self._open_inline_queries.add(update["inline_query"]["id"])
        if "my_chat_member" in update:
            change = update["my_chat_member"]
            self._remember_user(change["from"])
            chat = self._chat_for(change["chat"])
            status = change["new_chat_member"]["status"]
            chat.members[self.bot_id] = status
            if chat.type == "private" and status == "kicked":
                self._blocked.add(chat.id)
            elif chat.type == "private":
                self._blocked.discard(chat.id)

    def _observe_message(self, message: JsonDict) -> None:
        chat = self._chat_for(message["chat"])
        chat.store(message)
        if "from" in message:
            self._remember_user(message["from"])
            chat.members.setdefault(message["from"]["id"], "member")

    def _chat_for(self, info: JsonDict) -> _Chat:
        """The chat `info` describes, known from now on; a new group has the bot as a member,
        a new channel has it as an administrator (bots cannot read channels otherwise)."""
        chat = self._chats.get(info["id"])
        if chat is None:
            chat = self._chats[info["id"]] = _Chat(info)
            chat.members[self.bot_id] = "administrator" if chat.type == "channel" else "member"
        else:
            chat.info = info
        return chat

    def _user(self, user_id: int) -> JsonDict:
        if user_id not in self._users:
            self._users[user_id] = {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User{user_id}",
                "username": f"user{user_id}",
                "language_code": "zh-hans",
            }
        return self._users[user_id]

    def _remember_user(self, user: JsonDict) -> None:
        if user["id"] != self.bot_id:
            self._users[user["id"]] = user

    def _person(self, user_id: int) -> JsonDict:
        return self.bot_user if user_id == self.bot_id else self._users[user_id]

    def _wanted(self, update_type: str) -> bool:
        if self._allowed_updates is None:
            return update_type not in DEFAULT_EXCLUDED_UPDATES
        return update_type in self._allowed_updates

    def _known_chat(self, chat_id: Any) -> _Chat:
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        found = None
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            username = chat_id[1:]
            found = next(
                (c for c in self._chats.values() if c.info.get("username") == username), None
            )
        elif isinstance(chat_id, int) and not isinstance(chat_id, bool):
            found = self._chats.get(chat_id)
            if found is None and chat_id in self._users:
                raise forbidden("bot can't initiate conversation with a user")
        if found is None:
            raise bad_request("chat not found")
        return found

    def _member_chat(self, chat_id: Any) -> _Chat:
        """A chat the bot is in (and not blocked from), or the refusal Telegram gives."""
        chat = self._known_chat(chat_id)
        if chat.id in self._blocked:
            raise forbidden("bot was blocked by the user")
        status = chat.members.get(self.bot_id)
        if chat.type != "private" and status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.type != "private" and status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def _writable_chat(self, chat_id: Any) -> _Chat:
        """A chat the bot may send to, edit or delete in, or the refusal Telegram gives."""
        chat = self._member_chat(chat_id)
        if chat.type == "channel" and chat.members[self.bot_id] not in ADMIN_STATUSES:
            raise bad_request("need administrator rights in the channel chat")
        return chat

    def _post(self, chat: _Chat, content: JsonDict, reply_to: JsonDict | None) -> JsonDict:
        """A message from the bot; in a channel it is signed by the channel, not the bot."""
        message: JsonDict = {"message_id": chat.next_message_id()}
        if chat.type == "channel":
            message["sender_chat"] = chat.info
        else:
            message["from"] = self.bot_user
        message |= {"chat": chat.info, "date": _now()}
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message |= content
        chat.store(message)
        chat.bot_message_ids.add(message["message_id"])
        return message

    def _reply_target(self, chat: _Chat, params: JsonDict) -> JsonDict | None:
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")  # wording assumed
        target = self._known_chat(reply["chat_id"]) if "chat_id" in reply else chat
        replied = target.messages.get(_as_int(reply["message_id"], "message_id"))
        if replied is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        # Telegram nests one level only.
        return {key: value for key, value in replied.items() if key != "reply_to_message"}

    def _editable(self, params: JsonDict) -> tuple[_Chat, JsonDict]:
        if "inline_message_id" in params:
            # The peer never reports chosen inline results, so no inline message id is valid.
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._writable_chat(params.get("chat_id"))
        message_id = _int_param(params, "message_id")
        if message_id not in chat.messages:
            raise bad_request("message to edit not found")
        if message_id not in chat.bot_message_ids:
            raise bad_request("message can't be edited")
        return chat, chat.messages[message_id]

    def _edit(self, chat: _Chat, message: JsonDict, changes: JsonDict) -> JsonDict:
        """Applies an edit (an empty value removes the field); Telegram refuses an edit that
        changes nothing."""
        kept = {k: v for k, v in message.items() if k not in changes and k != "edit_date"}
        edited = kept | _without_empty(**changes)
        if edited == {k: v for k, v in message.items() if k != "edit_date"}:
            raise bad_request(NOT_MODIFIED)
        edited["edit_date"] = _now()
        chat.store(edited)
        return edited

    def _file_param(self, params: JsonDict, kind: str) -> StoredFile:
        value = params.get(kind)
        if isinstance(value, Upload):
            return self._store_upload(value, kind)
        if value is None:
            raise bad_request(f"there is no {kind} in the request")
        if not isinstance(value, str) or value not in self.files:
            raise bad_request("wrong file identifier/HTTP URL specified")
        stored = self.files[value]
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def _store_upload(self, upload: Upload, kind: str) -> StoredFile:
        size = len(upload.content)
        if size == 0:
            raise bad_request("file must be non-empty")
        if kind == "document":
            if size > MAX_DOCUMENT:
                raise ApiError(413, "Request Entity Too Large")
            return self._new_file(upload.content, kind, upload.file_name, upload.mime_type)
        if size > MAX_PHOTO:
            raise bad_request("PHOTO_SAVE_FILE_INVALID")
        width, height = _photo_size(upload.content)
        stored = self._new_file(upload.content, kind, None, "image/jpeg")
        stored.width, stored.height = width, height
        return stored

    def _new_file(
        self, content: bytes, kind: str, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        number = next(self._file_numbers)
        suffix = PurePath(file_name).suffix if file_name else ".jpg"
        stored = StoredFile(
            file_id=f"{kind}-{number}-{self.bot_id}",
            file_unique_id=f"unique-{number}",
            kind=kind,
            file_path=f"{kind}s/file_{number}{suffix}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    # -- Bot API methods ---------------------------------------------------------------------

    def _get_me(self, params: JsonDict) -> JsonDict:
        return self.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = max(_int_param(params, "timeout", 0), 0)
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"]) or None
        if offset < 0:
            # A negative offset keeps the last -offset updates and forgets the rest.
            del self._updates[:offset]
        else:
            # An offset confirms every update below it.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        # A newer getUpdates ends this one, as Telegram does when two bot instances poll.
        self._poll_generation += 1
        generation = self._poll_generation

        def answered() -> bool:
            return bool(self._updates) or self._closing or generation != self._poll_generation

        self._polls_waiting += 1
        self._notify()  # ends the older poll, and tells wait_polling
        try:
            await self._wait_until(answered, timeout)
        finally:
            self._polls_waiting -= 1
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return self._updates[:limit]

    def _set_webhook(self, params: JsonDict) -> bool:
        url = params.get("url") or ""
        if url:
            parts = urlsplit(url)
            if parts.scheme != "https":
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if (parts.port or 443) not in (80, 88, 443, 8443):
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        self._webhook_url = url
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: JsonDict) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _send_message(self, params: JsonDict) -> JsonDict:
        chat = self._writable_chat(params.get("chat_id"))
        text, entities = _message_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = _inline_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_target(chat, params)
        content = {"text": text} | _without_empty(entities=entities, reply_markup=markup)
        return self._post(chat, content, reply_to)

    def _edit_message_text(self, params: JsonDict) -> JsonDict:
        chat, message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = _message_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        # Like Telegram, an edit without reply_markup removes the keyboard.
        markup = _inline_markup(params.get("reply_markup"), inline_only=True)
        return self._edit(
            chat, message, {"text": text, "entities": entities, "reply_markup": markup}
        )

    def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict:
        chat, message = self._editable(params)
        markup = _inline_markup(params.get("reply_markup"), inline_only=True)
        return self._edit(chat, message, {"reply_markup": markup})

    def _delete_message(self, params: JsonDict) -> bool:
        chat = self._writable_chat(params.get("chat_id"))
        message_id = _int_param(params, "message_id")
        if message_id not in chat.messages:
            raise bad_request("message to delete not found")
        # Bots delete anything in private chats, elsewhere others' messages only as admins.
        others = message_id not in chat.bot_message_ids and chat.type != "private"
        if others and chat.members.get(self.bot_id) not in ADMIN_STATUSES:
            raise bad_request("message can't be deleted")
        del chat.messages[message_id]
        chat.bot_message_ids.discard(message_id)
        return True

    def _answer_callback_query(self, params: JsonDict) -> bool:
        if _utf16_len(params.get("text") or "") > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        url = params.get("url")
        start_link = rf"(https://)?t\.me/{self.bot_user['username']}\?start=[A-Za-z0-9_-]{{1,64}}"
        if url and not re.fullmatch(start_link, url):
            # Only game URLs (none here) and links that start the bot are allowed.
            raise bad_request("URL_INVALID")
        query_id = params.get("callback_query_id")
        if query_id not in self._open_callback_queries:
            raise bad_request(QUERY_TOO_OLD)
        self._open_callback_queries.discard(query_id)
        self.answers.append(params)
        return True

    def _answer_inline_query(self, params: JsonDict) -> bool:
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")  # wording assumed
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            _check_inline_result(result, seen)
        if len((params.get("next_offset") or "").encode()) > 64:
            raise bad_request("NEXT_OFFSET_INVALID")
        button = params.get("button") or {}
        start_parameter = str(button.get("start_parameter", ""))
        if "start_parameter" in button and not START_PARAMETER_PATTERN.fullmatch(start_parameter):
            raise bad_request("START_PARAM_INVALID")
        query_id = params.get("inline_query_id")
        if query_id not in self._open_inline_queries:
            raise bad_request(QUERY_TOO_OLD)
        self._open_inline_queries.discard(query_id)
        self.answers.append(params)
        return True

    def _send_document(self, params: JsonDict) -> JsonDict:
        chat = self._writable_chat(params.get("chat_id"))
        caption, entities = _caption(params)
        markup = _inline_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_target(chat, params)
        document = self._file_param(params, "document").as_document()
        extra = _without_empty(caption=caption, caption_entities=entities, reply_markup=markup)
        return self._post(chat, {"document": document} | extra, reply_to)

    def _send_photo(self, params: JsonDict) -> JsonDict:
        chat = self._writable_chat(params.get("chat_id"))
        caption, entities = _caption(params)
        markup = _inline_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_target(chat, params)
        photo = self._file_param(params, "photo").as_photo()
        extra = _without_empty(caption=caption, caption_entities=entities, reply_markup=markup)
        return self._post(chat, {"photo": photo} | extra, reply_to)

    def _send_chat_action(self, params: JsonDict) -> bool:
        self._writable_chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _get_file(self, params: JsonDict) -> JsonDict:
        stored = self.files.get(params.get("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _commands_key(self, params: JsonDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
            raise bad_request("unsupported bot command scope type")  # wording assumed
        resolved = {"type": scope["type"]}
        if scope["type"].startswith("chat"):
            resolved["chat_id"] = self._known_chat(scope.get("chat_id")).id
        if scope["type"] == "chat_member":
            user_id = _as_int(scope.get("user_id"), "user_id")
            if user_id not in self._users:
                raise bad_request("user not found")
            resolved["user_id"] = user_id
        language_code = params.get("language_code") or ""
        if language_code and not LANGUAGE_PATTERN.fullmatch(language_code):
            raise bad_request("LANG_CODE_INVALID")
        return self.scope_key(resolved, language_code)

    def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")  # wording assumed
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")  # wording assumed
            if not COMMAND_PATTERN.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        # An empty list is how Telegram deletes a scope's commands.
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return self.commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: JsonDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _leave_chat(self, params: JsonDict) -> bool:
        chat = self._member_chat(params.get("chat_id"))
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        old_status = chat.members[self.bot_id]
        chat.members[self.bot_id] = "left"
        # Telegram reports the bot's own departure to it.
        change = {
            "chat": chat.info,
            "from": self.bot_user,
            "date": _now(),
            "old_chat_member": _chat_member(self.bot_user, old_status),
            "new_chat_member": _chat_member(self.bot_user, "left"),
        }
        self.push_update({"my_chat_member": change})
        return True

    def _get_chat(self, params: JsonDict) -> JsonDict:
        chat = self._known_chat(params.get("chat_id"))
        gift_types = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        return chat.info | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gift_types, False),
        }

    def _get_chat_member(self, params: JsonDict) -> JsonDict:
        chat = self._known_chat(params.get("chat_id"))
        user_id = _int_param(params, "user_id")
        if user_id != self.bot_id and user_id not in self._users:
            raise bad_request("user not found")
        return _chat_member(self._person(user_id), chat.members.get(user_id, "left"))

    def _get_chat_administrators(self, params: JsonDict) -> list[JsonDict]:
        chat = self._known_chat(params.get("chat_id"))
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            _chat_member(self._person(user_id), status)
            for user_id, status in chat.members.items()
            if status in ADMIN_STATUSES
        ]

    def _set_my_description(self, params: JsonDict) -> bool:
        if len(params.get("description") or "") > MAX_DESCRIPTION:
            raise bad_request("description is too long")  # wording assumed
        return True

    def _set_my_short_description(self, params: JsonDict) -> bool:
        if len(params.get("short_description") or "") > MAX_SHORT_DESCRIPTION:
            raise bad_request("short description is too long")  # wording assumed
        return True

    def _accept(self, params: JsonDict) -> bool:
        return True


# -- request parameters ----------------------------------------------------------------------


async def _read_params(request: web.Request) -> JsonDict:
    """The request's parameters from its query string and its form, multipart or JSON body.

    PTB sends form fields and JSON-encodes every non-string value (numbers, booleans, nested
    objects such as reply_markup), so those are decoded; uploads become `Upload`s."""
    raw: JsonDict = dict(request.query)
    if request.content_type == "application/json":
        raw |= await request.json()
    else:
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                raw[name] = Upload(value.filename, value.content_type, value.file.read())
            elif isinstance(value, bytes | bytearray):
                raw[name] = value.decode()
            else:
                raw[name] = value
    return {name: _decoded(name, value) for name, value in raw.items()}


def _decoded(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # a plain string such as "@channelname"


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or value is None:
        raise bad_request(f"{name} is empty" if value is None else f"invalid {name} specified")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name} specified") from None  # wording assumed


def _int_param(params: JsonDict, name: str, default: int | None = None) -> int:
    if name not in params and default is not None:
        return default
    return _as_int(params.get(name), name)


def _without_empty(**fields: Any) -> JsonDict:
    return {name: value for name, value in fields.items() if value}


def _now() -> int:
    return int(time.time())


def _describe(call: Call) -> str:
    params = repr(call.params)
    if len(params) > 300:
        params = params[:300] + "…"
    status = "ok" if call.ok else f"FAILED {call.error}"
    return f"  {call.method} {status} {params}"


# -- chats and users -------------------------------------------------------------------------


def _private_chat(user: JsonDict) -> JsonDict:
    info = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return info | _without_empty(username=user.get("username"))


def _chat_member(user: JsonDict, status: str) -> JsonDict:
    """A ChatMember object of the given status, with the fields PTB requires."""
    member: JsonDict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "administrator":
        rights = {
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": False,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": False,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
            "can_post_messages": True,
            "can_edit_messages": True,
            "can_pin_messages": True,
        }
        member |= rights
    return member


def _with_command_entity(text: str, entities: list[JsonDict]) -> list[JsonDict]:
    """Adds the bot_command entity Telegram marks on a message that starts with a command."""
    command = BOT_COMMAND_PATTERN.match(text)
    if command is None or any(e["type"] == "bot_command" and e["offset"] == 0 for e in entities):
        return entities
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(command[0])}, *entities]


# -- message content -------------------------------------------------------------------------


def _utf16_len(text: str) -> int:
    """Telegram measures text and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _message_text(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JsonDict]]:
    plain, found = _parsed(text, parse_mode, entities)
    if not plain:
        raise bad_request("message text is empty")
    if _utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, found


def _caption(params: JsonDict) -> tuple[str, list[JsonDict]]:
    plain, found = _parsed(
        params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
    )
    if _utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, found


def _parsed(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JsonDict]]:
    """The text as Telegram stores it, and its entities: markup parsed, surrounding
    whitespace trimmed."""
    source = "" if text is None else str(text)
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, found = _HtmlParser(source).parse()
    elif mode in ("markdown", "markdownv2"):
        raise bad_request(f"parse_mode {parse_mode} is not implemented by StrictBotApi")
    elif mode:
        raise bad_request("unsupported parse_mode")
    elif entities is not None and not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")  # wording assumed
    else:
        plain, found = source, list(entities or [])
    return _trimmed(plain, found)


def _trimmed(text: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    """Telegram drops leading and trailing whitespace; entities shift and shrink with it."""
    left = text.lstrip(" \t\r\n")
    lead = _utf16_len(text) - _utf16_len(left)
    trimmed = left.rstrip(" \t\r\n")
    size = _utf16_len(trimmed)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append(entity | {"offset": start, "length": end - start})
    return trimmed, kept


def _checked_url(url: str) -> str | None:
    """The link as Telegram keeps it, or None where Telegram refuses it: http(s) to a host with
    a domain (a bare "example.com" gets "http://"), or a tg:// link."""
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname or "", parts.port  # .port raises on a non-numeric port
    except ValueError:
        return None
    if parts.scheme == "tg":
        return url if parts.netloc else None
    labels = host.split(".")
    if parts.scheme in ("http", "https") and len(labels) > 1 and all(labels):
        return url
    return None


def _inline_markup(markup: Any, *, inline_only: bool) -> JsonDict | None:
    """The inline keyboard to show with a message, checked; None without one. Reply keyboards
    are accepted where Telegram allows them but not checked (casebot uses none), and, as on
    Telegram, they are not part of the returned message."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if inline_only:
            raise bad_request("inline keyboard expected")  # wording assumed
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    if any(len(row) > MAX_BUTTONS_PER_ROW for row in rows):
        raise bad_request("BUTTONS_TOO_MUCH")  # stricter than Telegram, see the module doc
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    def unparsable(reason: str) -> ApiError:
        return bad_request(f"can't parse inline keyboard button: {reason}")

    if not isinstance(button, dict):
        raise unparsable("InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise unparsable('Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise unparsable('Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")  # wording assumed
    actions = [name for name in BUTTON_ACTIONS if name in button]
    if not actions:
        raise unparsable("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Stricter than Telegram, see the module doc.
        raise unparsable(f"exactly one of the fields {', '.join(actions)} must be used")
    data = button.get("callback_data")
    if "callback_data" in button and not (
        isinstance(data, str) and 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and _checked_url(str(button["url"])) is None:
        raise bad_request(
            f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL"
        )


def _check_inline_result(result: Any, seen: set[str]) -> None:
    def missing(name: str) -> ApiError:
        return bad_request(f"can't parse inline query result: Can't find field \"{name}\"")

    if not isinstance(result, dict):
        raise bad_request("can't parse inline query result: InlineQueryResult must be an Object")
    result_id = result.get("id")
    if not isinstance(result_id, str):
        raise missing("id")
    if not 1 <= len(result_id.encode()) <= MAX_INLINE_ID_BYTES:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if result.get("type") == "article":
        for name in ("title", "input_message_content"):
            if name not in result:
                raise missing(name)
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        _message_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
    _inline_markup(result.get("reply_markup"), inline_only=True)


def _photo_size(content: bytes) -> tuple[int, int]:
    """Width and height of a photo Telegram would take (at most 10000 together, the longer
    side at most 20 times the shorter)."""
    size = _image_size(content)
    if size is None or 0 in size:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10000 or max(size) > 20 * min(size):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return width, height


def _image_size(content: bytes) -> tuple[int, int] | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        return width, height
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return width, height
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    """Reads the frame header (SOFn), which holds a JPEG's height and width."""
    position = 2
    while position + 9 <= len(content) and content[position] == 0xFF:
        marker = content[position + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[position + 5 : position + 9])
            return width, height
        (length,) = struct.unpack(">H", content[position + 2 : position + 4])
        position += 2 + length
    return None


# -- HTML parse mode -------------------------------------------------------------------------

SPACES = " \t\r\n\v\0"  # what Telegram's HTML parser treats as whitespace
TAG_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
CHARACTER_REFERENCE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")


@dataclass
class _OpenTag:
    name: str
    argument: str  # href, language, "spoiler", emoji id, "expandable"
    offset: int  # UTF-16 offset of its content in the parsed text
    text_index: int  # where its content starts in the parser's output pieces


class _HtmlParser:
    """Telegram's HTML parse mode, after tdlib's parse_html, with the same error messages."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.pieces: list[str] = []
        self.utf16_offset = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[JsonDict] = []

    def parse(self) -> tuple[str, list[JsonDict]]:
        source = self.source
        while self.position < len(source):
            char = source[self.position]
            if char == "&":
                self._emit(self._character_reference())
            elif char != "<":
                self._emit(char)
                self.position += 1
            elif source.startswith("</", self.position):
                self._end_tag()
            else:
                self._start_tag()
        if self.open_tags:
            name = self.open_tags[-1].name
            raise _parse_error(f'Can\'t find end tag corresponding to start tag "{name}"')
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.pieces), entities

    def _emit(self, text: str) -> None:
        self.pieces.append(text)
        self.utf16_offset += _utf16_len(text)

    def _byte_offset(self, position: int) -> int:
        """Telegram reports positions as UTF-8 byte offsets into the source."""
        return len(self.source[:position].encode())

    def _skip_to(self, stop: str) -> None:
        while self.position < len(self.source) and self.source[self.position] not in stop:
            self.position += 1

    def _skip_spaces(self) -> None:
        while self.position < len(self.source) and self.source[self.position] in SPACES:
            self.position += 1

    def _at_end(self) -> bool:
        return self.position >= len(self.source)

    def _character_reference(self) -> str:
        match = CHARACTER_REFERENCE.match(self.source, self.position)
        if match is not None:
            name, decimal, hexadecimal = match.groups()
            if name:
                character = NAMED_CHARACTERS[name]
            else:
                code = int(decimal, 10) if decimal else int(hexadecimal, 16)
                surrogate = 0xD800 <= code <= 0xDFFF
                character = "" if surrogate or not 0 < code < 0x10FFFF else chr(code)
            if character:
                self.position = match.end()
                return character
        # Stricter than Telegram, see the module doc.
        offset = self._byte_offset(self.position)
        raise _parse_error(f"Character '&' at byte offset {offset} must be escaped as &amp;")

    def _start_tag(self) -> None:
        begin = self.position
        at = self._byte_offset(begin)
        self.position += 1
        self._skip_to(SPACES + ">")
        if self._at_end():
            raise _parse_error(f"Unclosed start tag at byte offset {at}")
        name = self.source[begin + 1 : self.position].lower()
        if name not in TAG_ENTITY_TYPES:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {at}')
        argument = ""
        while True:
            self._skip_spaces()
            if self._at_end():
                raise _parse_error(f'Unclosed start tag "{name}" at byte offset {at}')
            if self.source[self.position] == ">":
                break
            attribute, value = self._attribute(name, at)
            argument = _tag_argument(name, attribute, value) or argument
        self.position += 1
        if name == "span" and argument != "spoiler":
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        self.open_tags.append(_OpenTag(name, argument, self.utf16_offset, len(self.pieces)))

    def _attribute(self, tag: str, at: int) -> tuple[str, str | None]:
        """One attribute of a start tag: its name and value (None for a bare name)."""
        start = self.position
        self._skip_to(SPACES + "=>")
        attribute = self.source[start : self.position]
        if not attribute:
            raise _parse_error(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
        self._skip_spaces()
        if self._at_end() or self.source[self.position] != "=":
            if tag == "blockquote" and attribute == "expandable":
                return attribute, None
            raise _parse_error(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {at}'
            )
        self.position += 1
        self._skip_spaces()
        if self._at_end():
            raise _parse_error(f'Unclosed start tag "{tag}" at byte offset {at}')
        if self.source[self.position] in "\"'":
            return attribute, self._quoted_value(at)
        return attribute, self._name_token()

    def _quoted_value(self, at: int) -> str:
        quote = self.source[self.position]
        self.position += 1
        value = []
        while not self._at_end() and self.source[self.position] != quote:
            if self.source[self.position] == "&":
                value.append(self._character_reference())
            else:
                value.append(self.source[self.position])
                self.position += 1
        if self._at_end():
            raise _parse_error(f"Unclosed start tag at byte offset {at}")
        self.position += 1
        return "".join(value)

    def _name_token(self) -> str:
        """An unquoted value: letters, digits, periods and hyphens, case-insensitive."""
        start = self.position
        while not self._at_end() and _is_name_character(self.source[self.position]):
            self.position += 1
        if not self._at_end() and self.source[self.position] not in SPACES + ">":
            offset = self._byte_offset(start)
            raise _parse_error(f"Unexpected end of name token at byte offset {offset}")
        return self.source[start : self.position].lower()

    def _end_tag(self) -> None:
        begin = self.position
        at = self._byte_offset(begin)
        if not self.open_tags:
            raise _parse_error(f"Unexpected end tag at byte offset {at}")
        self.position += 2
        self._skip_to(SPACES + ">")
        name = self.source[begin + 2 : self.position]
        self._skip_spaces()
        if self._at_end() or self.source[self.position] != ">":
            raise _parse_error(f"Unclosed end tag at byte offset {at}")
        self.position += 1
        tag = self.open_tags.pop()
        # Like Telegram: end tags are compared as written, "</>" closes whatever is open.
        if name and name != tag.name:
            raise _parse_error(
                f'Unmatched end tag at byte offset {at}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        self._close(tag)

    def _close(self, tag: _OpenTag) -> None:
        if tag.name == "tg-emoji" and not tag.argument.isdigit():
            raise _parse_error("Invalid custom emoji identifier specified")
        length = self.utf16_offset - tag.offset
        if length == 0:
            return
        entity: JsonDict = {
            "type": TAG_ENTITY_TYPES[tag.name],
            "offset": tag.offset,
            "length": length,
        }
        if tag.name == "a":
            # Telegram links the text itself when href is missing, and drops a bad link.
            url = _checked_url(tag.argument or "".join(self.pieces[tag.text_index :]))
            if url is None:
                return
            entity["url"] = url
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.argument
        elif tag.name == "blockquote" and tag.argument:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "code" and tag.argument:
            parent = self.open_tags[-1] if self.open_tags else None
            if parent is not None and parent.name == "pre" and parent.offset == tag.offset:
                entity["language"] = tag.argument  # kept only if the pre ends with it
        elif tag.name == "pre":
            code = next((e for e in self.entities if e["type"] == "code" and "language" in e), None)
            if code is not None:
                language = code.pop("language")
                if code["offset"] == tag.offset and code["length"] == length:
                    # <pre><code class="language-x">…</code></pre> is one pre block.
                    self.entities.remove(code)
                    entity["language"] = language
        self.entities.append(entity)


def _is_name_character(char: str) -> bool:
    return (char.isascii() and char.isalnum()) or char in ".-"


def _tag_argument(tag: str, attribute: str, value: str | None) -> str | None:
    """What an attribute means to Telegram; attributes it does not know are ignored."""
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    if tag == "blockquote" and attribute == "expandable":
        return "expandable"
    return None


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def message_text(markup: str) -> str:
    """What Telegram would show for an HTML message; raises ApiError where it would refuse
    it (markup it cannot parse, an empty or over-long text)."""
    return _message_text(markup, "HTML", None)[0]
