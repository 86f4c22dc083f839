"""The one shape of a search result, rendered as the API's JSON, the JSON and CSV exports and the Atom feed.

As datasette renders one data dict two ways: the engine's hits become `SearchHit` records once, here,
and every rendering reads those records (the HTML page still renders the engine's hits through its
templates). Pydantic models, so the API documents the shape it answers with.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from index.search import SearchRequest
from index.types import Hit, SearchResult
from ingest.types import Document
from web.citation import citation
from web.marks import fragment_html

EXAMPLE_DOCUMENT: dict[str, Any] = {
    "id": "ecosoc-resolution-1992-41-tcdc-3f2a1b", "title": "Technical cooperation among developing countries",
    "source": "ecosoc-resolution-1992-41-tcdc.txt", "doc_type": "resolution", "symbol": "E/RES/1992/41",
    "body": "ECOSOC", "date": "1992-07-30", "language": "en", "countries": [],
}
EXAMPLE_HIT: dict[str, Any] = {
    "rank": 1, "score": 0.0328, "chunk_id": 9, "ordinal": 4,
    "text": "Related to the 4th topic, Human Resources Management, the use of talent bank database …",
    "page": 1, "page_end": 1, "label": None, "kind": "paragraph", "heading_path": [],
    "highlights": ["… the use of <mark>talent</mark> <mark>bank</mark> <mark>database</mark> and …"],
    "retrievers": ["keyword", "semantic"], "citation": "Training on Management of South-South Cooperation, p. 1",
    "url": "http://127.0.0.1:8000/documents/brasilia-2013-training-435d99#c4", "document": EXAMPLE_DOCUMENT,
}
EXAMPLE_RESPONSE: dict[str, Any] = {
    "query": "talent bank database", "mode": "hybrid", "filters": {}, "k": 1, "offset": 0, "total": 76,
    "next_offset": 1, "took_ms": 12.1, "results": [EXAMPLE_HIT],
    "facets": {"doc_type": [{"value": "event report", "count": 40}, {"value": "resolution", "count": 20}],
               "year": [{"value": "2013", "count": 40}]},
}


class DocumentSummary(BaseModel):
    """The document a passage comes from."""

    id: str
    title: str
    source: str = Field(description="The source file's name")
    doc_type: str
    symbol: str | None = None
    body: str | None = None
    date: str | None = None
    language: str | None = None
    countries: list[str] = []


class HighlightSpan(BaseModel):
    """A fragment of the passage (character offsets into `text`) and the spans in it that match the query."""

    start: int
    end: int
    marks: list[tuple[int, int]] = Field(description="(start, end) offsets into the passage's text to mark")


class DuplicatePlace(BaseModel):
    """Another place holding the same (or nearly the same) passage, collapsed into this hit."""

    chunk_id: int
    label: str | None = None
    page: int
    document: DocumentSummary


class SearchHit(BaseModel):
    """One ranked passage."""

    rank: int
    score: float
    chunk_id: int
    ordinal: int = Field(description="The passage's position in its document, from 0")
    text: str = Field(description="The passage's whole text")
    page: int
    page_end: int
    label: str | None = Field(None, description='Paragraph label, e.g. "op. 4" or "para. 22"')
    kind: str
    heading_path: list[str]
    highlights: list[str] = Field(description="Fragments with the query's terms in <mark>; the rest is HTML-escaped")
    highlight_spans: list[HighlightSpan] = Field([], description="The same fragments as character offsets")
    retrievers: list[str]
    citation: str = Field(description='How to cite the passage, e.g. "ECOSOC resolution 1992/41, op. 4"')
    url: str = Field(description="The passage inside its document's page")
    document: DocumentSummary
    also_in: list[DuplicatePlace] = Field([], description="Duplicates of this passage collapsed into it")


class FacetValue(BaseModel):
    """One value of a facet and how many matching passages have it."""

    value: str
    count: int


class SearchResponse(BaseModel):
    """Search results."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_RESPONSE]})

    query: str
    mode: str
    filters: dict[str, str | int] = Field(default_factory=dict, description="The filters that were applied")
    k: int = Field(description="The page size asked for")
    offset: int
    total: int = Field(description="Passages that match, duplicates counted once: every keyword match (counted "
                                   "up to 10,000) and the semantic neighbours above the similarity floor")
    next_offset: int | None = Field(None, description="The offset of the next page; null on the last page")
    took_ms: float
    results: list[SearchHit]
    suggestions: list[str] = Field([], description="When nothing matches: the query with its unknown words "
                                                   "replaced by the nearest words of the index")
    facets: dict[str, list[FacetValue]] | None = Field(
        None, description="With facets=true: passage counts by doc_type, body, year, country and kind over "
                          "all candidates, not only this page")


def document_summary(document: Document) -> DocumentSummary:
    """A document as results and listings show it."""
    return DocumentSummary(id=document.id, title=document.title, source=Path(document.source).name,
                           doc_type=document.doc_type, symbol=document.symbol, body=document.body,
                           date=document.date, language=document.language, countries=list(document.countries))


def passage_path(hit: Hit) -> str:
    """The passage inside its document page."""
    return f"/documents/{hit.document.id}#c{hit.chunk.ordinal}"


def search_hit(hit: Hit, base_url: str = "") -> SearchHit:
    """A hit as a record; `url` is absolute when `base_url` is given."""
    chunk = hit.chunk
    return SearchHit(rank=hit.rank, score=hit.score, chunk_id=hit.chunk_id, ordinal=chunk.ordinal, text=chunk.text,
                     page=chunk.page_start, page_end=chunk.page_end, label=chunk.label, kind=chunk.kind,
                     heading_path=list(chunk.heading_path),
                     highlights=[fragment_html(chunk.text, f) for f in hit.fragments],
                     highlight_spans=[HighlightSpan(start=f.start, end=f.end, marks=list(f.marks))
                                      for f in hit.fragments],
                     retrievers=list(hit.retrievers), citation=citation(hit.document, chunk),
                     url=base_url.rstrip("/") + passage_path(hit), document=document_summary(hit.document),
                     also_in=[DuplicatePlace(chunk_id=d.chunk_id, label=d.chunk.label, page=d.chunk.page_start,
                                             document=document_summary(d.document)) for d in hit.duplicates])


def search_response(result: SearchResult, request: SearchRequest, base_url: str = "") -> SearchResponse:
    """A search result as a record: what was asked, the page of hits, and the facets when asked for."""
    end = request.offset + len(result.hits)
    facets = ({name: [FacetValue(value=v, count=c) for v, c in values] for name, values in result.facets.items()}
              if request.facets else None)
    filters = {name: value for name, value in result.filters.__dict__.items() if value is not None}
    return SearchResponse(query=result.query, mode=result.mode, filters=filters, k=request.k, offset=request.offset,
                          total=result.total, next_offset=end if result.hits and end < result.total else None,
                          took_ms=result.took_ms, results=[search_hit(h, base_url) for h in result.hits],
                          suggestions=list(result.suggestions), facets=facets)
