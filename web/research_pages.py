"""Pages for researchers: a symbol's page (/symbols/{symbol}) and the mandates page (/mandates).

Registered by `install_research_pages(app)` after the other pages (it reuses their templates).
"""
from __future__ import annotations

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse

from index.research import canonical_symbol, official_links, symbol_record
from web.citation import citation

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def install_research_pages(app: FastAPI) -> None:
    """Register the symbol and mandate pages."""

    @app.get("/symbols/{symbol:path}", response_class=HTMLResponse, include_in_schema=False)
    def symbol_page(request: Request, symbol: str = Path(..., min_length=1, max_length=200)) -> HTMLResponse:
        record = symbol_record(request.app.state.engine.holder.current().store, symbol)
        undocs, library = official_links(canonical_symbol(symbol))
        context = {"record": record, "symbol": record.symbol if record else canonical_symbol(symbol),
                   "undocs_url": undocs, "library_url": library, "citation": citation, "q": ""}
        return request.app.state.templates.TemplateResponse(
            request, "symbol.html", context, status_code=200 if record else 404, headers=SECURITY_HEADERS)
