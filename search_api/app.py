"""The FastAPI application: built from Settings by create_app, never at import time."""
from __future__ import annotations

import contextlib
import threading

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import Scope

from edge.errors import install_error_handlers
from edge.headers import SecurityHeadersMiddleware
from edge.keys import KeyStore
from edge.limits import BodyLimitMiddleware, RateLimiter, TimeoutMiddleware
from edge.provenance import ProvenanceBook
from index.embedder import Embedder
from index.errors import CoopsearchError
from index.search import SearchEngine
from search_api.jobs import UploadWorker
from search_api.settings import Settings
from search_api.uploads import reconcile_uploads

API_PREFIX = "/api/v1"
UPLOAD_PATH = API_PREFIX + "/documents"

DESCRIPTION = """Semantic and keyword search over development-cooperation documents: resolutions, plans of
action, reports and good-practice reports.

**Access.** Reads are open unless the server sets `COOPSEARCH_OPEN_READS=false`; writes (upload, delete)
need a key with scope `write`. Send a key as `Authorization: Bearer csk_…` or `X-API-Key: csk_…`
(create one with `coopsearch keys create NAME --scope write`). A key that is sent must be valid.

**Limits.** Requests are rate-limited per key (or per address without one): 429 with `Retry-After`.
Bodies over the limit get 413; requests that run too long get 504.

**Errors** all have one shape: `{"error": {"code", "message", "detail"}}`."""

TAGS = [{"name": "search", "description": "Passages ranked for a query; similar passages"},
        {"name": "documents", "description": "Documents, their passages, files and references; upload, delete"},
        {"name": "service", "description": "Health, readiness and statistics"}]
# Paths that are neither timed nor limited: they answer at once and must stay reachable under load.
_UNTIMED_PREFIXES = ("/static/", "/docs/assets/", API_PREFIX + "/health", API_PREFIX + "/ready")


def create_app(settings: Settings, embedder: Embedder | None = None) -> FastAPI:
    """Build the app: API under /api/v1, the search page at /. Pass `embedder` to share a loaded model."""
    from search_api import docs, documents, opensearch, research_routes, routes
    from web import research_pages
    from web import routes as pages

    app = FastAPI(title="coopsearch", version="1.0", description=DESCRIPTION, openapi_tags=TAGS,
                  docs_url=None, redoc_url=None, openapi_url=None)
    embedder = embedder or settings.make_embedder()
    embedder.warm_up()  # the query's ONNX session and first run now, not in the first search
    app.state.settings = settings
    app.state.edge = settings.edge_config()
    app.state.embedder = embedder
    app.state.engine = settings.make_engine(embedder)
    app.state.keys = KeyStore(settings.keys_path())
    app.state.limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
    app.state.write_lock = threading.Lock()
    app.state.provenance = ProvenanceBook(settings.index.parent / "uploads-provenance.json", settings.uploads_dir(),
                                          settings.corpus)
    app.state.uploads = UploadWorker(settings, embedder, app.state.write_lock, app.state.provenance,
                                     committed=app.state.engine.refresh)
    _reconcile_uploads(app.state.engine, settings)
    threading.Thread(target=_warm_up, args=(app.state.engine,), name="search-warm-up", daemon=True).start()
    app.state.templates = pages.make_templates()
    research_pages.install_template_globals(app.state.templates)
    install_error_handlers(app)
    for router in (routes.read_router, routes.service_router, documents.read_router, documents.write_router,
                   research_routes.read_router):
        app.include_router(router, prefix=API_PREFIX)
    for router in (opensearch.router, docs.router, docs.assets, pages.router, research_pages.router, pages.assets):
        app.include_router(router)
    install_middleware(app, settings)
    if settings.open_reads:
        _document_open_reads(app)
    return app


def _reconcile_uploads(engine: SearchEngine, settings: Settings) -> None:
    """Bring the uploads folder in step with the index after a crash (nothing to do without an index)."""
    try:
        hashes = engine.document_hashes()
    except CoopsearchError:
        return
    reconcile_uploads(settings.uploads_dir(), hashes)


def _warm_up(engine: SearchEngine) -> None:
    """The passages' search features computed before the first searches need them (index.search.warm_up)."""
    with contextlib.suppress(CoopsearchError):  # no index yet, or a broken one: the searches will say so
        engine.warm_up()


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
    """Time limit (innermost), body-size limit, CORS, then the security headers outermost, so that every
    answer (errors, 413s and 504s from the middleware included) carries them."""
    app.add_middleware(TimeoutMiddleware, timeout_s=settings.request_timeout_s, applies=timed)

    def body_limit(scope: Scope) -> int:
        is_upload = scope.get("method") == "POST" and scope.get("path", "").rstrip("/") == UPLOAD_PATH
        return settings.max_upload_bytes if is_upload else settings.max_body_bytes

    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type"],
                           expose_headers=["Retry-After"], max_age=600)
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)


def timed(scope: Scope) -> bool:
    """Every request that searches or renders gets the time limit (pages, exports and the feed included);
    static files and health do not, nor uploads and removals, which the parse time limit bounds instead."""
    path: str = scope.get("path", "")
    if path.startswith(_UNTIMED_PREFIXES):
        return False
    return not (scope.get("method") in ("POST", "DELETE") and path.startswith(UPLOAD_PATH))
