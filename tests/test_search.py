"""Search on the seeds: recall of what users type, ranking basics, hostile input."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import search_json, search_text
from bot.search import parse_query, search
from bot.search.expression import match_expression
from bot.store import Store

BACKENDS = ("sqlite", "postgresql")  # the store and search tests run on both


async def _titles(store: Store, query: str, limit: int = 20) -> list[str]:
    return [h.title for h in (await search(store, query, limit=limit)).hits]


async def test_phrase_from_spaced_pdf_text_finds_seed_004(seeded: Store) -> None:
    assert (await _titles(seeded, "路线决定方向"))[0] == "锚定方向 聚力前行"
    assert (await _titles(seeded, '"路线决定方向"'))[0] == "锚定方向 聚力前行"


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("葡萄", "党建领航风帆劲 奋楫争先阔步行"),  # inside 温棚葡萄
        ("赤峰", "下好党建领航“先手棋” 铺好产业兴旺“幸福路”"),  # inside 赤峰市
        ("查干沐沦", "下好党建领航“先手棋” 铺好产业兴旺“幸福路”"),  # part of 查干沐沦苏木
        ("沐沦", "下好党建领航“先手棋” 铺好产业兴旺“幸福路”"),  # not a word at all
        ("老旧小区基础设施", "包联共建暖人心"),  # a sentence split by a subheading on the page
        ("为老餐厅", "家门口构筑“15分钟养老服务圈”"),
        ("15分钟", "家门口构筑“15分钟养老服务圈”"),
    ],
)
async def test_what_users_type_is_found_inside_longer_words(
    seeded: Store, query: str, title: str
) -> None:
    assert title in await _titles(seeded, query)


async def test_single_character_query_matches_inside_words(seeded: Store) -> None:
    rows = await seeded.list_articles()
    texts = await seeded.articles_by_id([r["article_id"] for r in rows])
    expected = {i for i, a in texts.items() if "蒿" in a["text"] or "蒿" in a["title"]}
    page = await search(seeded, "蒿", limit=50)
    assert expected and {h.article_id for h in page.hits} == expected


async def test_all_words_are_required(seeded: Store) -> None:
    both = await _titles(seeded, "鸵鸟 葡萄")
    assert both == ["党建领航风帆劲 奋楫争先阔步行"]
    assert await _titles(seeded, "鸵鸟 香菇") == []


async def test_title_matches_rank_first(seeded: Store) -> None:
    assert (await _titles(seeded, "微党课"))[0] == "抗美援朝老兵的“微党课”"


async def test_snippet_marks_the_matched_words(seeded: Store) -> None:
    page = await search(seeded, "温棚葡萄")
    hit = page.hits[0]
    assert ("温棚葡萄", True) in hit.snippet
    data = search_json(page)
    assert "<mark>温棚葡萄</mark>" in data["results"][0]["snippet"]
    assert set(data) >= {"query", "total", "results"}  # fields are added, never renamed
    assert set(data["results"][0]) >= {
        "article_id",
        "title",
        "date",
        "source_file",
        "snippet",
        "score",
    }


async def test_paging_and_total(seeded: Store) -> None:
    first = await search(seeded, "党建", limit=3)
    second = await search(seeded, "党建", limit=3, offset=3)
    assert first.total == second.total > 6
    assert not {h.article_id for h in first.hits} & {h.article_id for h in second.hits}


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"党建',
        "NEAR(党建 引领",
        "*",
        "党建*",
        "-党建",
        "title_words:党建",
        ":",
        "^",
        "AND",
        "OR NOT",
        "(",
        ")",
        "{title_grams}",
        "党建 AND OR",
        "\x00",
        "🎉🎉",
        "؟مرحبا",
        "   ",
        "",
        "，。！",
        "a" * 10_000,
        "党" * 10_000,
        "地区:" + "赤" * 10_000,
        "时间:" + "2024-" * 2_000,
        "|" * 10_000,
        "-" * 10_000,
        '"' * 10_000,
        "类型:案例 " + "嘎查 " * 3_000,
        "🎉" * 5_000,
    ],
)
async def test_fts_syntax_and_odd_input_never_raise(seeded: Store, query: str) -> None:
    page = await search(seeded, query)
    assert page.total >= 0
    assert search_text(page)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(codec="utf-8")
            | st.sampled_from('"“”*:：-|()^{}党建嘎查赤峰🎉 ' + string.punctuation),
            max_size=20,
        )
        | st.sampled_from(
            ["地区:", "时间:", "栏目:", "主题:", "类型:案例", " | ", " -", "..", "NEAR("]
        ),
        max_size=8,
    ).map("".join)
)
async def test_random_text_gives_results_or_nothing_found(seeded: Store, query: str) -> None:
    page = await search(seeded, query)
    assert page.total >= len(page.hits)


def test_user_text_never_reaches_fts_syntax() -> None:
    query = parse_query('党建" OR rowid:1 NEAR(x) {title_words}: -y* 地区:"x" | (z')
    expression = match_expression(query.clauses, query.excluded)
    assert expression is not None
    outside_quotes = re.sub(r'"(?:[^"]|"")*"', "", expression)
    leftover = re.sub(
        r"\{title_words body_words\}|\{title_grams body_grams\}|AND|OR|NOT", "", outside_quotes
    )
    assert set(leftover) <= set(" :()*")


async def test_a_place_alias_finds_the_official_name(seeded: Store) -> None:
    # seed 004 writes 锡林郭勒盟 only; staff type 锡盟
    assert "集体“家底”厚了 群众“钱袋”鼓了" in await _titles(seeded, "锡盟")


def test_aliases_that_are_common_words_are_not_expanded() -> None:
    from bot.places import get_gazetteer

    assert get_gazetteer().equivalent_names("青山") == []  # 绿水青山, not 青山区
    assert get_gazetteer().equivalent_names("锡盟") == ["锡林郭勒盟"]
    assert get_gazetteer().equivalent_names("赤峰") == []  # substring search finds 赤峰市
