"""News sources in Telegram: links admins send, /sources with its buttons (SourceAction and
NewSource links), and the polling jobs. The work is bot.sources'; this module only talks."""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import LinkPreviewOptions, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes

from bot.chat.links import NewSource, SourceAction
from bot.chat.reply import Button, plain
from bot.config import Settings
from bot.runtime import Runtime
from bot.sources.poll import PollReport
from bot.sources.render import (
    paused_html,
    poll_text,
    preview_html,
    sources_page_of,
    sources_replies,
    stored_html,
)
from bot.sources.runner import SourcesRunner, parse_add, urls_in
from bot.sources.service import (
    SOURCE_GONE,
    SourceSpec,
    change_source,
    health,
    held_source,
    hold_source,
    preview,
    save_source,
)
from bot.store import StoreError
from handlers.common import RUNTIME, clock, edit, keyboard, pressed, reply, runtime
from handlers.search import text_message

RUNNER = "sources_runner"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
POLL_EVERY = timedelta(minutes=5)  # how often due sources are looked for
ADMINS_ONLY = "只有管理员可以管理新闻来源。"


def runner_of(app: Application) -> SourcesRunner:
    return app.bot_data[RUNNER]


async def start_sources(app: Application) -> None:
    """Open the runner and schedule the polls: due sources every few minutes, and all of
    them once each morning (the digests wait for that one, see before_digest)."""
    rt: Runtime = app.bot_data[RUNTIME]
    app.bot_data[RUNNER] = SourcesRunner(rt.store, rt.settings, clock(app))
    assert app.job_queue
    app.job_queue.run_repeating(_poll_job, POLL_EVERY, first=POLL_EVERY, name="sources poll")
    app.job_queue.run_daily(_morning_job, morning_time(rt.settings), name="sources morning poll")


def morning_time(settings: Settings) -> time:
    """sources_lead_min before the default digest time, in the bot's timezone."""
    digest_at = datetime.combine(date(2000, 1, 3), time.fromisoformat(settings.digest_time))
    at = (digest_at - timedelta(minutes=settings.sources_lead_min)).time()
    return at.replace(tzinfo=ZoneInfo(settings.timezone))


async def _morning_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await before_digest(context.application)


async def stop_sources(app: Application) -> None:
    runner: SourcesRunner | None = app.bot_data.pop(RUNNER, None)
    if runner is not None:
        await runner.close()


async def before_digest(app: Application) -> None:
    """The morning poll, run (or waited for) before the day's first digest round."""
    if RUNNER in app.bot_data:
        report = await runner_of(app).morning_poll()
        if report:
            await _tell_admins(app, report)


async def _poll_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await _tell_admins(context.application, await runner_of(context.application).poll_due())


async def _tell_admins(app: Application, report: PollReport) -> None:
    """Each source a poll paused is reported to every admin, once (it is not polled
    again until resumed)."""
    if not report.paused:
        return
    access = app.bot_data[RUNTIME].access
    admins = [m["id"] for m in (await access.listing())["admins"]]
    failures = access.settings.sources_max_failures
    for polled in report.paused:
        text = paused_html(polled.name, polled.source_id, polled.error, failures)
        for admin in admins:
            try:
                await app.bot.send_message(admin, text)
            except TelegramError:  # an admin who never opened a chat with the bot
                continue


