"""Pydantic models of the HTTP API: the stable, documented field names."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from index.search import MAX_K, MAX_QUERY_CHARS, SearchRequest
from index.types import Hit, Link, SearchResult, StoredChunk
from ingest.types import Document
from search_api import examples
from web.marks import fragment_html


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
    text: str = Field(description="The passage's whole text")
    page: int
    page_end: int
    label: str | None = Field(None, description='Paragraph label, e.g. "op. 4" or "para. 22"')
    kind: str
    heading_path: list[str]
    highlights: list[str] = Field(description="Fragments with the query's terms in <mark>; the rest is HTML-escaped")
    highlight_spans: list[HighlightSpan] = Field([], description="The same fragments as character offsets")
    retrievers: list[str]
    document: DocumentSummary
    also_in: list[DuplicatePlace] = Field([], description="Duplicates of this passage collapsed into it")


class FacetValue(BaseModel):
    """One value of a facet and how many matching passages have it."""

    value: str
    count: int


class SearchResponse(BaseModel):
    """Search results."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.SEARCH_RESPONSE]})

    query: str
    mode: str
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


class SearchFilters(BaseModel):
    """Restrictions on a search; every one that is set must hold."""

    model_config = ConfigDict(extra="forbid")

    doc_type: str | None = Field(None, max_length=40, description="resolution, decision, report, …")
    body: str | None = Field(None, max_length=200, description="Adopting or issuing body, e.g. ECOSOC")
    symbol: str | None = Field(None, max_length=100, description="Document symbol, e.g. E/RES/1992/41")
    year_from: int | None = Field(None, ge=1900, le=2100)
    year_to: int | None = Field(None, ge=1900, le=2100)
    country: str | None = Field(None, pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3 code")
    kind: str | None = Field(None, max_length=20, description="Passage kind: operative, preambular, …")
    doc_id: str | None = Field(None, max_length=200, description="Search inside one document")


class SearchBody(BaseModel):
    """A search as a JSON body (POST /search): the same as GET /search, filters nested."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.SEARCH_BODY]})

    q: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, pattern=r"\S", description="The query")
    k: int = Field(10, ge=1, le=MAX_K, description="Page size: results per page")
    offset: int = Field(0, ge=0, le=1000, description="Results to skip, for paging")
    mode: Literal["hybrid", "semantic", "keyword"] = "hybrid"
    filters: SearchFilters = Field(default_factory=SearchFilters)
    facets: bool = Field(False, description="Also count matches by doc_type, body, year, country and kind")


class ChunkOut(BaseModel):
    """A passage of a document."""

    chunk_id: int
    ordinal: int
    text: str
    kind: str
    label: str | None
    heading_path: list[str]
    page: int
    page_end: int


class ReferenceOut(BaseModel):
    """A symbol the document recalls or cites."""

    symbol: str
    raw: str
    label: str | None = None


class DocumentDetail(DocumentSummary):
    """A document's metadata and its passages in order."""

    sha256: str
    pages: int
    references: list[ReferenceOut]
    chunks: list[ChunkOut]


class SimilarResponse(BaseModel):
    """Passages in other documents close to one passage."""

    chunk_id: int
    results: list[SearchHit]


class Health(BaseModel):
    """Liveness, with the index's facts when it is loaded (null when it is not)."""

    status: str
    documents: int | None = None
    chunks: int | None = None
    model: str | None = None
    generation: str | None = None


class Ready(BaseModel):
    """Readiness: the index is loaded and answers."""

    status: Literal["ready"]
    generation: str
    documents: int
    chunks: int


class DocumentList(BaseModel):
    """A page of documents passing the filters, newest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.DOCUMENT_LIST]})

    total: int
    offset: int
    limit: int
    next_offset: int | None = None
    documents: list[DocumentSummary]


class ChunkList(BaseModel):
    """A page of a document's passages in reading order."""

    document_id: str
    total: int
    offset: int
    limit: int
    next_offset: int | None = None
    chunks: list[ChunkOut]


class LinkOut(BaseModel):
    """One reference: the symbol as normalised and as written, where it stands, and the indexed document."""

    symbol: str
    raw: str
    label: str | None = None
    chunk_ordinal: int | None = None
    document: DocumentSummary | None = Field(None, description="The document at the other end, when indexed")


class References(BaseModel):
    """What a document recalls, and which indexed documents recall it."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.REFERENCES]})

    document_id: str
    recalls: list[LinkOut]
    recalled_by: list[LinkOut]


class CountOut(BaseModel):
    """Documents and passages with one value."""

    value: str
    documents: int
    passages: int


class ModelOut(BaseModel):
    """The embedding model the index was built with."""

    name: str
    dimension: int


class Stats(BaseModel):
    """Index statistics."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.STATS]})

    documents: int
    chunks: int
    generation: str
    updated_at: str
    model: ModelOut
    by_doc_type: list[CountOut]
    by_body: list[CountOut]
    by_year: list[CountOut]
    by_country: list[CountOut]


class UploadOutcome(BaseModel):
    """What happened to one uploaded file."""

    filename: str = Field(description="The name the client sent")
    saved_as: str | None = Field(None, description="The safe name it was saved under")
    document_id: str | None = None
    status: Literal["added", "updated", "unchanged", "failed"]
    reason: str | None = Field(None, description="Why it failed: a stable code, e.g. unsupported, encrypted")
    message: str | None = None


class UploadResponse(BaseModel):
    """Outcomes of an upload, one per file, in the order sent."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.UPLOAD_RESPONSE]})

    files: list[UploadOutcome]
    generation: str | None = Field(None, description="The index generation after the upload")


class Deleted(BaseModel):
    """A removed document."""

    id: str
    removed: bool
    generation: str | None = None
    file_deleted: bool = Field(description="Whether its uploaded file was deleted too (only uploads are)")


class ErrorBody(BaseModel):
    """The one error shape."""

    code: str
    message: str
    detail: object | None = None


class ErrorResponse(BaseModel):
    """Every error response: {"error": {"code", "message", "detail"}}."""

    error: ErrorBody


def document_summary(document: Document) -> DocumentSummary:
    """API view of a document."""
    from pathlib import Path

    return DocumentSummary(id=document.id, title=document.title, source=Path(document.source).name,
                           doc_type=document.doc_type, symbol=document.symbol, body=document.body,
                           date=document.date, language=document.language, countries=list(document.countries))


def search_hit(hit: Hit) -> SearchHit:
    """API view of a hit."""
    chunk = hit.chunk
    return SearchHit(rank=hit.rank, score=hit.score, chunk_id=hit.chunk_id, text=chunk.text, page=chunk.page_start,
                     page_end=chunk.page_end, label=chunk.label, kind=chunk.kind,
                     heading_path=list(chunk.heading_path),
                     highlights=[fragment_html(chunk.text, f) for f in hit.fragments],
                     highlight_spans=[HighlightSpan(start=f.start, end=f.end, marks=list(f.marks))
                                      for f in hit.fragments],
                     retrievers=list(hit.retrievers), document=document_summary(hit.document),
                     also_in=[DuplicatePlace(chunk_id=d.chunk_id, label=d.chunk.label, page=d.chunk.page_start,
                                             document=document_summary(d.document)) for d in hit.duplicates])


def search_response(result: SearchResult, request: SearchRequest) -> SearchResponse:
    """API view of a search result."""
    end = request.offset + len(result.hits)
    facets = ({name: [FacetValue(value=v, count=c) for v, c in values] for name, values in result.facets.items()}
              if request.facets else None)
    return SearchResponse(query=result.query, mode=result.mode, k=request.k, offset=request.offset,
                          total=result.total, next_offset=end if result.hits and end < result.total else None,
                          took_ms=result.took_ms, results=[search_hit(h) for h in result.hits],
                          suggestions=list(result.suggestions), facets=facets)


def link_out(link: Link) -> LinkOut:
    """API view of a precedent link."""
    return LinkOut(symbol=link.symbol, raw=link.raw, label=link.label, chunk_ordinal=link.chunk_ordinal,
                   document=document_summary(link.document) if link.document is not None else None)


def chunk_out(stored: StoredChunk) -> ChunkOut:
    """API view of a stored chunk."""
    c = stored.chunk
    return ChunkOut(chunk_id=stored.id, ordinal=c.ordinal, text=c.text, kind=c.kind, label=c.label,
                    heading_path=list(c.heading_path), page=c.page_start, page_end=c.page_end)


def document_detail(document: Document, chunks: list[StoredChunk]) -> DocumentDetail:
    """API view of a document with its chunks."""
    summary = document_summary(document).model_dump()
    return DocumentDetail(**summary, sha256=document.sha256, pages=document.pages,
                          references=[ReferenceOut(symbol=r.symbol, raw=r.raw, label=r.label)
                                      for r in document.references],
                          chunks=[chunk_out(c) for c in chunks])
