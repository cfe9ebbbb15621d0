"""The same library answers the same on SQLite and on PostgreSQL: for what staff type
(words, places, phrases, single characters, exclusions, filters, typos), the same number
of matches, the same correction and, where every match fits on the page, the same
articles. (Their order may differ: BM25 on one, ts_rank on the other, before the rerank.)"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.search import search
from bot.store import Store
from bot.store.postgres.tsquery import tsquery
from tests.conftest import POSTGRES

QUERIES = (
    "党建引领", "赤峰", "知", "党", "村", "嘎查 集体经济", '"路线决定方向"', "第一书记",
    "乡村振兴 -产业", "地区:赤峰 党建", "地区:锡林郭勒盟", "主题:党员教育", "锡盟",
    "党建引岭", "基层治理", "党群服务", "三会一课", "时间:2024-07 党建", "栏目:要闻",
    "为民服务 OR 志愿服务", "2024", "ABC", "党建 -党", "赤峰市 -嘎查",
)  # fmt: skip


@pytest.fixture(scope="module")
def pg_copy(pg_seeded_template: str, pytestconfig: pytest.Config) -> Iterator[str]:
    """The seeded library on PostgreSQL, a copy for this module (the template must stay
    free of connections while other tests copy it)."""
    with pytestconfig.stash[POSTGRES].database(template=pg_seeded_template) as url:
        yield url


@pytest.fixture
async def both(
    seeded_file: Path, pg_copy: str, tmp_path: Path
) -> AsyncIterator[tuple[Store, Store]]:
    shutil.copy(seeded_file, tmp_path / "seeded.db")
    sqlite, postgresql = await Store.open(tmp_path / "seeded.db"), await Store.open(pg_copy)
    yield sqlite, postgresql
    await sqlite.close()
    await postgresql.close()


@pytest.mark.parametrize("query", QUERIES)
async def test_both_backends_find_the_same(both: tuple[Store, Store], query: str) -> None:
    sqlite, postgresql = both
    one, other = await search(sqlite, query, limit=50), await search(postgresql, query, limit=50)
    assert (one.total, one.corrected) == (other.total, other.corrected)
    if one.total <= 50:
        assert {h.article_id for h in one.hits} == {h.article_id for h in other.hits}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('{title_words body_words} : "赤峰"', "'赤峰'"),
        ('{title_grams body_grams} : "赤峰 峰市 市"*', "('_赤峰' <-> '_峰市' <-> '_市':*)"),
        ('"党" AND "村"', "('党' & '村')"),
        ('({title_words body_words} : "a") NOT ({title_grams body_grams} : "b")', "('a' & !'_b')"),
        (
            '{title_words body_words} : "5.6" OR {title_words body_words} : "x"',
            "(('5' <-> '6') | 'x')",
        ),
        ('{title_words body_words} : "·"', "'_'"),  # no token: matches nothing
    ],
)
def test_search_expressions_read_as_tsquery(expression: str, expected: str) -> None:
    assert tsquery(expression) == expected
