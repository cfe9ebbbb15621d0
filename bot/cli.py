"""The `casebot` command line: one subcommand per job, `--json` on every read command."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tqdm import tqdm

from bot import render
from bot.chat.digest import filter_problem
from bot.config import Settings, load_settings
from bot.digest import Digest, build_digest, digest_json, digest_period
from bot.edit import (
    Correction,
    EditError,
    correct_article,
    delete_articles,
    merge_articles,
    split_article,
)
from bot.export import (
    ExportError,
    ExportFile,
    Issuer,
    cases_document,
    digest_document,
    stats_export,
)
from bot.extract.topics import get_taxonomy
from bot.ingest.pipeline import expand_paths, ingest_paths
from bot.ingest.reindex import reindex
from bot.library import UnknownPlace, article_detail, find_cases
from bot.names import has_undecodable
from bot.search import more_like_this, search
from bot.sources import render as sources_render
from bot.sources.model import KINDS, SELECTOR_HELP
from bot.sources.poll import Poller, PollReport
from bot.sources.service import SourceSpec, health, load_specs, open_poller, preview
from bot.stats import Stats, StatsError, stats_csv, stats_for, stats_json
from bot.store import Store, StoreError, database_errors
from bot.store import sources as db_sources
from bot.store.sources import Selectors
from bot.values import ValueProblem, is_database_url, parse_day, parse_id, redacted


def _day(value: str) -> str:
    try:
        return parse_day(value).isoformat()
    except ValueProblem as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive(value: str) -> int:
    try:
        number = parse_id(value)
    except ValueProblem:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"应为不超过 19 位的正整数：{value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        help="SQLite 数据库文件，或 PostgreSQL 地址 postgresql://…"
        "（默认取配置或环境变量 CASEBOT_DB、CASEBOT_DB_URL）",
    )
    common.add_argument("--config", type=Path, help="TOML 配置文件")

    parser = argparse.ArgumentParser(
        prog="casebot", description="党建典型案例库：导入、检索、案例。"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", parents=[common], help="导入文件或文件夹（txt/md/docx/pdf/html）")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--date", type=_day, help="文章日期 YYYY-MM-DD（默认取文件名或元数据中的日期）")
    p.add_argument("--source", help="来源名称，如报纸名")
    p.add_argument(
        "--no-extract", action="store_true",
        help="暂不抽取地区、案例和数据（大批量导入更快），之后用 casebot reindex 补上",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("articles", parents=[common], help="列出库中全部文章")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("search", parents=[common], help="检索文章")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--limit", type=_positive, default=10, help="返回条数（默认 10）")
    p.add_argument("--offset", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("similar", parents=[common], help="与某篇文章相近的文章和案例")
    p.add_argument("article_id", type=_positive, metavar="ARTICLE_ID")
    p.add_argument("--limit", type=_positive, default=5, help="返回条数（默认 5）")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("show", parents=[common], help="查看一篇文章及其地点、案例、数字、主题")
    p.add_argument("article_id", type=_positive, metavar="ARTICLE_ID")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("cases", parents=[common], help="列出典型案例")
    p.add_argument("--place", help="地点（盟市、旗县区、苏木乡镇，含下级），如 赤峰")
    p.add_argument("--topic", help="主题，如 乡村振兴与集体经济")
    p.add_argument("--limit", type=_positive, default=50, help="返回条数（默认 50）")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("stats", parents=[common], help="按地区统计文章和案例（默认近30天）")
    p.add_argument("query", nargs="*", metavar="PLACE", help="地区（可省略）、时间:…、主题:…")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--csv", action="store_true", help="输出 CSV（UTF-8 带 BOM，Excel 可直接打开）")

    p = sub.add_parser(
        "digest", parents=[common], help="某天（按发表日期）的文章摘要，按盟市、主题分组"
    )
    p.add_argument("filters", nargs="*", metavar="FILTER", help="地区:… 主题:… 关键词")
    p.add_argument("--date", type=_day, help="日期 YYYY-MM-DD（默认昨天）")
    p.add_argument("--week", action="store_true", help="该日期所在一周（周一至周日）的周报")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser(
        "export", help="导出 Word 文件（党政机关公文格式）：典型案例汇编、简报、统计表"
    )
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    k = kinds.add_parser("cases", parents=[common], help="典型案例汇编（按盟市分部分，带目录）")
    k.add_argument("filters", nargs="*", metavar="FILTER", help="地区:… 主题:… 时间:… 关键词")
    k = kinds.add_parser("digest", parents=[common], help="简报：某天或某周的文章摘要")
    k.add_argument("filters", nargs="*", metavar="FILTER", help="地区:… 主题:… 关键词")
    k.add_argument("--date", type=_day, help="日期 YYYY-MM-DD（默认昨天）")
    k.add_argument("--week", action="store_true", help="该日期所在一周（周一至周日）的周报")
    k = kinds.add_parser("stats", parents=[common], help="统计表（默认近30天），附图表和地图")
    k.add_argument("query", nargs="*", metavar="PLACE", help="地区（可省略）、时间:…、主题:…")
    for k in kinds.choices.values():
        k.add_argument("--docx", type=Path, required=True, metavar="FILE", help="写入的 .docx 文件")
        k.add_argument("--json", action="store_true", help="输出 JSON（文件路径、名称、说明）")

    p = sub.add_parser(
        "reindex", parents=[common], help="重新抽取已入库文章的地点、案例、数字和主题"
    )
    p.add_argument("--all", action="store_true", help="全部重新抽取（默认只处理旧版本抽取的文章）")

    p = sub.add_parser(
        "run",
        parents=[common],
        help="运行 Telegram 机器人（设置 TELEGRAM_BOT_TOKEN）；未设置时打开本地控制台聊天",
    )
    p.add_argument("--console", action="store_true", help="即使设置了令牌，也打开本地控制台聊天")

    sub.add_parser("config", parents=[common], help="列出全部设置及说明")
    _source_parsers(sub, common)

    p = sub.add_parser("edit", parents=[common], help="更正文章的日期、标题或主要地点")
    p.add_argument("article_id", type=_positive, metavar="ARTICLE_ID")
    p.add_argument("--date", type=_day, help="发表日期 YYYY-MM-DD")
    p.add_argument("--title", help="标题")
    p.add_argument(
        "--place", nargs="+", metavar="PLACE", help="主要地点（名称或代码，最具体的一级为准）"
    )
    p = sub.add_parser(
        "merge", parents=[common], help="把被拆开的报道合并：OTHER 的正文接在 ARTICLE_ID 之后"
    )
    p.add_argument("article_id", type=_positive, metavar="ARTICLE_ID")
    p.add_argument("other_id", type=_positive, metavar="OTHER_ID")
    p = sub.add_parser(
        "split", parents=[common], help="把误合为一篇的两篇报道拆开：从 AT 段起为新文章"
    )
    p.add_argument("article_id", type=_positive, metavar="ARTICLE_ID")
    p.add_argument("at", metavar="AT", help="新文章开始的段号（从 1 数起）或该段中的文字")
    p.add_argument("--title", help="新文章的标题（默认：该段若是标题即用它）")
    p = sub.add_parser("delete", parents=[common], help="删除文章（连同其近似重复报道）")
    p.add_argument("article_ids", nargs="+", type=_positive, metavar="ARTICLE_ID")
    return parser


def _source_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    chosen = argparse.ArgumentParser(add_help=False)
    chosen.add_argument("--kind", choices=KINDS, help="类型（默认按内容判断）")
    for name, what in SELECTOR_HELP.items():
        chosen.add_argument(f"--{name}", metavar="CSS", help=what)

    p = sub.add_parser("sources", parents=[common], help="新闻来源：列出、添加、删除、试抓")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("list", parents=[common], help="列出来源及其状态")
    q.add_argument("--json", action="store_true", help="输出 JSON")
    q = actions.add_parser("add", parents=[common, chosen], help="试抓后添加来源")
    q.add_argument("url", nargs="?", metavar="URL", help="网址（电子报用 {date:%%Y%%m/%%d} 模式）")
    q.add_argument("--name", help="来源名称（默认取网页标题）")
    q.add_argument("--interval", type=_positive, metavar="MIN", help="抓取间隔（分钟）")
    q.add_argument("--file", type=Path, help="从 sources.toml 添加其中 enabled = true 的来源")
    q = actions.add_parser("remove", parents=[common], help="删除来源（已入库文章保留）")
    q.add_argument("source_id", type=_positive, metavar="ID")
    q = actions.add_parser("test", parents=[common, chosen], help="试抓：显示将会导入什么，不入库")
    q.add_argument("url", metavar="URL")
    q.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("poll", parents=[common], help="抓取到期的来源（或指定来源）并导入新文章")
    p.add_argument("--source", type=_positive, metavar="ID", help="只抓取这个来源（不论是否到期）")
    p.add_argument("--json", action="store_true", help="输出 JSON")


async def _with_store(settings: Settings, job: Callable[[Store], Awaitable[Any]]) -> Any:
    store = await Store.open(settings.database)
    try:
        return await job(store)
    finally:
        await store.close()


def _print_json(value: Any) -> None:
    """`value` as JSON; dataclasses inside it (case objects) print as their fields."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=dataclasses.asdict))


