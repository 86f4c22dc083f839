"""The search page's query string: parsed into a PageQuery, written back as a stable link."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from index.search import SearchRequest
from index.types import Filters
from web.search_params import PageOptions, PassageFilters, lenient

FILTER_NAMES = tuple(PassageFilters.model_fields)  # the order of links and chips


@dataclass(frozen=True)
class PageQuery:
    """What a page or export was asked for: query, mode, filters and the page window."""

    q: str = ""
    mode: str = "hybrid"
    k: int = 10
    offset: int = 0
    filters: Filters = field(default_factory=Filters)

    def request(self, *, facets: bool = False) -> SearchRequest:
        """The engine's request (raises BadQuery for an empty or too long query)."""
        return SearchRequest(query=self.q, k=self.k, mode=self.mode, filters=self.filters,
                             offset=self.offset, facets=facets)

    def active_filters(self) -> list[tuple[str, str]]:
        """(name, value) of each filter that is set, in a fixed order."""
        values = ((name, getattr(self.filters, name)) for name in FILTER_NAMES)
        return [(name, str(value)) for name, value in values if value is not None]


def parse_query(params: Mapping[str, str], *, default_k: int = 10) -> tuple[PageQuery, list[str]]:
    """Read a query string leniently: bad values are dropped and explained, never fatal."""
    notices: list[str] = []
    given = {name: value for name in PageOptions.model_fields if (value := (params.get(name) or "").strip())}
    options = lenient(PageOptions, given, notices)
    k = options.k if "k" in options.model_fields_set else default_k
    filters = options.filters()
    if filters.year_from and filters.year_to and filters.year_from > filters.year_to:
        notices.append("The year range ends before it starts; the years were swapped.")
        filters = replace(filters, year_from=filters.year_to, year_to=filters.year_from)
    query = PageQuery(q=params.get("q", ""), mode=options.mode, k=k, offset=options.offset, filters=filters)
    return query, notices


def query_string(query: PageQuery, *, default_k: int = 10, window: bool = True) -> str:
    """The canonical query string: q, mode, filters, then k and offset when they differ from the default."""
    pairs: list[tuple[str, str]] = [("q", query.q), ("mode", query.mode), *query.active_filters()]
    if window and query.k != default_k:
        pairs.append(("k", str(query.k)))
    if window and query.offset:
        pairs.append(("offset", str(query.offset)))
    return urlencode(pairs)


def with_filter(query: PageQuery, **changes: Any) -> PageQuery:
    """The same search with some filters set (or cleared with None), back on the first page."""
    return replace(query, filters=replace(query.filters, **changes), offset=0)


def at_offset(query: PageQuery, offset: int) -> PageQuery:
    """The same search at another page."""
    return replace(query, offset=max(0, offset))
