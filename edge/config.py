"""What the edges need to know from the settings, as one typed value (built by search_api's Settings)."""
from __future__ import annotations

from dataclasses import dataclass

from edge.clients import IPNetwork


@dataclass(frozen=True)
class EdgeConfig:
    """Access, client identity and link settings shared by the API and the pages."""

    open_reads: bool = True
    trusted_proxies: tuple[IPNetwork, ...] = ()
    limit_loopback: bool = False
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    frame_ancestors: tuple[str, ...] = ("'self'",)
    fallback_url: str = "http://127.0.0.1:8000"