async def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    total = sum(1 for _ in expand_paths(args.paths))
    with tqdm(
        total=total, unit="文件", disable=None if total > 1 else True, file=sys.stderr
    ) as bar:
        report = await _with_store(
            settings,
            lambda store: ingest_paths(
                store,
                args.paths,
                max_bytes=int(settings.max_file_mb * 1024 * 1024),
                near_ratio=settings.near_duplicate_ratio,
                timezone=settings.timezone,
                forced_date=args.date,
                source=args.source,
                workers=settings.ingest_workers,
                extract=not args.no_extract,
                progress=bar.update,
            ),
        )
    result = report.as_json()
    _print_json(result) if args.json else print(render.ingest_text(result))
    return 0 if report.files > len(report.rejected) or not report.files else 1


async def cmd_articles(args: argparse.Namespace, settings: Settings) -> int:
    rows = await _with_store(settings, lambda store: store.list_articles())
    if args.json:
        _print_json(rows)
    else:
        print(render.articles_text(rows))
    return 0


async def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    query = " ".join(args.query)
    page = await _with_store(
        settings, lambda store: search(store, query, limit=args.limit, offset=args.offset)
    )
    if args.json:
        _print_json(render.search_json(page))
    else:
        print(render.search_text(page, color=sys.stdout.isatty(), offset=args.offset))
    return 0


