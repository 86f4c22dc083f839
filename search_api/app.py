"""The FastAPI application: built from Settings by create_app, never at import time."""
from __future__ import annotations

from fastapi import FastAPI

from index.embedder import Embedder
from index.fusion import FusionConfig
from index.search import SearchEngine
from index.snapshot import IndexHolder
from search_api.errors import install_error_handlers
from search_api.settings import Settings


def create_app(settings: Settings, embedder: Embedder | None = None) -> FastAPI:
    """Build the app: API under /api/v1, the search page at /. Pass `embedder` to share a loaded model."""
    from search_api.routes import router as api_router
    from web.pages import install_pages

    app = FastAPI(title="coopsearch", version="1.0",
                  description="Semantic and keyword search over development-cooperation documents: "
                              "resolutions, plans of action, reports and good-practice reports.")
    embedder = embedder or settings.make_embedder()
    fusion = FusionConfig(rrf_k=settings.rrf_k, keyword_weight=settings.keyword_weight,
                          semantic_weight=settings.semantic_weight)
    app.state.settings = settings
    app.state.embedder = embedder
    app.state.engine = SearchEngine(IndexHolder(settings.index, embedder.info), embedder, fusion)
    install_error_handlers(app)
    app.include_router(api_router, prefix="/api/v1")
    install_pages(app)
    return app
