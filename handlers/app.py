"""The Application: every handler registered in one place, the runtime opened and closed
around it, and the two ways of running it (long polling, webhook)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.charts import start_drawer, stop_drawer
from bot.chat import links
from bot.chat.search import forget_old_queries, warm_up
from bot.config import Settings
from bot.runtime import Runtime
from handlers import (
    admin,
    articles,
    basic,
    delivery,
    export,
    search,
    sources,
    stats,
    subscriptions,
)
from handlers.common import CLOCK, RUNTIME
from handlers.errors import on_error
from handlers.gate import gate
from handlers.membership import migrated, my_membership
from handlers.ordering import PerSenderOrder

log = logging.getLogger("casebot.bot")

PRIVATE_COMMANDS = [
    BotCommand("search", "搜索文章，如 /search 党建引领 集体经济"),
    BotCommand("case", "搜索典型案例，如 /case 地区:赤峰"),
    BotCommand("stats", "按地区统计报道和案例，如 /stats 赤峰"),
    BotCommand("help", "搜索语法和全部命令"),
    BotCommand("start", "开始使用"),
    BotCommand("digest", "昨天的文章摘要，如 /digest 2024-07-01 地区:赤峰"),
    BotCommand("export", "导出 Word 文件：案例汇编、简报、统计表，如 /export 案例 地区:赤峰"),
    BotCommand("subscribe", "订阅每日摘要，如 /subscribe 时间 08:30 主题:基层治理"),
    BotCommand("subscriptions", "管理摘要订阅"),
    BotCommand("unsubscribe", "取消摘要订阅"),
]
GROUP_COMMANDS = [c for c in PRIVATE_COMMANDS if c.command != "start"]
ADMIN_COMMANDS = [
    *PRIVATE_COMMANDS,
    BotCommand("admin", "管理可使用的人员、群组和频道"),
    BotCommand("channels", "频道设置"),
    BotCommand("reindex", "重新抽取地区、案例和数字"),
    BotCommand("sources", "新闻来源：自动抓取的网站，如 /sources add 网址"),
    BotCommand("article", "更正或删除文章，如 /article 12 日期 2024-06-28"),
]
NEW = filters.UpdateType.MESSAGE  # new messages, not edits of earlier ones
FLOOD_RETRIES = 3  # RetryAfter from Telegram: wait as told and resend, this many times
CONCURRENT_UPDATES = 32  # updates handled at once (PerSenderOrder keeps each sender's in order)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    background: bool = True,
    clock: Callable[[], datetime] | None = None,
) -> Application:
    """The bot for `settings`; `request` replaces the HTTP transport (the console's).
    With `background`, uploads and /reindex run beside other updates. `clock` replaces the
    time digests are scheduled by and statistics count up to (tests)."""
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "0:console")
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_api_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo(settings.timezone)))
        .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
        # Updates are handled side by side (each sender's in order): a chart drawn in a
        # thread or a slow upload must not hold up everyone else. The console keeps order.
        .concurrent_updates(PerSenderOrder(CONCURRENT_UPDATES) if background else False)
        .post_init(_opener(settings))
        .post_shutdown(_close)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data[CLOCK] = clock
    register(app, background=background)
    return app


def register(app: Application, *, background: bool = True) -> None:
    # Group -1: the gate sees every update first and raises ApplicationHandlerStop for
    # outsiders, so no handler below ever runs for them.
    app.add_handler(TypeHandler(Update, gate), group=-1)

    # Group 0, first match wins, so specific handlers come before catch-alls.
    # The bot joining or leaving a chat (the gate lets these through to decide here).
    app.add_handler(ChatMemberHandler(my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))

    # Commands for everyone; CommandHandler also takes /search@botname in groups and
    # ignores commands addressed to other bots. A question edited after it was asked
    # (a typo in /search 赤锋) is answered again; commands that change something act on new
    # messages only (NEW), so editing /subscribe 时间 07:00 into 08:00 or /admin add into
    # /admin admin changes nothing.
    app.add_handler(CommandHandler("start", basic.start))
    app.add_handler(CommandHandler("help", basic.help_command))
    app.add_handler(CommandHandler("search", search.search_command))
    app.add_handler(CommandHandler("case", search.case_command))
    app.add_handler(CommandHandler("stats", stats.stats_command))
    app.add_handler(CommandHandler("export", export.export_command))

    # Digests and subscriptions (group subscriptions check the group's admins themselves).
    app.add_handler(CommandHandler("digest", delivery.digest_command))
    app.add_handler(CommandHandler("subscribe", subscriptions.subscribe_command, NEW))
    app.add_handler(CommandHandler("subscriptions", subscriptions.subscriptions_command, NEW))
    app.add_handler(CommandHandler("unsubscribe", subscriptions.unsubscribe_command, NEW))

    # Admin commands check the role themselves so staff get a refusal, not silence.
    # Long jobs (reindex, uploads) don't block: searches are answered meanwhile.
    app.add_handler(CommandHandler("reindex", admin.reindex_command, NEW, block=not background))
    app.add_handler(CommandHandler("admin", admin.admin_command, NEW))
    app.add_handler(CommandHandler("channels", admin.channels_command, NEW))
    app.add_handler(CommandHandler("sources", sources.sources_command, NEW, block=not background))
    app.add_handler(CommandHandler("article", articles.article_command, NEW))
    app.add_handler(
        MessageHandler(
            NEW & filters.ChatType.PRIVATE & filters.Document.ALL,
            admin.upload,
            block=not background,
        )
    )

    # Buttons, by the kind of link they carry (see bot.chat.links): a forged or outdated
    # one matches none of these and is answered by noop_button.
    buttons = [
        (search.page_button, links.SearchPage),
        (search.hint_button, links.PageHint),
        (search.open_button, links.OpenArticle),
        (search.read_on_button, links.ReadOn),
        (search.similar_button, links.SimilarArticles),
        (admin.channel_button, links.ChannelSetting),
        (stats.stats_button, links.StatsPlace),
        (stats.stats_csv_button, links.StatsCsv),
        (subscriptions.subscription_button, links.SubscriptionAction),
    ]
    for callback, kind in buttons:
        app.add_handler(CallbackQueryHandler(callback, pattern=links.pattern(kind)))
    # A source's poll-now may take a while: it runs beside other updates.
    for callback, kind in (
        (sources.source_button, links.SourceAction),
        (sources.new_source_button, links.NewSource),
    ):
        pattern = links.pattern(kind)
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern, block=not background))
    app.add_handler(CallbackQueryHandler(search.noop_button))

    app.add_handler(InlineQueryHandler(search.inline_query))

    # Links in a private chat: an admin's are ingested, anyone else's are a search.
    app.add_handler(
        MessageHandler(
            NEW
            & filters.ChatType.PRIVATE
            & filters.TEXT
            & ~filters.COMMAND
            & filters.Regex("https?://"),
            sources.links_message,
            block=not background,
        )
    )
    # Last: any other text in a private chat is a search, an unknown command gets help.
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, search.text_message
        )
    )
    edited = filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE & filters.COMMAND
    app.add_handler(MessageHandler(edited, basic.edited_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, basic.unknown))

    app.add_error_handler(on_error)


def _opener(settings: Settings) -> Callable[[Application], Coroutine[Any, Any, None]]:
    async def open_runtime(app: Application) -> None:
        rt = await Runtime.open(settings)
        app.bot_data[RUNTIME] = rt
        await forget_old_queries(rt.store)
        await warm_up(rt.store)
        await publish_commands(app, settings)
        await sources.start_sources(app)
        await delivery.start_digests(app)

    return open_runtime


async def _close(app: Application) -> None:
    stop_drawer()
    await sources.stop_sources(app)
    rt: Runtime | None = app.bot_data.pop(RUNTIME, None)
    if rt is not None:
        await rt.close()


async def publish_commands(app: Application, settings: Settings) -> None:
    """The command menus Telegram shows, per scope; admins see theirs in private."""
    scopes = [
        (PRIVATE_COMMANDS, BotCommandScopeAllPrivateChats()),
        (GROUP_COMMANDS, BotCommandScopeAllGroupChats()),
        (GROUP_COMMANDS, BotCommandScopeAllChatAdministrators()),
        *((ADMIN_COMMANDS, BotCommandScopeChat(admin)) for admin in settings.admin_ids),
    ]
    for commands, scope in scopes:
        try:
            await app.bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:
            # An admin who never opened a chat with the bot: their menu comes later.
            log.warning("Could not set the command menu for %s: %s", scope.type, exc)


def webhook_options(settings: Settings) -> dict[str, Any]:
    """How the webhook server listens and what URL Telegram is told to call."""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "secret_token": settings.webhook_secret or None,
        "webhook_url": f"{settings.webhook_url.rstrip('/')}/{settings.webhook_path}",
        "allowed_updates": Update.ALL_TYPES,
    }


def run_bot(settings: Settings) -> int:
    """Serve Telegram until interrupted: a webhook when a public URL is set, else polling."""
    app = build_application(settings)
    start_drawer()
    try:
        if settings.webhook_url:
            app.run_webhook(**webhook_options(settings))
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        print(
            "错误：Telegram 不接受此令牌（TELEGRAM_BOT_TOKEN），请向 @BotFather 核对。",
            file=sys.stderr,
        )
        return 2
    except NetworkError as exc:  # at start-up; once running, PTB retries by itself
        print(f"错误：无法连接 Telegram（{settings.bot_api_url}）：{exc}", file=sys.stderr)
        return 2
    return 0
