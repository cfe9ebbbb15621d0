"""/export in the real bot against the strict Bot API peer: Word files as documents,
usage and Chinese refusals, and the 50 MB limit on what a bot may send."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest

import handlers.export
from tests import test_bot_stats
from tests.botkit import STAFF, assert_no_errors, bot_settings, running_bot
from tests.peers.strict_api import StrictBotApi

# The strict peer (refusing nothing the bot sent), a copy of the seeded library, and the
# filter for what reached the staffer: as for /stats.
api, db, to_staff = test_bot_stats.api, test_bot_stats.db, test_bot_stats.to_staff


async def test_export_sends_word_files(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url, issuing_unit="测试旗委宣传部")):
        api.user_message("/export 案例 地区:赤峰", user_id=STAFF)
        [cases] = await api.wait_for("sendDocument", to_staff)
        api.user_message("/export 简报 2024-07-01", user_id=STAFF)
        await api.wait_for("sendDocument", to_staff, count=2)
        api.user_message("/export 统计 时间:2024-07", user_id=STAFF)
        *_, stats = await api.wait_for("sendDocument", to_staff, count=3)
    upload = cases.params["document"]
    assert re.fullmatch(r"典型案例汇编_赤峰市_\d{4}-\d{2}-\d{2}\.docx", upload.file_name)
    assert cases.params["caption"].startswith("赤峰市典型案例汇编：5 个案例")
    document = docx.Document(io.BytesIO(upload.content))
    assert document.paragraphs[4].text == "赤峰市典型案例汇编"
    assert "测试旗委宣传部" in [p.text for p in document.paragraphs]
    sources = [p.text for p in document.paragraphs if p.style.name == "Source Line"]
    assert len(sources) == 5 and all(s.startswith("来源：") for s in sources)
    table = docx.Document(io.BytesIO(stats.params["document"].content)).tables[0]
    assert [c.text for c in table.rows[-1].cells][:1] == ["全区"]
    assert [c.method for c in api.calls].count("sendChatAction") == 3
    assert_no_errors(caplog)


async def test_export_explains_itself_and_refuses_in_chinese(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("/export", user_id=STAFF)
        api.user_message("/export 案例 地区:火星", user_id=STAFF)
        api.user_message("/export 简报 2023-01-01", user_id=STAFF)
        usage, unknown, empty = await api.wait_for("sendMessage", to_staff, count=3)
    assert "/export 案例" in usage.params["text"] and "/export 简报" in usage.params["text"]
    assert "未找到地区“火星”" in unknown.params["text"]
    assert "2023年1月1日没有符合条件的文章" in empty.params["text"]
    assert not [c for c in api.calls if c.method == "sendDocument"]
    assert_no_errors(caplog)


async def test_a_file_over_telegrams_limit_is_not_sent(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real 50 MB compilation needs a library of thousands of cases; a lower limit takes
    # the same path.
    monkeypatch.setattr(handlers.export, "UPLOAD_LIMIT", 10_000)
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("/export 案例", user_id=STAFF)
        [refusal] = await api.wait_for("sendMessage", to_staff)
    assert "超过 Telegram 允许机器人发送的 50 MB 上限" in refusal.params["text"]
    assert not [c for c in api.calls if c.method == "sendDocument"]
    assert_no_errors(caplog)
