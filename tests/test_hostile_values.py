"""Out-of-range dates and ids, from chat, buttons and the command line: each gets a clear
Chinese message (exit 2 on the command line), never an apology or a traceback, and what does
fail is reported to the admin chat once per kind of fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.error_reports import ReportLimiter
from bot.values import ValueProblem, parse_day, parse_hhmm, parse_id
from handlers.errors import SORRY
from tests.botkit import ADMIN, STAFF, assert_no_errors, bot_settings, running_bot, seeded_copy
from tests.conftest import casebot
from tests.peers.strict_api import StrictBotApi
from tests.test_bot_api_rules import to

HUGE = "9" * 23


@pytest.fixture
async def api() -> StrictBotApi:
    async with StrictBotApi(token="123:ABC") as peer:
        yield peer  # type: ignore[misc]


@pytest.fixture
def db(seeded_file: Path, tmp_path: Path) -> Path:
    return seeded_copy(seeded_file, tmp_path)


@pytest.mark.parametrize(
    "command",
    [
        "/stats 时间:0001",
        "/stats 时间:0000..2024 地区:赤峰",
        "/stats 时间:9999",
        "/stats 时间:1899-12..2024",
        "/digest 0000-01-01",
        "/digest 9999-12-31 每周",
        "/digest 0001-01-01",
    ],
)
async def test_dates_out_of_range_are_explained_in_chat(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    async with running_bot(bot_settings(db, api.base_url, admin_chat_id=ADMIN)):
        api.user_message(command, user_id=STAFF)
        [answer] = await api.wait_for("sendMessage", to(STAFF))
    assert "1900 至 2100" in answer.params["text"], answer.params["text"]
    assert ADMIN not in api.sent  # nothing to report
    assert_no_errors(caplog)


@pytest.mark.parametrize("command", [f"/admin add {HUGE}", "/admin add ²", "/admin admin ٣"])
async def test_admin_ids_out_of_range_are_explained(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    async with running_bot(bot_settings(db, api.base_url, admin_chat_id=-5)):
        api.user_message(command, user_id=ADMIN)
        [answer] = await api.wait_for("sendMessage", to(ADMIN))
    assert answer.params["text"] != SORRY
    assert "编号" in answer.params["text"]
    assert_no_errors(caplog)


async def test_forged_buttons_with_huge_ids_get_an_alert(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    forged = [f"art:{HUGE}", f"sim:{HUGE}", f"sub:{HUGE}:preview", f"pg:k:{HUGE}"]
    async with running_bot(bot_settings(db, api.base_url, admin_chat_id=-5)):
        api.user_message("党建", user_id=STAFF)
        [page] = await api.wait_for("sendMessage", to(STAFF))
        for data in forged:
            api.forged_callback(data, user_id=STAFF, message=page.result)
        answers = await api.wait_for("answerCallbackQuery", count=len(forged))
    for answer in answers:
        assert answer.params["show_alert"] and answer.params["text"] != SORRY
    assert_no_errors(caplog)


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "时间:0001"],
        ["stats", "时间:0000..2024", "赤峰"],
        ["digest", "--date", "9999-12-31", "--week"],
        ["digest", "--date", "0000-01-01"],
        ["show", HUGE],
        ["similar", HUGE],
        ["search", "党建", "--limit", HUGE],
    ],
)
def test_cli_refuses_out_of_range_values_with_exit_2(db: Path, args: list[str]) -> None:
    done = casebot(*args, db=db)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert any(x in done.stderr for x in ("1900 至 2100", "正整数", "日期")), done.stderr


def test_parsers_refuse_what_they_cannot_hold() -> None:
    for bad in ("25:61", "24:00", "7:5", "-1:00", "٠٧:٠٠", "", "07:00:00"):
        with pytest.raises(ValueProblem):
            parse_hhmm(bad)
    assert parse_hhmm("7：05").minute == 5
    for bad in ("0000-01-01", "9999-12-31", "2024-02-30", "2024-1-1x", "²024-01-01"):
        with pytest.raises(ValueProblem):
            parse_day(bad)
    for bad in (HUGE, "²", "٣", "-5", "1e3", " ", str(2**63)):
        with pytest.raises(ValueProblem):
            parse_id(bad)
    assert parse_id(str(2**63 - 1)) == 2**63 - 1
    assert parse_id("-100123", negative=True) == -100123


def test_error_reports_are_grouped_and_rate_limited() -> None:
    now = [0.0]
    limiter = ReportLimiter(lambda: now[0], window_s=600, max_reports=3)
    assert limiter.admit("A") == 0
    assert [limiter.admit("A") for _ in range(50)] == [None] * 50  # same fault: counted
    assert limiter.admit("B") == 0 and limiter.admit("C") == 0
    assert limiter.admit("D") is None  # three reports this window already
    now[0] = 601
    assert limiter.admit("A") == 50  # the next report of A says how many were held back
    assert limiter.admit("D") == 1


async def test_a_fault_hitting_every_update_is_reported_once(
    api: StrictBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next(
        "sendMessage", error_code=400, description="Bad Request: injected", times=6, chat_id=STAFF
    )
    async with running_bot(bot_settings(db, api.base_url, admin_chat_id=ADMIN)):
        api.user_message("/help", user_id=ADMIN)  # the admin chat exists
        await api.wait_for("sendMessage", to(ADMIN))
        for _ in range(6):
            api.user_message("党建", user_id=STAFF)
        # Three updates fail twice (reply, apology), three are answered.
        await api.wait_for("sendMessage", to(STAFF), count=3)
        api.user_message("党建", user_id=ADMIN)
        await api.wait_for("sendMessage", lambda c: to(ADMIN)(c) and "篇文章" in str(c.params))
    reports = [c for c in api.calls if c.ok and to(ADMIN)(c) and "出错" in str(c.params)]
    assert len(reports) == 1
