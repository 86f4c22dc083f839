"""The FastAPI application: built from Settings by create_app, never at import time."""
from __future__ import annotations

import threading

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from index.embedder import Embedder
from index.search import SearchEngine
from index.snapshot import IndexHolder
from search_api.errors import install_error_handlers
from search_api.keys import KeyStore
from search_api.limits import BodyLimitMiddleware, RateLimiter, Scope, TimeoutMiddleware
from search_api.settings import Settings

API_PREFIX = "/api/v1"
UPLOAD_PATH = API_PREFIX + "/documents"

DESCRIPTION = """Semantic and keyword search over development-cooperation documents: resolutions, plans of
action, reports and good-practice reports.

**Access.** Reads are open unless the server sets `COOPSEARCH_OPEN_READS=false`; writes (upload, delete)
need a key with scope `write`. Send a key as `Authorization: Bearer csk_…` or `X-API-Key: csk_…`
(create one with `coopsearch keys create NAME --scope write`). A key that is sent must be valid.

**Limits.** Requests are rate-limited per key (or per address without one): 429 with `Retry-After`.
Bodies over the limit get 413; reads that run too long get 504.

**Errors** all have one shape: `{"error": {"code", "message", "detail"}}`."""

TAGS = [{"name": "search", "description": "Passages ranked for a query; similar passages"},
        {"name": "documents", "description": "Documents, their passages, files and references; upload, delete"},
        {"name": "service", "description": "Health, readiness and statistics"}]


def create_app(settings: Settings, embedder: Embedder | None = None) -> FastAPI:
    """Build the app: API under /api/v1, the search page at /. Pass `embedder` to share a loaded model."""
    from search_api import documents, opensearch, research_routes, routes
    from web.pages import install_pages
    from web.research_pages import install_research_pages

    app = FastAPI(title="coopsearch", version="1.0", description=DESCRIPTION, openapi_tags=TAGS)
    embedder = embedder or settings.make_embedder()
    fusion = settings.fusion()
    app.state.settings = settings
    app.state.embedder = embedder
    app.state.engine = SearchEngine(IndexHolder(settings.index, embedder.info), embedder, fusion)
    app.state.keys = KeyStore(settings.keys_path())
    app.state.limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
    app.state.write_lock = threading.Lock()
    app.state.stats_cache = {}
    install_error_handlers(app)
    for router in (routes.read_router, routes.service_router, documents.read_router, documents.write_router,
                   research_routes.read_router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(opensearch.router)
    install_pages(app)
    install_research_pages(app)
    install_middleware(app, settings)
    if settings.open_reads:
        _document_open_reads(app)
    return app


def _document_open_reads(app: FastAPI) -> None:
    """Mark reads' security optional in the OpenAPI schema (an empty requirement), as they are."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    is_read = method == "get" or path == API_PREFIX + "/search"
                    if is_read and operation.get("security") and {} not in operation["security"]:
                        operation["security"].append({})
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Time limit (innermost), body-size limit, then CORS outermost so that every answer carries its headers."""
    app.add_middleware(TimeoutMiddleware, timeout_s=settings.request_timeout_s, applies=_timed)

    def body_limit(scope: Scope) -> int:
        is_upload = scope.get("method") == "POST" and scope.get("path", "").rstrip("/") == UPLOAD_PATH
        return settings.max_upload_bytes if is_upload else settings.max_body_bytes

    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type"],
                           expose_headers=["Retry-After"], max_age=600)


def _timed(scope: Scope) -> bool:
    """Reads get the time limit; uploads and removals are bounded by the per-file parse time limit instead."""
    path = scope.get("path", "")
    if not path.startswith(API_PREFIX + "/"):
        return False
    return scope.get("method") in ("GET", "HEAD") or path.rstrip("/") == API_PREFIX + "/search"
