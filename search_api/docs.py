"""The OpenAPI schema and its two readers, Swagger UI (/docs) and ReDoc (/redoc), from local files only.

The readers' scripts and styles come from the fastapi-offline package (which ships Swagger UI's and
ReDoc's builds); their start-up code is in web/static, so the pages run no inline script."""
from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from edge.access import policy
from edge.errors import ApiError
from edge.headers import BASE_CSP

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSET_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
# Swagger UI and ReDoc set inline styles and ReDoc starts a worker from a blob: URL; nothing else is relaxed.
DOCS_CSP = BASE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + "; worker-src 'self' blob:"

router = APIRouter(dependencies=[policy("open")])
assets = APIRouter(dependencies=[policy("open", limited=False)])

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coopsearch API: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/docs/assets/favicon.png">{head}</head>
<body><div id="{root}"></div>
<script src="/docs/assets/{bundle}"></script><script src="/static/{init}"></script></body></html>
"""


def _page(title: str, root: str, bundle: str, init: str, head: str = "") -> HTMLResponse:
    html = _PAGE.format(title=title, root=root, bundle=bundle, init=init, head=head)
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP})


@router.get("/openapi.json", include_in_schema=False)
def openapi_schema(request: Request) -> JSONResponse:
    """The OpenAPI 3 description of the API."""
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False)
def swagger_ui() -> HTMLResponse:
    """Swagger UI over /openapi.json."""
    return _page("Swagger UI", "swagger-ui", "swagger-ui-bundle.js", "docs-swagger.js",
                 '<link rel="stylesheet" href="/docs/assets/swagger-ui.css">')


@router.get("/redoc", include_in_schema=False)
def redoc() -> HTMLResponse:
    """ReDoc over /openapi.json."""
    return _page("ReDoc", "redoc", "redoc.standalone.js", "docs-redoc.js")


@assets.get("/docs/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    """One of the readers' files (a fixed list: the name never becomes a path by itself)."""
    if name not in ASSET_FILES:
        raise ApiError(404, "not_found", f"no documentation asset {name!r}")
    return FileResponse(ASSETS / name)
