"""JSON endpoints under /api/v1. Each parses input, calls the engine once, and shapes the answer.

`read_router` needs a read key (or none when reads are open); `service_router` (health, readiness)
is always open. The document endpoints, writes included, are in search_api/documents.py.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response

from edge.access import policy
from index.facts import IndexStats, ValueCount
from index.search import MAX_K, SearchEngine, SearchRequest
from search_api import examples, schemas
from web.results import search_hit, search_response
from web.search_params import SearchParams

read_router = APIRouter(dependencies=[policy("read")])
service_router = APIRouter(dependencies=[policy("open", limited=False)])

_ERROR_TEXT = {400: "Malformed request (e.g. a body that is not UTF-8 or not multipart)",
               401: "Missing or invalid API key", 403: "The API key lacks the scope",
               404: "No such document or passage", 409: "Another ingest holds the index's write lock",
               413: "Request body over the size limit", 415: "Not multipart/form-data",
               422: "Invalid parameter or body",
               429: "Rate limit exceeded; see Retry-After", 503: "Index not loaded", 504: "Request timed out"}
_HEADERS = {401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
            409: {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait"}},
            429: {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait",
                                  "required": True}}}


def errors(*codes: int) -> dict[int | str, dict]:
    """OpenAPI `responses` for these error statuses, all in the one error shape."""
    out: dict[int | str, dict] = {}
    for code in codes:
        out[code] = {"model": schemas.ErrorResponse, "description": _ERROR_TEXT[code]}
        if code in _HEADERS:
            out[code]["headers"] = _HEADERS[code]
    return out


READ_ERRORS = (401, 422, 429, 503, 504)


def engine_of(request: Request) -> SearchEngine:
    """The app's search engine."""
    return request.app.state.engine


@read_router.get("/search", response_model=schemas.SearchResponse, responses=errors(*READ_ERRORS), tags=["search"])
def search(request: Request, params: Annotated[SearchParams, Query()]) -> Response:
    """Search passages: keyword (bm25) and semantic (embeddings), fused (by default distribution-based score
    fusion; the server's COOPSEARCH_FUSION_METHOD may choose rrf or minmax).

    Filters apply inside both retrievers, so `k` results come back whenever `k` passages match.
    Page with `offset` (the answer's `next_offset`) and `k` as the page size.
    """
    return _search(request, params.request())


@read_router.post("/search", response_model=schemas.SearchResponse, responses=errors(400, 413, *READ_ERRORS),
                  tags=["search"])
def search_post(request: Request, payload: schemas.SearchBody = Body(
        ..., openapi_examples={"filtered": {"summary": "Operative paragraphs of resolutions, 1978-2000, with facets",
                                            "value": examples.SEARCH_BODY}})) -> Response:
    """The same search with a JSON body: filters nested in `filters`, plus `doc_id` to search one document."""
    return _search(request, payload.request())


def _search(request: Request, search_request: SearchRequest) -> Response:
    """The answer as JSON, serialised here from the model it was built as. Returned as a model, FastAPI would
    dump it, validate the dump against `response_model` again and serialise that, in a second trip to the
    thread pool: about 0.3 ms of CPU on a 10-hit page plus a thread hand-over, for a shape the model already
    guarantees (`response_model` still documents it)."""
    result = engine_of(request).search(search_request)
    answer = search_response(result, search_request, str(request.base_url))
    return Response(answer.model_dump_json(), media_type="application/json")


@read_router.get("/chunks/{chunk_id}/similar", response_model=schemas.SimilarResponse,
                 responses=errors(404, *READ_ERRORS), tags=["search"])
def similar(request: Request, chunk_id: int = Path(..., ge=1, le=2**62, examples=[42]),
            k: int = Query(10, ge=1, le=MAX_K, description="Number of results")) -> schemas.SimilarResponse:
    """The passages in other documents nearest to this one."""
    _, hits = engine_of(request).similar(chunk_id, k)
    return schemas.SimilarResponse(chunk_id=chunk_id, results=[search_hit(h, str(request.base_url)) for h in hits])


@read_router.get("/stats", response_model=schemas.Stats, responses=errors(*READ_ERRORS), tags=["service"])
def stats(request: Request) -> schemas.Stats:
    """Counts of documents and passages by type, body, year and country; the index generation and model."""
    return stats_out(engine_of(request).stats())


def stats_out(stats: IndexStats) -> schemas.Stats:
    """The API's view of the index statistics."""
    def counts(values: tuple[ValueCount, ...]) -> list[schemas.CountOut]:
        return [schemas.CountOut(value=v.value, documents=v.documents, passages=v.passages) for v in values]

    manifest = stats.manifest
    return schemas.Stats(
        documents=manifest.documents, chunks=manifest.chunks, generation=manifest.generation,
        updated_at=manifest.updated_at, model=schemas.ModelOut(name=manifest.model.name,
                                                               dimension=manifest.model.dimension),
        by_doc_type=counts(stats.by_doc_type), by_body=counts(stats.by_body), by_year=counts(stats.by_year),
        by_country=counts(stats.by_country))


@service_router.get("/health", response_model=schemas.Health, tags=["service"])
def health(request: Request) -> schemas.Health:
    """Liveness: always 200 while the process serves; the index's counts when it is loaded."""
    manifest = engine_of(request).health()
    if manifest is None:
        return schemas.Health(status="ok")
    return schemas.Health(status="ok", documents=manifest.documents, chunks=manifest.chunks,
                          model=manifest.model.name, generation=manifest.generation)


@service_router.get("/ready", response_model=schemas.Ready, responses=errors(503), tags=["service"])
def ready(request: Request) -> schemas.Ready:
    """Readiness: 200 when the index is loaded and its store and engines answer (on the milvus backend: the Milvus
    server, probed each call), 503 in the error shape otherwise."""
    manifest = engine_of(request).ready()
    return schemas.Ready(status="ready", generation=manifest.generation, documents=manifest.documents,
                         chunks=manifest.chunks)
