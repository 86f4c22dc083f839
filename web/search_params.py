"""A search's parameters and their limits, written once for every edge.

The API (GET query string and POST body), the search page and its exports, and the command line all
read a search through these models, so each limit stands here and nowhere else; the core receives
a `SearchRequest` holding an `index.types.Filters`. The API validates strictly (422), the page
leniently (`lenient`: a bad value is dropped and explained), the CLI exits with the message.
"""
from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Query
from fastapi.openapi.models import Example
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo

from index.search import MAX_K, MAX_QUERY_CHARS, SearchRequest
from index.types import SEARCH_MODES, Filters, SearchMode

MAX_OFFSET = 1000  # results one may skip: deeper pages cost each retriever offset + k candidates
MAX_DOCUMENT_OFFSET = 1_000_000
MAX_DOCUMENT_LIMIT = 100
YEARS = (1900, 2100)
QUERY_EXAMPLES: dict[str, Example] = {
    "good practice": {"summary": "Experiences to reuse", "value": "talent bank database"},
    "definition": {"summary": "A question", "value": "what is triangular cooperation"},
    "symbol": {"summary": "A resolution by symbol", "value": "E/RES/1992/41"},
}


class DocumentFilters(BaseModel):
    """Restrictions on documents; every one that is set must hold."""

    doc_type: str | None = Field(None, max_length=40, description="resolution, decision, report, …")
    body: str | None = Field(None, max_length=200, description="Adopting or issuing body, e.g. ECOSOC")
    symbol: str | None = Field(None, max_length=100, description="Document symbol, e.g. E/RES/1992/41")
    year_from: int | None = Field(None, ge=YEARS[0], le=YEARS[1])
    year_to: int | None = Field(None, ge=YEARS[0], le=YEARS[1])
    country: str | None = Field(None, pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3 code",
                                examples=["BRA"])

    def filters(self) -> Filters:
        """The core's filter value (country codes upper-cased)."""
        values = {name: getattr(self, name, None) for name in Filters.__dataclass_fields__}
        if values["country"]:
            values["country"] = values["country"].upper()
        return Filters(**values)


class PassageFilters(DocumentFilters):
    """Restrictions on passages: the document filters and the passage's kind."""

    kind: str | None = Field(None, max_length=20, description="Passage kind: operative, preambular, footnote, …")


class SearchFilters(PassageFilters):
    """The filters of a JSON search body: the passage filters, plus one document to search inside."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str | None = Field(None, max_length=200, description="Search inside one document")


class QueryText(BaseModel):
    """The query itself (first, so it leads the API's parameter list)."""

    q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, pattern=r"\S", description="The query",
                   examples=["talent bank database"], openapi_examples=QUERY_EXAMPLES)


class SearchOptions(BaseModel):
    """Everything about a search but its query: mode, page window, facets."""

    mode: SearchMode = Field("hybrid", description="hybrid (keyword and semantic, fused), semantic or keyword")
    k: int = Field(10, ge=1, le=MAX_K, description="Page size: results per page")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Results to skip, for paging: use next_offset")
    facets: bool = Field(False, description="Also count matches by doc_type, body, year, country and kind")


class SearchParams(PassageFilters, SearchOptions, QueryText):
    """A search with its filters flat, as in GET /search's query string and the command line."""

    def request(self) -> SearchRequest:
        """The engine's request."""
        return SearchRequest(query=self.q, k=self.k, mode=self.mode, filters=self.filters(), offset=self.offset,
                             facets=self.facets)


class PageOptions(PassageFilters, SearchOptions):
    """What the search page reads leniently: everything but the query, which may be empty there."""


class DocumentQuery(DocumentFilters):
    """A page of the document list."""

    offset: int = Field(0, ge=0, le=MAX_DOCUMENT_OFFSET, description="Documents to skip")
    limit: int = Field(20, ge=1, le=MAX_DOCUMENT_LIMIT, description="Page size")


Model = TypeVar("Model", bound=BaseModel)


def lenient(model: type[Model], values: dict[str, Any], notices: list[str]) -> Model:
    """Validate `values`, dropping each bad one with a notice for people, so the defaults stand in."""
    values = dict(values)
    while True:
        try:
            return model.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                if name not in values:  # not a field's fault: nothing left to drop
                    raise
                notices.append(notice(name, values.pop(name), error))


def notice(name: str, value: object, error: Any) -> str:
    """A sentence saying what was wrong with one parameter and that it was ignored."""
    label = name.replace("_", " ")
    shown = str(value)[:40]
    kind = error["type"]
    if name == "mode":
        return f"Unknown mode “{shown}”; showing hybrid results. Modes: {', '.join(SEARCH_MODES)}."
    if kind in ("int_parsing", "int_from_float"):
        return f"“{shown[:20]}” is not a whole number for {label}; it was ignored."
    if kind == "string_too_long":
        return f"The {label} filter is longer than {error['ctx']['max_length']} characters; it was ignored."
    field = _field(name)
    if kind in ("greater_than_equal", "less_than_equal") and field is not None:
        low = next((rule.ge for rule in field.metadata if hasattr(rule, "ge")), None)
        high = next((rule.le for rule in field.metadata if hasattr(rule, "le")), None)
        return f"{label.capitalize()} must be between {low} and {high}; {shown} was ignored."
    if kind == "string_pattern_mismatch" and field is not None:
        return f"The {label} filter takes an {field.description}; “{shown}” was ignored."
    return f"{label.capitalize()}: {error['msg']}; “{shown}” was ignored."


def _field(name: str) -> FieldInfo | None:
    """The declaration of a parameter in the page's models."""
    return PageOptions.model_fields.get(name) or DocumentQuery.model_fields.get(name)
