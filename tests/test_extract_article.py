"""The whole extraction of an article, read through its simplified script."""

from __future__ import annotations

import opencc
import pytest

from bot.extract.article import extract_article, extract_articles
from bot.ingest.split import split_page
from bot.text import to_simplified
from tests.conftest import seed_article, seed_text


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


def test_articles_read_together_extract_as_each_alone() -> None:
    # Ingest extracts a page's articles stage by stage; nothing may leak between them.
    articles = [
        (d.title, d.body) for prefix in ("003", "000", "004") for d in split_page(seed_text(prefix))
    ]
    together = extract_articles(articles)
    assert together == [extract_article(title, text) for title, text in articles]
    assert len(articles) > 3 and sum(bool(x.places) + bool(x.cases) for x in together) > 10
