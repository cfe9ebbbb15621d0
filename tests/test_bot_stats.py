"""/stats in the real bot against the strict Bot API peer: charts as photos with captions
Telegram accepts, drill-down and back, opening an article, CSV export, unknown places."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

import handlers.stats
from tests.botkit import (
    ADMIN,
    STAFF,
    TOKEN,
    assert_no_errors,
    bot_settings,
    running_bot,
)
from tests.peers.strict_api import Call, StrictBotApi

BACKENDS = ("sqlite", "postgresql")  # the bot on either store


@pytest.fixture
async def api() -> AsyncIterator[StrictBotApi]:
    async with StrictBotApi(token=TOKEN) as peer:
        peer.add_chat({"id": ADMIN, "type": "private", "first_name": "管理员"})
        yield peer
        refused = [c for c in peer.calls if not c.ok and c.error.startswith("Bad Request")]
        assert not refused, refused


@pytest.fixture
def db(seeded_target: Path | str) -> Path | str:
    return seeded_target


def to_staff(call: Call) -> bool:
    return int(call.params.get("chat_id", 0)) == STAFF


def buttons(message: dict) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data", "") for row in rows for b in row}


def with_buttons(api: StrictBotApi) -> dict:
    """The bot's newest message to the user that carries buttons."""
    return next(m for m in reversed(api.sent[STAFF]) if "reply_markup" in m)


def text_of(message: dict) -> str:
    return message.get("caption") or message.get("text", "")


async def test_stats_drill_down_and_back_up_with_charts(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("/stats 时间:2024-07", user_id=STAFF)
        [photo] = await api.wait_for("sendPhoto", to_staff)
        image = Image.open(io.BytesIO(photo.params["photo"].content))
        assert image.format == "PNG"
        region = with_buttons(api)
        assert "全区 · 2024-07-01 至 2024-07-31" in text_of(region)
        assert "该时段未见报道：乌海市、兴安盟" in text_of(region)
        offered = buttons(region)
        assert "鄂尔多斯市 3/8" in offered and "导出 CSV" in offered

        api.callback(offered["鄂尔多斯市 3/8"], user_id=STAFF, message=region)
        await api.wait_for("sendPhoto", to_staff, count=2)
        prefecture = with_buttons(api)
        assert "鄂尔多斯市 · 2024-07-01 至 2024-07-31" in text_of(prefecture)
        assert "按旗县区：" in text_of(prefecture)
        offered = buttons(prefecture)
        assert "⬆ 返回全区" in offered

        api.callback(offered["杭锦旗 2/6"], user_id=STAFF, message=prefecture)
        await api.wait_for("sendPhoto", to_staff, count=3)
        county = with_buttons(api)
        assert "鄂尔多斯市 › 杭锦旗" in text_of(county)
        offered = buttons(county)
        assert "⬆ 返回鄂尔多斯市" in offered
        article = next(data for label, data in offered.items() if label.startswith("📄 1."))
        assert article.startswith("art:")

        api.callback(offered["⬆ 返回鄂尔多斯市"], user_id=STAFF, message=county)
        await api.wait_for("sendPhoto", to_staff, count=4)
        assert "鄂尔多斯市 · 2024-07-01" in text_of(with_buttons(api))

        api.callback(article, user_id=STAFF, message=county)
        await api.wait_for("sendMessage", lambda c: to_staff(c) and "相近文章" in str(c.params))

        api.callback(offered["导出 CSV"], user_id=STAFF, message=county)
        [document] = await api.wait_for("sendDocument", to_staff)
    upload = document.params["document"]
    assert upload.file_name == "统计_杭锦旗_2024-07-01_2024-07-31.csv"
    assert upload.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(upload.content.decode("utf-8-sig"))))
    assert rows[0] == ["地区", "代码", "文章数", "案例数", "上期文章数"]
    assert rows[-1][:2] == ["杭锦旗", "150625"]
    assert_no_errors(caplog)


async def test_stats_for_an_unknown_place_or_an_empty_period(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("/stats 锡林浩特旗盟", user_id=STAFF)
        [unknown] = await api.wait_for("sendMessage", to_staff)
        api.user_message("/stats 赤峰 时间:2023", user_id=STAFF)
        [_, empty] = await api.wait_for("sendMessage", to_staff, count=2)
    assert "未找到地区“锡林浩特旗盟”" in unknown.params["text"]
    assert "您是不是要找：" in unknown.params["text"] and "锡林浩特市" in unknown.params["text"]
    assert "该时段未见报道。" in empty.params["text"]
    assert not [c for c in api.calls if c.method == "sendPhoto"]  # no chart of nothing
    assert_no_errors(caplog)


async def test_a_text_too_long_for_a_caption_follows_the_chart(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The seeds' statistics fit in a caption; a lower limit takes the other path.
    monkeypatch.setattr(handlers.stats, "CAPTION_LIMIT", 200)
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("/stats 时间:2024-07", user_id=STAFF)
        [photo] = await api.wait_for("sendPhoto", to_staff)
        [text] = await api.wait_for("sendMessage", to_staff)
        assert "caption" not in photo.params and "reply_markup" not in photo.params
        assert "全区 · 2024-07-01 至 2024-07-31" in text.params["text"]
        api.callback(buttons(text.result)["赤峰市 1/5"], user_id=STAFF, message=text.result)
        await api.wait_for("sendMessage", lambda c: "赤峰市 · 2024-07-01" in c.params["text"])
    assert_no_errors(caplog)


async def test_help_states_the_counting_rules(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(db, api.base_url)):
        api.user_message("/help", user_id=STAFF)
        [help_message] = await api.wait_for("sendMessage", to_staff)
    text = help_message.params["text"]
    assert "/stats" in text and "统计口径" in text
    assert "近似重复的转载只计一次" in text and "区外地名一律不计" in text
    assert_no_errors(caplog)
