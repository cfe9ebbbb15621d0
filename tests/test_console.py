"""`casebot run` without a token: the console chat, driven through stdin in a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import docx
from PIL import Image

from tests.botkit import seeded_copy
from tests.conftest import ROOT, SEEDS


def console(db: Path, *lines: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--db", str(db)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_a_fresh_machine_chats_with_the_bundled_corpus(tmp_path: Path) -> None:
    out = console(
        tmp_path / "fresh.db",
        "/search 党建联合体",
        "1",  # the first result's button: open the article
        "@casebot 养老",  # inline mode
        "1",  # pick the first citation
        "9999",  # no such button
        ":quit",
    )
    assert "已导入示例语料" in out
    assert "共 3 篇文章" in out
    assert "[1] 1. " in out  # buttons are a numbered list
    assert "—— 全文 ——" in out and "[1] 相近文章和案例" in out
    assert "（已插入）《家门口构筑“15分钟养老服务圈”》" in out
    assert "没有编号为 9999 的按钮" in out
    assert "<b>" not in out  # HTML is shown as text, not as markup
    assert out.rstrip().endswith("再见。")


def test_the_console_user_is_an_admin_who_can_upload(tmp_path: Path) -> None:
    seed = next(s for s in SEEDS if s.name.startswith("004"))
    out = console(
        tmp_path / "c.db",
        ":file " + str(seed),
        ":file " + str(tmp_path / "missing.txt"),
        "/admin",
        "/nonsense",
    )  # no :quit: the end of input ends the chat too
    assert "已导入“" in out and "文件中的文章都已在库中" in out  # the bundled copy came first
    assert "找不到文件" in out
    assert "管理员" in out and "10000" in out
    assert "未知命令" in out


def test_pictures_and_files_the_bot_sends_are_saved(seeded_file: Path, tmp_path: Path) -> None:
    db = seeded_copy(seeded_file, tmp_path)
    out = console(
        db,
        "/stats 时间:2024-07",
        "/export 案例 地区:赤峰",
        "/stats 时间:2024-07",  # the same picture again: saved beside the first
        ":quit",
    )
    saved = [Path(p) for p in re.findall(r"已保存：(\S+)", out)]
    assert len(saved) == 3
    folder = tmp_path / "console-files"
    assert all(p.parent == folder and p.is_file() for p in saved)
    first, document, second = saved
    assert re.fullmatch(r"stats-\d{4}-\d{2}-\d{2}\.png", first.name)
    assert second.name == f"{first.stem}-2.png"
    assert Image.open(first).format == "PNG" and first.read_bytes() == second.read_bytes()
    assert re.fullmatch(r"典型案例汇编_赤峰市_\d{4}-\d{2}-\d{2}\.docx", document.name)
    assert docx.Document(str(document)).paragraphs[4].text == "赤峰市典型案例汇编"
    assert "全区 · 2024-07-01 至 2024-07-31" in out  # the caption is printed with the picture
    assert "[图表]" not in out and "[文件]" not in out


def test_page_buttons_at_either_end_say_why_they_do_nothing(tmp_path: Path) -> None:
    out = console(
        tmp_path / "p.db",
        "/search 党建",  # more than a page: buttons 1-5 open, 6 ◀, 7 the counter, 8 ▶
        "6",
        "7",
        ":quit",
    )
    assert "[6] ◀" in out and "[8] ▶" in out
    assert "【提示】已经是第一页。" in out
    assert "【提示】当前页 / 总页数" in out


def test_a_file_with_a_chinese_name_is_uploaded(tmp_path: Path) -> None:
    # Staff name nearly every file in Chinese; the download URL carries it percent-encoded.
    page = tmp_path / "2024-07-01_科左中旗嘎查.txt"
    page.write_text("科左中旗嘎查党支部\n\n" + "科尔沁左翼中旗某嘎查党支部带领牧民发展合作社。" * 8)
    out = console(tmp_path / "c.db", ":file " + str(page))
    assert "已导入“2024-07-01_科左中旗嘎查.txt”" in out, out
    assert "出错" not in out and "已通知管理员" not in out


def test_the_demo_pages_carry_their_publication_dates(tmp_path: Path) -> None:
    # Seeded under the day of ingest, the first digest and every comparison were empty.
    out = console(tmp_path / "demo.db", "/digest 2024-07-01", "/stats 时间:2021-06")
    assert "示例报道的发表日期：2021-05-31、" in out
    digest = out.split("/digest 2024-07-01", 2)[2]
    assert "党建日报 2024-07-01" in digest and "共 1 篇文章" in digest
    assert "党建领航风帆劲" in digest
    stats = out.split("/stats 时间:2021-06", 2)[2]
    assert "文章 6 篇（上期 7，-1）" in stats