async def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    detail = await _with_store(settings, lambda store: article_detail(store, args.article_id))
    if detail is None:
        print(
            f"没有编号为 #{args.article_id} 的文章。用 casebot articles 查看全部编号。",
            file=sys.stderr,
        )
        return 1
    _print_json(detail) if args.json else print(render.article_detail_text(detail))
    return 0


async def cmd_similar(args: argparse.Namespace, settings: Settings) -> int:
    found = await _with_store(
        settings, lambda store: more_like_this(store, args.article_id, limit=args.limit)
    )
    if found is None:
        print(
            f"没有编号为 #{args.article_id} 的文章。用 casebot articles 查看全部编号。",
            file=sys.stderr,
        )
        return 1
    _print_json(render.similar_json(found)) if args.json else print(render.similar_text(found))
    return 0


async def cmd_cases(args: argparse.Namespace, settings: Settings) -> int:
    if args.topic and args.topic not in get_taxonomy().names:
        known = "、".join(get_taxonomy().names)
        print(f"未知主题“{args.topic}”。可用主题：{known}", file=sys.stderr)
        return 2
    try:
        cases = await _with_store(
            settings,
            lambda store: find_cases(store, place=args.place, topic=args.topic, limit=args.limit),
        )
    except UnknownPlace as exc:
        print(str(exc), file=sys.stderr)
        return 2
    _print_json(cases) if args.json else print(render.cases_text(cases))
    return 0


async def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    try:
        found = await _with_store(
            settings, lambda store: stats_for(store, " ".join(args.query), today)
        )
    except StatsError as exc:
        near = f"您是不是要找：{'、'.join(exc.suggestions)}" if exc.suggestions else ""
        print("\n".join(x for x in (str(exc), near) if x), file=sys.stderr)
        return 2
    if args.csv:
        sys.stdout.buffer.write(stats_csv(found))
    elif args.json:
        _print_json(stats_json(found))
    else:
        print("\n".join(render.stats_lines(found)))
    return 0


async def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(ZoneInfo(settings.timezone))
    day = date.fromisoformat(args.date) if args.date else None
    first, last = digest_period(day, args.week, now.date())
    filters = " ".join(args.filters)

    async def job(store: Store) -> Digest | str:
        return filter_problem(filters) or await build_digest(store, first, last, filters)

    digest = await _with_store(settings, job)
    if isinstance(digest, str):
        print(digest, file=sys.stderr)
        return 2
    _print_json(digest_json(digest)) if args.json else print(render.digest_text(digest))
    return 0


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(ZoneInfo(settings.timezone))
    issuer = Issuer.from_settings(settings, now.date())

    async def pictures(stats: Stats) -> tuple[bytes, ...]:
        from bot.charts import stats_pictures  # matplotlib: only for the statistics

        return stats_pictures(stats)

    async def job(store: Store) -> ExportFile:
        if args.kind == "cases":
            return await cases_document(store, " ".join(args.filters), issuer)
        if args.kind == "stats":
            return await stats_export(store, " ".join(args.query), now.date(), issuer, pictures)
        day = date.fromisoformat(args.date) if args.date else None
        first, last = digest_period(day, args.week, now.date())
        return await digest_document(store, first, last, " ".join(args.filters), issuer)

    try:
        made = await _with_store(settings, job)
    except ExportError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    write_file(args.docx, made.content)
    if args.json:
        _print_json({"file": str(args.docx), "name": made.name, "summary": made.summary,
                     "bytes": len(made.content)})  # fmt: skip
    else:
        print(f"已导出：{args.docx}（{made.summary}）")
    return 0


