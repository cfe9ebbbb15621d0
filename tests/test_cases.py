"""Practices in a sentence: each pattern runs only where what it starts with occurs."""

from __future__ import annotations

import pytest

from bot.extract.cases import practices_in


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        # A digit and a clause before the verb: the verb pattern starts at the verb.
        (
            "2023年以来，该旗党委组建了132个党建引领产业发展共同体。",
            [(19, "党建引领产业发展共同体")],
        ),
        # A document and a count, with no verb of the verb patterns before the count.
        (
            "市委组织部制定印发《关于加强村党组织书记队伍建设的若干措施》，建成12个党群服务中心",
            [(9, "《关于加强村党组织书记队伍建设的若干措施》"), (36, "党群服务中心")],
        ),
        # 发展 after an adverb is a verb; a quoted name with a cue inside is a practice.
        (
            "今年以来，积极发展“党建+电商”，大力发展特色产业。",
            [(9, "“党建+电商”"), (21, "特色产业")],
        ),
        # Quotes, but no practice.
        ("群众说：“日子越过越好了！”", []),
        # Nothing any pattern starts with.
        ("会议强调要提高认识。", []),
    ],
)
def test_practices_in(sentence: str, found: list[tuple[int, str]]) -> None:
    assert practices_in(sentence) == found
