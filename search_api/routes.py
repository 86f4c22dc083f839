"""JSON endpoints under /api/v1. Each parses input, calls the engine once, and shapes the answer."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Request

from index.search import MAX_K, MAX_QUERY_CHARS, SearchEngine, SearchRequest
from index.types import Filters
from search_api import schemas
from search_api.errors import ApiError

router = APIRouter()
ERRORS = {422: {"model": schemas.ErrorResponse}, 404: {"model": schemas.ErrorResponse},
          503: {"model": schemas.ErrorResponse}}


def engine_of(request: Request) -> SearchEngine:
    """The app's search engine."""
    return request.app.state.engine


@router.get("/search", response_model=schemas.SearchResponse, responses=ERRORS, tags=["search"])
def search(request: Request,
           q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, description="The query",
                          examples=["talent bank database"]),
           k: int = Query(10, ge=1, le=MAX_K, description="Number of results"),
           mode: Literal["hybrid", "semantic", "keyword"] = Query("hybrid"),
           offset: int = Query(0, ge=0, le=1000, description="Results to skip, for paging"),
           doc_type: str | None = Query(None, max_length=40, description="resolution, decision, report, …"),
           body: str | None = Query(None, max_length=200, description="Adopting or issuing body"),
           symbol: str | None = Query(None, max_length=100, description="Document symbol, e.g. A/80/39"),
           year_from: int | None = Query(None, ge=1900, le=2100),
           year_to: int | None = Query(None, ge=1900, le=2100),
           country: str | None = Query(None, min_length=3, max_length=3, description="ISO 3166-1 alpha-3 code"),
           kind: str | None = Query(None, max_length=20, description="operative, preambular, footnote, …"),
           ) -> schemas.SearchResponse:
    """Search passages: keyword (bm25) and semantic (embeddings), fused by reciprocal rank fusion.

    Filters apply inside both retrievers, so `k` results come back whenever `k` passages match.
    """
    filters = Filters(doc_type=doc_type, body=body, symbol=symbol, year_from=year_from, year_to=year_to,
                      country=country.upper() if country else None, kind=kind)
    search_request = SearchRequest(query=q, k=k, mode=mode, filters=filters, offset=offset)
    result = engine_of(request).search(search_request)
    return schemas.search_response(result, search_request)


@router.get("/documents/{doc_id}", response_model=schemas.DocumentDetail, responses=ERRORS, tags=["documents"])
def document(request: Request, doc_id: str = Path(..., max_length=200)) -> schemas.DocumentDetail:
    """A document's metadata and its passages in reading order."""
    found = engine_of(request).document(doc_id)
    if found is None:
        raise ApiError(404, "not_found", f"no document with id {doc_id!r}")
    return schemas.document_detail(*found)


@router.get("/chunks/{chunk_id}/similar", response_model=schemas.SimilarResponse, responses=ERRORS,
            tags=["search"])
def similar(request: Request, chunk_id: int = Path(..., ge=1, le=2**62),
            k: int = Query(10, ge=1, le=MAX_K)) -> schemas.SimilarResponse:
    """The passages in other documents nearest to this one."""
    try:
        _, hits = engine_of(request).similar(chunk_id, k)
    except KeyError:
        raise ApiError(404, "not_found", f"no passage with id {chunk_id}") from None
    return schemas.SimilarResponse(chunk_id=chunk_id, results=[schemas.search_hit(h) for h in hits])


@router.get("/health", response_model=schemas.Health, tags=["service"])
def health(request: Request) -> schemas.Health:
    """Liveness, with the loaded index's counts."""
    snapshot = engine_of(request).holder.current()
    manifest = snapshot.manifest
    return schemas.Health(status="ok", documents=manifest.documents, chunks=manifest.chunks,
                          model=manifest.model.name, generation=manifest.generation)