def write_file(path: Path, content: bytes) -> None:
    """Written whole or not at all: a half-written .docx would not open."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    partial.replace(path)


async def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    with tqdm(unit="篇", disable=None, file=sys.stderr) as bar:
        done = await _with_store(
            settings,
            lambda store: reindex(
                store, everything=args.all, workers=settings.ingest_workers, progress=bar.update
            ),
        )
    print(f"已重新抽取 {done} 篇文章。" if done else "所有文章均已是最新抽取结果。")
    return 0


def _selectors(args: argparse.Namespace) -> Selectors:
    return Selectors.of({name: getattr(args, name) for name in SELECTOR_HELP})


async def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    async def job(store: Store) -> int:
        if args.action == "list":
            found = await health(store, datetime.now(UTC))
            if args.json:
                _print_json([h.as_json() for h in found])
            else:
                print(sources_render.sources_text(found, settings.timezone))
            return 0
        if args.action == "remove":
            if await db_sources.remove_source(store, args.source_id):
                print(f"已删除来源 #{args.source_id}（已入库的文章保留）。")
                return 0
            print(f"没有编号为 #{args.source_id} 的来源。", file=sys.stderr)
            return 1
        async with open_poller(store, settings) as poller:
            if args.action == "test":
                found = await preview(poller, args.url, args.kind, _selectors(args))
                _print_json(found.as_json()) if args.json else print(
                    sources_render.preview_text(found)
                )
                return 1 if found.error else 0
            return await _add_sources(args, settings, store, poller)

    try:
        return await _with_store(settings, job)
    except ValueError as exc:  # a bad selector or sources.toml entry
        print(f"错误：{exc}", file=sys.stderr)
        return 2


async def _add_sources(
    args: argparse.Namespace, settings: Settings, store: Store, poller: Poller
) -> int:
    interval = args.interval or settings.sources_interval_min
    if args.file:
        specs = [s for s in load_specs(args.file, interval) if s.enabled]
    elif args.url:
        specs = [
            SourceSpec(args.name or "", args.kind or "", args.url, _selectors(args), interval, True)
        ]
    else:
        print("请给出网址，或用 --file 指定 sources.toml。", file=sys.stderr)
        return 2
    failed = 0
    for spec in specs:
        found = await preview(poller, spec.url, spec.kind or None, spec.selectors)
        print(sources_render.preview_text(found))
        if found.error:
            failed += 1
            print("未添加：试抓失败。\n")
            continue
        at = datetime.now(UTC).isoformat(timespec="seconds")
        name = spec.name or found.name or spec.url
        new_id = await db_sources.add_source(
            store, name, found.kind, spec.url, spec.selectors, spec.interval_min, at
        )
        print(f"已添加来源 #{new_id}。\n" if new_id else "该来源已存在，未重复添加。\n")
    if not specs:
        print("文件中没有 enabled = true 的来源。")
    return 1 if failed else 0


async def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    workers = settings.ingest_workers or os.cpu_count() or 1

    async def job(store: Store) -> PollReport | None:
        async with open_poller(store, settings, workers=workers) as poller:
            if args.source is None:
                return await poller.poll_due()
            source = await db_sources.source(store, args.source)
            return None if source is None else await poller.poll([source])

    report = await _with_store(settings, job)
    if report is None:
        print(f"没有编号为 #{args.source} 的来源。", file=sys.stderr)
        return 1
    _print_json(report.as_json()) if args.json else print(sources_render.poll_text(report))
    return 0


async def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    print(
        "# casebot 的全部设置及当前值，可按此格式写入 TOML 配置文件（--config 或 CASEBOT_CONFIG）。"
    )
    print("\n\n".join(settings.listing()))
    return 0


async def _correction(settings: Settings, job: Callable[[Store], Awaitable[str]]) -> int:
    """Runs a correction (edit, merge, split, delete) and prints what it did, or why not."""
    try:
        print(await _with_store(settings, job))
    except EditError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


async def cmd_edit(args: argparse.Namespace, settings: Settings) -> int:
    fix = Correction(date=args.date, title=args.title, places=tuple(args.place or ()))
    if fix == Correction():
        print("请至少给出 --date、--title 或 --place 之一。", file=sys.stderr)
        return 2

    async def job(store: Store) -> str:
        changes = await correct_article(store, args.article_id, fix, actor=None, chat=None)
        return render.correction_text(args.article_id, changes)

    return await _correction(settings, job)


async def cmd_merge(args: argparse.Namespace, settings: Settings) -> int:
    return await _correction(
        settings,
        lambda store: merge_articles(store, args.article_id, args.other_id, actor=None, chat=None),
    )


async def cmd_split(args: argparse.Namespace, settings: Settings) -> int:
    return await _correction(
        settings,
        lambda store: split_article(
            store, args.article_id, args.at, title=args.title, actor=None, chat=None
        ),
    )


async def cmd_delete(args: argparse.Namespace, settings: Settings) -> int:
    async def job(store: Store) -> str:
        done = await delete_articles(store, args.article_ids, actor=None, chat=None)
        return render.deleted_text(done)

    return await _correction(settings, job)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], Awaitable[int]]] = {
    "ingest": cmd_ingest,
    "articles": cmd_articles,
    "search": cmd_search,
    "show": cmd_show,
    "similar": cmd_similar,
    "cases": cmd_cases,
    "stats": cmd_stats,
    "digest": cmd_digest,
    "export": cmd_export,
    "reindex": cmd_reindex,
    "config": cmd_config,
    "sources": cmd_sources,
    "poll": cmd_poll,
    "edit": cmd_edit,
    "delete": cmd_delete,
    "merge": cmd_merge,
    "split": cmd_split,
}


def _database_option(value: str | None) -> dict[str, object]:
    """--db: a PostgreSQL URL sets db_url, anything else is the SQLite file."""
    if value is None:
        return {}
    return {"db_url": value} if is_database_url(value) else {"db_path": Path(value)}


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Like parse_args, but a search word may start with "-" (葡萄 -鸵鸟 excludes 鸵鸟)."""
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "search" and all(not x.startswith("--") for x in extra):
        words = set(args.query) | set(extra)
        args.query = [x for x in argv[argv.index("search") + 1 :] if x in words]
    elif extra:
        parser.error(f"无法识别的参数：{' '.join(extra)}")
    return args


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The bot; the Telegram layer is imported only here, the rest of the CLI never needs it."""
    from handlers.app import run_bot
    from handlers.console import run_console

    if not settings.telegram_bot_token and settings.server_mode and not args.console:
        # A server (the Docker image) without a token would open the console on no input,
        # end at once and exit 0: a restart loop that looks healthy.
        print(NO_TOKEN_ON_SERVER, file=sys.stderr)
        return 2
    # An unwritable database (a host folder mounted as the volume) is said now, in Chinese.
    asyncio.run(_with_store(settings, lambda store: store.count_articles()))
    if settings.telegram_bot_token and not args.console:
        logging.getLogger().setLevel(logging.INFO)
        return run_bot(settings)
    asyncio.run(run_console(settings))
    return 0


NO_TOKEN_ON_SERVER = (
    "错误：未设置 TELEGRAM_BOT_TOKEN，机器人无法启动。"
    "请用 docker run -e TELEGRAM_BOT_TOKEN=… 传入令牌（向 @BotFather 申请）；"
    "只想在本机试用，请不用容器，直接运行 casebot run。"
)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(build_parser(), argv)
    paths = {str(p) for p in getattr(args, "paths", [])}  # a file's name may be any bytes
    if any(has_undecodable(a) for a in argv if a not in paths):
        print("错误：参数中有不是 UTF-8 编码的文字，请检查终端的字符编码设置。", file=sys.stderr)
        return 2
    try:
        settings = load_settings(args.config, **_database_option(args.db))
    except (ValueError, OSError) as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "run":
            return cmd_run(args, settings)
        return asyncio.run(COMMANDS[args.command](args, settings))
    except (StoreError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:  # a page damaged mid-file, met only when read
        print(f"错误：{StoreError.on_read(settings.db_path, exc)}", file=sys.stderr)
        return 2
    except database_errors() as exc:  # PostgreSQL's: the server went away, or refused
        print(f"错误：数据库服务器出错（{redacted(settings.db_url)}）：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。已导入的文件完整保存，重新运行即可继续。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
