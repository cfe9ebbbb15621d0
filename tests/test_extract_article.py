"""The whole extraction of an article, read through its simplified script."""

from __future__ import annotations

import opencc
import pytest

from bot.extract.article import extract_article
from bot.ingest.normalize import to_simplified
from tests.conftest import seed_article


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_a_given_simplified_form_extracts_as_converting_does(script: str) -> None:
    title, text = seed_article("003", 0)
    if script == "traditional":
        to_traditional = opencc.OpenCC("s2t")
        title, text = to_traditional.convert(title), to_traditional.convert(text)
    converted = extract_article(title, text)
    given = extract_article(title, text, simplified=(to_simplified(title), to_simplified(text)))
    assert given == converted
    assert converted.cases and converted.places  # the seed has both: the check is not empty
