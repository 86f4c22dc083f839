"""Pydantic models of the HTTP API: the stable, documented field names (a search result's are in web/results.py)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from index.search import SearchRequest
from index.types import Link, StoredChunk
from ingest.types import Document
from search_api import examples
from web.results import DocumentSummary, SearchHit, SearchResponse, document_summary
from web.search_params import QueryText, SearchFilters, SearchOptions

__all__ = ["SearchResponse"]  # the API's search answer: the one result shape, defined with its renderings in web


class StrictSearchFilters(SearchFilters):
    """The filters of a JSON body: JSON `true` or "1990" is not a year (lenient parsing read `false` as 0)."""

    model_config = ConfigDict(strict=True, extra="forbid")


class SearchBody(SearchOptions, QueryText):
    """A search as a JSON body (POST /search): the same as GET /search, filters nested."""

    # strict, like the filters: {"offset": false} or {"k": "3"} is a 422, not 0 or 3
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [examples.SEARCH_BODY]})

    filters: StrictSearchFilters = Field(StrictSearchFilters(), description="Every filter that is set must hold")

    def request(self) -> SearchRequest:
        """The engine's request."""
        return SearchRequest(query=self.q, k=self.k, mode=self.mode, filters=self.filters.filters(),
                             offset=self.offset, facets=self.facets)


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
    status: Literal["pending", "added", "updated", "unchanged", "failed"]
    reason: str | None = Field(None, description="Why it failed: a stable code, e.g. unsupported, encrypted")
    message: str | None = None
    warnings: list[str] = Field(default_factory=list, description="Caveats of a file that was ingested, "
                                "e.g. symbol_conflict: its symbol is another document's, so it was stored without it")


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
