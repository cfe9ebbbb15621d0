"""Search: the query language, typo tolerance, ranking, case results and "more like this"."""

from bot.search.query import parse_query
from bot.search.service import Hit, SearchPage, Similar, more_like_this, search

__all__ = ["Hit", "SearchPage", "Similar", "more_like_this", "parse_query", "search"]
