"""Turn every exception into one error shape: JSON for the API, an HTML page for the site."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from index.errors import BadQuery, IndexLocked, IndexUnavailable, NotFound

log = logging.getLogger("coopsearch")


class ApiError(Exception):
    """An error with its HTTP status, a stable code and a message for people."""

    def __init__(self, status: int, code: str, message: str, detail: object | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers = headers or {}


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
               422: "invalid_request", 429: "rate_limited", 503: "unavailable", 504: "timeout"}


def error_json(status: int, code: str, message: str, detail: object | None = None,
               headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape as a JSON response (for middleware that answers before the app)."""
    body = {"error": {"code": code, "message": message, "detail": detail}}
    return JSONResponse(body, status_code=status, headers=headers)


def _render(request: Request, error: ApiError) -> Response:
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return error_json(error.status, error.code, error.message, error.detail, error.headers)
    templates = getattr(request.app.state, "templates", None)
    if templates is None:
        return HTMLResponse(f"<h1>{error.status}</h1>", status_code=error.status)
    return templates.TemplateResponse(request, "error.html", {"error": error}, status_code=error.status,
                                      headers=error.headers)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route takes at this path, and OPTIONS, sorted."""
    methods = {"OPTIONS"}
    for route in iter_route_contexts(app.routes):
        if route.path and route.methods and compile_path(route.path)[0].match(path):
            methods |= set(route.methods)
    return sorted(methods)


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": [str(part) for part in item.get("loc", ())], "msg": str(item.get("msg", "")),
             "type": str(item.get("type", ""))} for item in exc.errors()]


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers; no response ever carries a stack trace."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _render(request, exc)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _render(request, ApiError(404, "not_found", str(exc)))

    @app.exception_handler(BadQuery)
    async def bad_query(request: Request, exc: BadQuery) -> Response:
        return _render(request, ApiError(422, "invalid_query", str(exc)))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = _validation_detail(exc)
        first: dict[str, Any] = detail[0] if detail else {"loc": [], "msg": "invalid request"}
        message = f"{'.'.join(str(p) for p in first['loc'][1:]) or 'request'}: {first['msg']}"
        return _render(request, ApiError(422, "invalid_request", message, detail))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route matching the path only (GET for /documents,
            # which also takes POST): name every route's, and answer OPTIONS with them instead of 405.
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=headers)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return _render(request, ApiError(exc.status_code, code, str(exc.detail), None, headers))

    @app.exception_handler(IndexLocked)
    async def index_locked(request: Request, exc: IndexLocked) -> Response:
        message = "another ingest is writing to the index; retry when it has finished"
        return _render(request, ApiError(409, "index_locked", message, None, {"Retry-After": "5"}))

    @app.exception_handler(IndexUnavailable)
    async def index_unavailable(request: Request, exc: Exception) -> Response:
        return _render(request, ApiError(503, "index_unavailable", str(exc)))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return _render(request, ApiError(500, "internal_error", "internal error; the server log has details"))
