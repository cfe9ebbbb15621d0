"""Topics from data/topics.toml and keywords, on the seeds and on hand-written texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.extract.topics import Taxonomy, get_taxonomy, keywords, topics_of
from tests.conftest import seed_article


def test_taxonomy_lists_the_curated_topics() -> None:
    assert get_taxonomy().names == [
        "基层治理", "乡村振兴与集体经济", "非公党建", "干部教育培训", "作风建设与纪律",
        "党员教育", "为民服务", "人才", "组织体系建设", "红色教育",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("prefix", "seq", "topic"),
    [
        ("003", 0, "乡村振兴与集体经济"),  # 党建引领产业发展共同体
        ("003", 7, "基层治理"),  # 包联共建, 小区, 楼栋长
        ("004", 1, "干部教育培训"),  # 阿荣旗 培训班
        ("004", 3, "非公党建"),  # 杭锦旗 非公企业
        ("004", 2, "为民服务"),  # 15分钟养老服务圈
        ("004", 7, "乡村振兴与集体经济"),  # 锡林郭勒盟 集体经济
    ],
)
def test_seed_article_leading_topic(prefix: str, seq: int, topic: str) -> None:
    title, text = seed_article(prefix, seq)
    assert topics_of(f"{title}\n{text}")[0] == topic


def test_a_text_with_no_cues_has_no_topic() -> None:
    assert topics_of("今天天气晴朗，气温适宜。") == []


def test_an_article_needs_more_than_one_cue_a_case_one_strong_cue() -> None:
    case_min = get_taxonomy().case_min_score
    assert topics_of("企业") == topics_of("企业", min_score=case_min) == []  # weak
    assert topics_of("非公企业") == []
    assert topics_of("非公企业", min_score=case_min) == ["非公党建"]
    assert topics_of("非公企业加入商会") == ["非公党建"]


def test_longest_cue_counts_once() -> None:
    # 党群服务中心 is one strong 为民服务 cue; the 服务 inside it does not count again.
    taxonomy = get_taxonomy()
    assert topics_of("党群服务中心", taxonomy, min_score=3) == []
    assert topics_of("党群服务中心", taxonomy, min_score=2) == ["为民服务"]


def test_repeated_cue_is_capped() -> None:
    assert topics_of("党员" * 10) == ["党员教育"]
    assert topics_of("党员" * 10, min_score=4) == []


def test_taxonomy_is_read_from_the_data_dir(tmp_path: Path) -> None:
    (tmp_path / "topics.toml").write_text(
        'min_score = 1\ncase_min_score = 1\n[[topic]]\nname = "测试"\nweak = ["蒙古马"]\n',
        encoding="utf-8",
    )
    taxonomy: Taxonomy = get_taxonomy.__wrapped__(tmp_path)
    assert topics_of("弘扬蒙古马精神", taxonomy) == ["测试"]


def test_keywords_skip_stop_words_and_numbers() -> None:
    title, text = seed_article("003", 0)
    found = keywords(f"{title}\n{text}")
    assert len(found) == 8
    assert "党建引领产业发展共同体" in found  # a domain word, kept whole
    assert not {"进一步", "记者", "发展"} & set(found)
    assert not any(ch.isdigit() for word in found for ch in word)
