"""The search page's query string: parsed into a PageQuery, written back as a stable link."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping
from urllib.parse import urlencode

from index.search import MAX_K, SearchRequest
from index.types import SEARCH_MODES, Filters

FILTER_NAMES = ("doc_type", "body", "symbol", "year_from", "year_to", "country", "kind")
MAX_OFFSET = 1000
YEARS = (1900, 2100)
TEXT_LIMITS = {"doc_type": 40, "body": 200, "symbol": 100, "kind": 20, "country": 3}


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
    errors: list[str] = []
    mode = params.get("mode") or "hybrid"
    if mode not in SEARCH_MODES:
        errors.append(f"Unknown mode “{mode[:40]}”; showing hybrid results. Modes: {', '.join(SEARCH_MODES)}.")
        mode = "hybrid"
    k = _integer(params, "k", default_k, (1, MAX_K), errors)
    offset = _integer(params, "offset", 0, (0, MAX_OFFSET), errors)
    filters = _filters(params, errors)
    return PageQuery(q=params.get("q", ""), mode=mode, k=k, offset=offset, filters=filters), errors


def _filters(params: Mapping[str, str], errors: list[str]) -> Filters:
    values: dict[str, object] = {}
    for name, limit in TEXT_LIMITS.items():
        value = (params.get(name) or "").strip()
        if len(value) > limit:
            errors.append(f"The {name.replace('_', ' ')} filter is longer than {limit} characters; it was ignored.")
        elif value:
            values[name] = value.upper() if name == "country" else value
    for name in ("year_from", "year_to"):
        if params.get(name):
            values[name] = _integer(params, name, None, YEARS, errors)
    if values.get("year_from") and values.get("year_to") and values["year_from"] > values["year_to"]:  # type: ignore[operator]
        errors.append("The year range ends before it starts; the years were swapped.")
        values["year_from"], values["year_to"] = values["year_to"], values["year_from"]
    return Filters(**values)  # type: ignore[arg-type]


def _integer(params: Mapping[str, str], name: str, default: int | None, bounds: tuple[int, int],
             errors: list[str]) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append(f"“{raw[:20]}” is not a whole number for {name.replace('_', ' ')}; it was ignored.")
        return default
    if not bounds[0] <= value <= bounds[1]:
        errors.append(f"{name.replace('_', ' ').capitalize()} must be between {bounds[0]} and {bounds[1]}; "
                      f"{value} was ignored.")
        return default
    return value


def query_string(query: PageQuery, *, default_k: int = 10, window: bool = True) -> str:
    """The canonical query string: q, mode, filters, then k and offset when they differ from the default."""
    pairs: list[tuple[str, str]] = [("q", query.q), ("mode", query.mode), *query.active_filters()]
    if window and query.k != default_k:
        pairs.append(("k", str(query.k)))
    if window and query.offset:
        pairs.append(("offset", str(query.offset)))
    return urlencode(pairs)


def with_filter(query: PageQuery, **changes: object) -> PageQuery:
    """The same search with some filters set (or cleared with None), back on the first page."""
    return replace(query, filters=replace(query.filters, **changes), offset=0)


def at_offset(query: PageQuery, offset: int) -> PageQuery:
    """The same search at another page."""
    return replace(query, offset=max(0, offset))
