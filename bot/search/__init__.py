"""Search: the query language, typo tolerance, ranking, case results and "more like this"."""

from bot.search.query import Notice, NoticeCode, parse_query
from bot.search.service import (
    Hit,
    SearchPage,
    Similar,
    filter_problems,
    more_like_this,
    search,
)

__all__ = [
    "Hit",
    "Notice",
    "NoticeCode",
    "SearchPage",
    "Similar",
    "filter_problems",
    "more_like_this",
    "parse_query",
    "search",
]
