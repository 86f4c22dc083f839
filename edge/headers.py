"""Security headers on every response (pages, JSON, errors, exports, feeds, static files), from one middleware."""
from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages run no inline script or style, so a passage that smuggles markup cannot run anything.
BASE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'")
NO_FRAMING = "'none'"


def content_security_policy(frame_ancestors: Sequence[str]) -> str:
    """The site's CSP with the pages allowed to frame it (`'none'`, `'self'`, or intranet origins)."""
    return f"{BASE_CSP}; frame-ancestors {' '.join(frame_ancestors) or NO_FRAMING}"


class SecurityHeadersMiddleware:
    """Add CSP, nosniff and Referrer-Policy to every response; a header a route set itself is kept
    (the original file's sandbox, the API docs' allowance for Swagger UI's styles)."""

    def __init__(self, app: ASGIApp, frame_ancestors: Sequence[str]) -> None:
        self.app = app
        self.headers = {"content-security-policy": content_security_policy(frame_ancestors),
                        "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
