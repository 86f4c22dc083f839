"""The page routes (search, document, similar passages), the exports (CSV, JSON, Atom) and the static files.

`router` holds the pages and exports (policy read: closed with the API when reads are closed); `assets`
the static files (open, not rate-limited). search_api mounts both."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from edge.access import policy
from edge.errors import ApiError
from edge.urls import public_base
from index.errors import BadQuery
from index.highlight import highlight_spans
from index.search import MAX_K, SearchEngine
from index.types import MODE_HINTS, SEARCH_MODES, Hit, SearchResult
from web import views
from web.citation import citation, short_body
from web.export import atom_feed, csv_row, export_json, to_csv
from web.marks import fragment_html, mark_html
from web.params import PageQuery, parse_query, query_string
from web.results import SearchResponse, search_hit, search_response

PACKAGE_DIR = Path(__file__).resolve().parent
MODES = tuple((mode, mode.capitalize(), MODE_HINTS[mode]) for mode in SEARCH_MODES)
EXAMPLES = ("talent bank database", "consultants from developing countries", "what is triangular cooperation",
            "lessons learned from South-South cooperation training")
FEED_K = 50
STATIC = StaticFiles(directory=str(PACKAGE_DIR / "static"))

router = APIRouter(dependencies=[policy("read")])
assets = APIRouter(dependencies=[policy("open", limited=False)])
_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)([^*\n]+?)(?<=\S)\1")


def highlight_html(text: str, query: str) -> Markup:
    """The passage, HTML-escaped, with the query's terms in <mark>."""
    return Markup(mark_html(text, highlight_spans(text, query) if query else []))


def emphasis_html(text: str | Markup) -> Markup:
    """*text* and **text** of the source as <em> and <strong>; plain strings are escaped first."""
    def tag(match: re.Match[str]) -> str:
        name = "strong" if len(match[1]) == 2 else "em"
        return f"<{name}>{match[2]}</{name}>"

    return Markup(_EMPHASIS.sub(tag, str(escape(text))))


@dataclass(frozen=True)
class HitView:
    """A result as the page shows it."""

    hit: Hit
    fragments: list[Markup]
    citation: str
    passage_href: str
    similar_href: str


def hit_views(hits: tuple[Hit, ...] | list[Hit], q: str) -> list[HitView]:
    """Results with their highlighted fragments (escaped by the engine), citation and links."""
    suffix = "?" + urlencode({"q": q}) if q else ""
    return [HitView(hit, [Markup(fragment_html(hit.chunk.text, f)) for f in hit.fragments],
                    citation(hit.document, hit.chunk),
                    f"/documents/{hit.document.id}{suffix}#c{hit.chunk.ordinal}", f"/chunks/{hit.chunk_id}/similar")
            for hit in hits]


def make_templates() -> Jinja2Templates:
    """The page templates with the filters they use (one set per app, kept in `app.state.templates`)."""
    templates = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))
    templates.env.filters["highlight"] = highlight_html
    templates.env.filters["emphasis"] = emphasis_html
    templates.env.filters["country_name"] = views.country_name
    templates.env.filters["language_name"] = views.language_name
    templates.env.filters["short_body"] = short_body
    templates.env.filters["kind_name"] = lambda kind: views.display_value("kind", kind)
    return templates