async def links_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Links an admin sends are ingested; from anyone else the text is a search."""
    message, user = update.effective_message, update.effective_user
    assert message and user
    rt = runtime(context)
    urls = urls_in(message.text or "")
    if not urls or not await rt.access.is_admin(user.id):
        await text_message(update, context)
        return
    await message.reply_chat_action("typing")
    try:
        found = await runner_of(context.application).ingest_links(urls)
    except StoreError as exc:  # e.g. the disk is full: what was stored before is intact
        await message.reply_text(f"❌ 未能导入：{html.escape(str(exc))}")
        return
    await rt.access.audit(
        user.id, message.chat_id, "ingest links", "；".join(f"{s.outcome} {s.url}" for s in found)
    )
    await message.reply_text(stored_html(found), link_preview_options=NO_PREVIEW)


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user = update.effective_message, update.effective_user
    assert message and user
    if not await runtime(context).access.is_admin(user.id):
        await reply(message, [plain(ADMINS_ONLY)])
        return
    args = context.args or []
    if args and args[0] in ("add", "添加"):
        await _add(message, context, args[1:])
        return
    rt = runtime(context)
    found = await health(rt.store, clock(context.application)())
    await reply(message, sources_replies(found, rt.settings.timezone))


async def _refresh(message: Message, context: ContextTypes.DEFAULT_TYPE, source_id: int) -> None:
    """The /sources message a button was pressed on, as it reads now."""
    rt = runtime(context)
    found = await health(rt.store, clock(context.application)())
    try:
        await edit(message, sources_page_of(found, rt.settings.timezone, source_id))
    except BadRequest as exc:  # nothing changed (a poll that found nothing new, a double tap)
        if "not modified" not in exc.message:
            raise


async def _add(message: Message, context: ContextTypes.DEFAULT_TYPE, args: list[str]) -> None:
    parsed = parse_add(args)
    if isinstance(parsed, str):
        await reply(message, [plain(parsed)])
        return
    url, kind, selectors = parsed
    await message.reply_chat_action("typing")
    found = await preview(runner_of(context.application).poller, url, kind, selectors)
    if found.error:
        await message.reply_text(f"{preview_html(found)}\n❌ 试抓失败，未添加。")
        return
    rt = runtime(context)
    interval = rt.settings.sources_interval_min
    spec = SourceSpec(found.name or url, found.kind, url, selectors, interval, True)
    key = await hold_source(rt.store, spec, clock(context.application)())
    buttons = ((Button("✅ 保存", NewSource("add", key)), Button("取消", NewSource("drop", key))),)
    await message.reply_text(
        f"{preview_html(found)}\n确认后保存为新闻来源，按间隔自动抓取。",
        reply_markup=keyboard(buttons),
    )


async def _admin_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True if an admin pressed the button; anyone else is told it is not theirs."""
    query = update.callback_query
    assert query
    if await runtime(context).access.is_admin(query.from_user.id):
        return True
    await query.answer(ADMINS_ONLY, show_alert=True)
    return False


async def source_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query
    if not await _admin_pressed(update, context):
        return
    link = pressed(update, SourceAction)
    source_id, action = link.source_id, link.action
    if action == "poll":  # answered at once: a poll may take longer than a button waits
        await query.answer("正在抓取……")
        report = await runner_of(context.application).poll_one(source_id)
        await context.bot.send_message(
            query.from_user.id, poll_text(report) if report else SOURCE_GONE
        )
        if report:
            await _tell_admins(context.application, report)
        return
    rt = runtime(context)
    await query.answer(await change_source(rt.store, rt.access, query.from_user.id, link))
    if isinstance(query.message, Message):
        await _refresh(query.message, context, source_id)


async def new_source_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query
    if not await _admin_pressed(update, context):
        return
    link = pressed(update, NewSource)
    what, key = link.what, link.key
    rt = runtime(context)
    spec = await held_source(rt.store, key)
    if spec is None:
        await query.answer("已过期，请重新发送 /sources add。", show_alert=True)
        return
    if what == "drop":
        await query.answer("已取消。")
        await query.edit_message_reply_markup(None)
        return
    at = clock(context.application)()
    new_id = await save_source(rt.store, rt.access, query.from_user.id, spec, at)
    await query.answer("已保存。" if new_id else "该来源已存在。")
    if new_id and isinstance(query.message, Message):
        await _refresh(query.message, context, new_id)
    elif new_id is None:
        await query.edit_message_reply_markup(None)
