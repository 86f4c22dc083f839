"""HTML pages: the search page and the document page, rendered with Jinja2 from the same engine."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from index.errors import BadQuery
from index.highlight import mark, match_spans, query_terms
from index.search import SEARCH_MODES, SearchRequest
from search_api.errors import ApiError

PACKAGE_DIR = Path(__file__).resolve().parent


def highlight_html(text: str, query: str) -> Markup:
    """The passage, HTML-escaped, with the query's terms in <mark>."""
    return Markup(mark(text, match_spans(text, query_terms(query)) if query else []))


def install_pages(app: FastAPI) -> None:
    """Mount the static files and register the page routes."""
    templates = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))
    templates.env.filters["highlight"] = highlight_html
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(PACKAGE_DIR / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str = Query("", max_length=1000), mode: str = Query("hybrid"),
                    k: int = Query(10, ge=1, le=100)) -> HTMLResponse:
        context: dict[str, object] = {"q": q, "mode": mode, "modes": SEARCH_MODES, "result": None, "error": None}
        if q.strip():
            try:
                context["result"] = request.app.state.engine.search(SearchRequest(query=q, k=k, mode=mode))
            except BadQuery as exc:
                context["error"] = str(exc)
        return templates.TemplateResponse(request, "search.html", context)

    @app.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(request: Request, doc_id: str, q: str = Query("", max_length=1000)) -> HTMLResponse:
        found = request.app.state.engine.document(doc_id)
        if found is None:
            raise ApiError(404, "not_found", f"no document with id {doc_id!r}")
        document, chunks = found
        return templates.TemplateResponse(request, "document.html",
                                          {"document": document, "chunks": chunks, "q": q})