def render(request: Request, name: str, context: dict[str, object], status: int = 200) -> HTMLResponse:
    """A page from its template (the security headers come from the app's one middleware)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request) -> HTMLResponse:
    """The search page (the start page without a query)."""
    query, notices = parse_query(request.query_params)
    context = search_context(request, query, notices)
    return render(request, "search.html", context, 422 if context["error"] else 200)


@router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def document_page(request: Request, doc_id: str = PathParam(..., max_length=200),
                  q: str = Query("", max_length=1000)) -> HTMLResponse:
    """A document: metadata, its text in its structure, what it recalls and what recalls it."""
    engine: SearchEngine = request.app.state.engine
    document, chunks = engine.document(doc_id)
    context = {"document": document, "items": views.outline(document, chunks), "q": q,
               "links": engine.links(doc_id), "doc_citation": citation(document),
               "provenance": request.app.state.provenance.of(document.source),
               "back": "/?" + query_string(PageQuery(q=q), window=False) if q.strip() else None}
    return render(request, "document.html", context)


@router.get("/chunks/{chunk_id}/similar", response_class=HTMLResponse, include_in_schema=False)
def similar_page(request: Request, chunk_id: int = PathParam(..., ge=1, le=2**62),
                 k: int = Query(10, ge=1, le=MAX_K)) -> HTMLResponse:
    """The passages in other documents nearest to one passage."""
    engine: SearchEngine = request.app.state.engine
    source, hits = engine.similar(chunk_id, k)
    document = engine.document(source.chunk.doc_id)[0]
    return render(request, "similar.html", {
        "source": source, "document": document, "source_citation": citation(document, source.chunk),
        "hits": hit_views(hits, ""), "q": ""})


@router.get("/export.csv", include_in_schema=False)
def export_csv(request: Request) -> Response:
    """A search's passages as CSV: the result records, flattened."""
    query, response = export_search(request)
    return Response(to_csv([csv_row(record) for record in response.results]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{file_stem(query)}.csv"'})


@router.get("/export.json", include_in_schema=False)
def export_json_file(request: Request) -> Response:
    """A search's passages as JSON: the API's answer with the search's stable link."""
    query, response = export_search(request)
    link = public_base(request) + "?" + query_string(query, window=False)
    return JSONResponse(export_json(response, link),
                        headers={"Content-Disposition": f'attachment; filename="{file_stem(query)}.json"'})


@router.get("/feed.atom", include_in_schema=False)
def feed(request: Request) -> Response:
    """An Atom feed of a search's best passages, newest first."""
    query = strict_query(request, FEED_K)
    base = public_base(request)
    dated = [(search_hit(hit, base), added) for hit, added in request.app.state.engine.recent(query.request())]
    self_url = base + "feed.atom" + ("?" + request.url.query if request.url.query else "")
    body = atom_feed(dated[:query.k], title=f"coopsearch: {query.q}", self_url=self_url,
                     html_url=base + "?" + query_string(query, window=False))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@assets.get("/static/{path:path}", include_in_schema=False)
async def static_file(request: Request, path: str) -> Response:
    """The pages' CSS and script and the search widget (open: an intranet page embeds the widget)."""
    return await STATIC.get_response(path, request.scope)


def search_context(request: Request, query: PageQuery, notices: list[str]) -> dict[str, object]:
    """Everything the search page shows for a query (or the start page when there is none)."""
    engine: SearchEngine = request.app.state.engine
    base = public_base(request)
    context: dict[str, object] = {"query": query, "q": query.q, "modes": MODES, "notices": notices, "error": None,
                                  "result": None, "examples": EXAMPLES}
    if not query.q.strip():
        context["doc_total"], context["documents"] = engine.list_documents(limit=50)
        return context
    try:
        result: SearchResult = engine.search(query.request(facets=True))
    except BadQuery as exc:
        context["error"] = str(exc)
        return context
    plain = query_string(query, window=False)
    context.update({
        "result": result, "hits": hit_views(result.hits, query.q),
        "groups": views.facet_groups(query, result.facets), "chips": views.active_chips(query),
        "clear_filters": views.cleared(query), "pager": views.pager(query, len(result.hits), result.total),
        "stable_url": base + "?" + query_string(query), "csv_href": f"/export.csv?{plain}&k={MAX_K}",
        "json_href": f"/export.json?{plain}&k={MAX_K}", "feed_href": f"/feed.atom?{plain}",
        "semantic_href": views.page_href(PageQuery(q=query.q, mode="semantic", filters=query.filters)),
        "suggestion_hrefs": [(s, views.page_href(PageQuery(q=s, mode=query.mode, filters=query.filters)))
                             for s in result.suggestions],
    })
    return context


def strict_query(request: Request, default_k: int) -> PageQuery:
    """An export's query: unlike the page, an empty query or a bad parameter is an error."""
    query, problems = parse_query(request.query_params, default_k=default_k)
    if problems:
        raise ApiError(422, "invalid_request", problems[0], problems)
    if not query.q.strip():
        raise ApiError(422, "invalid_query", "query is empty: add q=… to the address")
    return query


def export_search(request: Request) -> tuple[PageQuery, SearchResponse]:
    """Run an export's search (up to k=100 results from offset): the API's answer, with absolute URLs."""
    query = strict_query(request, MAX_K)
    search_request = query.request()
    result = request.app.state.engine.search(search_request)
    return query, search_response(result, search_request, public_base(request))


def file_stem(query: PageQuery) -> str:
    """A download's file name: coopsearch- and the query's words."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", query.q).strip("-").lower()[:60]
    return "coopsearch-" + (words or "results")

