"""Pydantic models of the HTTP API: the stable, documented field names."""
from __future__ import annotations

from pydantic import BaseModel, Field

from index.types import Hit, SearchResult
from index.search import SearchRequest
from index.types import StoredChunk
from ingest.types import Document


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
    retrievers: list[str]
    document: DocumentSummary


class SearchResponse(BaseModel):
    """Search results."""

    query: str
    mode: str
    k: int
    offset: int
    total: int = Field(description="Candidates found before paging")
    took_ms: float
    results: list[SearchHit]


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
    """Liveness and index facts."""

    status: str
    documents: int
    chunks: int
    model: str
    generation: str


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
                     heading_path=list(chunk.heading_path), highlights=list(hit.highlights),
                     retrievers=list(hit.retrievers), document=document_summary(hit.document))


def search_response(result: SearchResult, request: SearchRequest) -> SearchResponse:
    """API view of a search result."""
    return SearchResponse(query=result.query, mode=result.mode, k=request.k, offset=request.offset,
                          total=result.total, took_ms=result.took_ms, results=[search_hit(h) for h in result.hits])


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
