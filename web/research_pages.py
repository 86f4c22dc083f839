"""Pages for researchers: a symbol's page (/symbols/{symbol}) and the mandates page (/mandates).

An APIRouter like web/routes.py (read policy); `install_template_globals` lets a document page list its mandates.
"""
from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from edge.access import policy
from edge.urls import public_base
from index.research import MandateFilters, MandateRecord, canonical_symbol, official_links
from web.citation import bibtex, citation, ris

CITATION_FORMATS = {"ris": ("application/x-research-info-systems", ris), "bib": ("application/x-bibtex", bibtex)}

router = APIRouter(dependencies=[policy("read")])


def install_template_globals(templates: Jinja2Templates) -> None:
    """Document pages list their mandates through this global."""
    templates.env.globals["mandates_of"] = _mandates_of


@router.get("/mandates", response_class=HTMLResponse, include_in_schema=False)
def mandates_page(request: Request) -> HTMLResponse:
    """Requests and invitations of the indexed texts, filtered by party, body, due year and status."""
    filters, notices = _mandate_filters(request)
    total, records = request.app.state.engine.mandates(filters, 0, 100)
    context = {"records": records, "total": total, "filters": filters, "notices": notices, "q": ""}
    return request.app.state.templates.TemplateResponse(request, "mandates.html", context)


@router.get("/documents/{doc_id}/cite.{fmt}", include_in_schema=False)
def cite(request: Request, doc_id: str = Path(..., max_length=200), fmt: str = Path(..., pattern="^(ris|bib|txt)$"),
         chunk: int | None = Query(None, ge=0, description="a passage's ordinal: cite the passage")) -> Response:
    """A document's (or one passage's) citation as RIS, BibTeX or text."""
    document, chunks = request.app.state.engine.document(doc_id)  # NotFound: 404
    passage = next((c.chunk for c in chunks if c.chunk.ordinal == chunk), None)
    if chunk is not None and passage is None:
        return PlainTextResponse(f"document {doc_id!r} has no passage {chunk}", status_code=404)
    url = f"{public_base(request)}documents/{doc_id}" + (f"#c{chunk}" if passage else "")
    if fmt == "txt":
        return PlainTextResponse(citation(document, passage) + "\n")
    media, render = CITATION_FORMATS[fmt]
    name = f"{doc_id}{'-' + str(chunk) if passage else ''}.{fmt}"
    return Response(render(document, url, passage), media_type=f"{media}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/symbols/{symbol:path}", response_class=HTMLResponse, include_in_schema=False)
def symbol_page(request: Request, symbol: str = Path(..., min_length=1, max_length=200)) -> HTMLResponse:
    """A symbol's page: its document, what recalls it, what it recalls, and its official record's links."""
    record = request.app.state.engine.symbol(symbol)
    undocs, library = official_links(canonical_symbol(symbol))
    context = {"record": record, "symbol": record.symbol if record else canonical_symbol(symbol),
               "undocs_url": undocs, "library_url": library, "citation": citation, "q": ""}
    return request.app.state.templates.TemplateResponse(request, "symbol.html", context,
                                                        status_code=200 if record else 404)


def _mandates_of(request: Request, doc_id: str) -> list[MandateRecord]:
    """A document's mandates, for its page."""
    records: list[MandateRecord] = request.app.state.engine.mandates(MandateFilters(doc_id=doc_id), 0, 100)[1]
    return records


def _mandate_filters(request: Request) -> tuple[MandateFilters, list[str]]:
    """The page's filters from its query string; a bad value is explained and ignored, never fatal."""
    params = request.query_params
    notices: list[str] = []
    years: dict[str, int | None] = {}
    for name in ("due_from", "due_to"):
        value = params.get(name, "").strip()
        years[name] = int(value) if value.isdigit() and 1900 <= int(value) <= 2100 else None
        if value and years[name] is None:
            notices.append(f"{name.replace('_', ' ')} must be a year such as 2026; {value!r} was ignored.")
    status = params.get("status") or None
    if status not in (None, "answered", "open"):
        notices.append(f"status is answered or open; {status!r} was ignored.")
        status = None
    party = (params.get("party") or "").strip()[:200] or None
    body = (params.get("body") or "").strip()[:200] or None
    return MandateFilters(party=party, body=body, due_from=years["due_from"], due_to=years["due_to"],
                          status=status), notices
