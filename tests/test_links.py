"""Button links: every kind round-trips through callback data within Telegram's 64 bytes,
and forged or outdated data parses to nothing, so no handler sees it."""

from __future__ import annotations

import re

import pytest

from bot.chat.links import (
    ChannelSetting,
    OpenArticle,
    PageHint,
    SearchPage,
    SimilarArticles,
    StatsCsv,
    StatsPlace,
    SubscriptionAction,
    link_data,
    parse_link,
    pattern,
)

LINKS = [
    SearchPage("Ab-_9xYz01", 400),
    PageHint("first"),
    PageHint("count"),
    OpenArticle(123456789012345678),
    SimilarArticles(7),
    ChannelSetting(-1001234567890123, "digest"),
    ChannelSetting(-100777, "test"),
    StatsPlace("", "k3y"),
    StatsPlace("150402001001", "k3y"),
    StatsCsv("1504", "k3y"),
    SubscriptionAction(5, "pause"),
    SubscriptionAction(5, "t0730"),
    SubscriptionAction(5, "t2359"),
]


@pytest.mark.parametrize("link", LINKS, ids=repr)
def test_every_link_round_trips_and_matches_only_its_own_pattern(link: object) -> None:
    data = link_data(link)  # type: ignore[arg-type]
    assert len(data.encode()) <= 64
    assert parse_link(data) == link
    matching = {type(other) for other in LINKS if re.match(pattern(type(other)), data)}
    assert matching == {type(link)}


@pytest.mark.parametrize(
    "data",
    [
        "art:12345678901234567890123",  # a 23-digit id
        "sim:-5",
        "art:",
        "art:1:2",
        "sub:5:t9999",  # an impossible time
        "sub:5:t2460",
        "sub:5:drop",  # an unknown action
        "sub:99999999999999999999:pause",
        "ch:-100:leave",
        "pg:key:0x10",
        "pg:<b>:1",
        "st:15abc:key",
        "unknown:1",
        "noop",
        "",
        "art:１２",  # full-width digits are not an id
    ],
)
def test_forged_data_parses_to_nothing(data: str) -> None:
    assert parse_link(data) is None
    assert not any(re.match(pattern(type(link)), data) for link in LINKS)


def test_a_new_time_is_read_from_its_action() -> None:
    assert SubscriptionAction(1, "t0730").new_time == "07:30"
    assert SubscriptionAction(1, "pause").new_time is None
