"""StretchStart: the start of the stretch before an offset that holds none of a class."""

from __future__ import annotations

import pytest

from bot.extract.text import StretchStart

_CLAUSE_START = StretchStart("[，。\n]")


@pytest.mark.parametrize(
    ("text", "offset", "lo", "start"),
    [
        ("近日，赤峰市委组织部介绍", 12, 0, 3),  # right after the last comma before the offset
        ("近日，赤峰。市委组织部介绍", 5, 0, 3),  # a break after the offset does not count
        ("赤峰市委组织部介绍", 9, 0, 0),  # none: the stretch starts at lo
        ("近日，赤峰市委组织部介绍", 12, 5, 5),  # no further back than lo
        ("近日，", 3, 0, 3),  # a break right before the offset: an empty stretch
        ("第一段\n第二段", 7, 0, 4),  # the class may hold a line break
        ("", 0, 0, 0),
    ],
)
def test_after_last(text: str, offset: int, lo: int, start: int) -> None:
    assert _CLAUSE_START(text, offset, lo) == start


def test_a_negated_class_finds_the_start_of_a_run() -> None:
    run_start = StretchStart("[^a-z]")
    assert run_start("12 abc 345", 5) == 3
    assert run_start("abc", 2) == 0
