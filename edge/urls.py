"""Absolute links (OpenSearch, Atom, exports) from the configured public URL, never from an unchecked Host header."""
from __future__ import annotations

from fastapi import Request

from edge.config import EdgeConfig


def public_base(request: Request) -> str:
    """The server's base URL with a trailing slash.

    `public_url` when set; else the request's own base when its Host is in `allowed_hosts`; else the
    address the server listens on. A client's `Host: evil.example` is therefore never written into a link."""
    config: EdgeConfig = request.app.state.edge
    if config.public_url:
        return config.public_url.rstrip("/") + "/"
    host = (request.url.hostname or "").lower()
    if host and host in config.allowed_hosts:
        return str(request.base_url)
    return config.fallback_url.rstrip("/") + "/"
