"""One access policy per route: `open`, `read` or `write`, declared with `policy(...)` and enforced by one dependency.

Every route of the app declares exactly one policy (tests/search_api/test_route_policies.py walks
`app.routes` and fails on a route without one). The same dependency counts the request against the
rate limit, per key or per client address, except on routes declared `limited=False` (static files,
health, readiness).
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends, Request, Security
from fastapi.params import Depends as DependsParam
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from edge.clients import client_address, is_loopback
from edge.config import EdgeConfig
from edge.errors import ApiError
from edge.keys import ApiKey, KeyStore
from edge.limits import RateLimiter, retry_after

log = logging.getLogger("coopsearch")
bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="An API key: `Authorization: Bearer csk_…`")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                              description="An API key: `X-API-Key: csk_…`")


class Access(StrEnum):
    """What a route needs: nothing, a read key (none while reads are open), or a write key."""

    OPEN = "open"
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Caller:
    """The identity a request is rate-limited under, and its key when it sent one."""

    identity: str
    key: ApiKey | None


def caller_address(request: Request) -> str:
    """The client's address: the socket's, or X-Forwarded-For's when a trusted proxy sent it."""
    config: EdgeConfig = request.app.state.edge
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.getlist("x-forwarded-for"), config.trusted_proxies)


def _limit(request: Request, identity: str, address: str, key: ApiKey | None = None) -> None:
    config: EdgeConfig = request.app.state.edge
    if is_loopback(address) and not config.limit_loopback:
        return  # a local evaluation script or the operator's own checks
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.take(identity, key.rate_per_s if key else None, key.burst if key else None)
    if wait > 0:
        raise ApiError(429, "rate_limited", f"too many requests; retry in {retry_after(wait)} s",
                       {"retry_after_s": int(retry_after(wait))}, {"Retry-After": retry_after(wait)})


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, None, {"WWW-Authenticate": 'Bearer realm="coopsearch"'})


def _verify(keys: KeyStore, token: str) -> ApiKey | None:
    try:
        return keys.verify(token)
    except (OSError, ValueError):
        log.exception("cannot read the API keys file %s", keys.path)
        raise ApiError(503, "keys_unavailable", "the server cannot read its API keys; see the server log") from None


class Policy(ABC):
    """The one dependency that enforces an access level (the base of both kinds below); the admitted caller
    is also left in `request.state.caller` for routes that record who called (uploads)."""

    access: Access
    limited: bool

    @abstractmethod
    async def __call__(self, *args: Any, **kwargs: Any) -> Caller:
        """Admit the request (returning who calls) or raise the 401, 403 or 429 ApiError.

        A coroutine, so FastAPI runs it on the event loop: its work (a header, a dictionary, a token bucket,
        a stat() of the keys file and a SHA-256) takes microseconds, where a sync dependency is sent to the
        thread pool and back, which cost every request a thread hand-over (about 0.1 ms, more on a busy
        machine)."""

    def __repr__(self) -> str:
        return f"policy({self.access.value}, limited={self.limited})"


class OpenPolicy(Policy):
    """No key needed (none is looked at); the rate limit per client address unless `limited` is False."""

    def __init__(self, limited: bool) -> None:
        self.access = Access.OPEN
        self.limited = limited

    async def __call__(self, request: Request) -> Caller:
        """Admit anyone (429 past the address's rate when limited)."""
        address = caller_address(request)
        if self.limited:
            _limit(request, "addr:" + address, address)
        request.state.caller = Caller("addr:" + address, None)
        return request.state.caller


class KeyPolicy(Policy):
    """A key with the scope, or none for reads while reads are open; a key that is sent must be valid."""

    def __init__(self, access: Access) -> None:
        self.access = access
        self.limited = True

    async def __call__(self, request: Request,
                       credentials: HTTPAuthorizationCredentials | None = Security(bearer),
                       header: str | None = Security(api_key_header)) -> Caller:
        """Admit the caller with the key it sent (Bearer or X-API-Key), or none where reads are open."""
        request.state.caller = self._admit(request, credentials, header)
        return request.state.caller

    def _admit(self, request: Request, credentials: HTTPAuthorizationCredentials | None, header: str | None) -> Caller:
        address = caller_address(request)
        token = credentials.credentials if credentials is not None and credentials.credentials else header or None
        if token is None:
            _limit(request, "addr:" + address, address)
            if self.access is Access.READ and request.app.state.edge.open_reads:
                return Caller("addr:" + address, None)
            raise _unauthorized(f"this page or request needs an API key with scope {self.access.value!r}")
        key = _verify(request.app.state.keys, token)
        if key is None:
            _limit(request, "addr:" + address, address)
            raise _unauthorized("the API key is not valid (unknown, malformed or revoked)")
        _limit(request, "key:" + key.id, address, key)
        if not key.allows(self.access.value):
            raise ApiError(403, "forbidden", f"the API key {key.id!r} has scope {key.scope!r}; "
                                             f"this request needs scope {self.access.value!r}")
        return Caller("key:" + key.id, key)


_POLICIES: dict[tuple[Access, bool], Policy] = {
    (Access.OPEN, True): OpenPolicy(limited=True), (Access.OPEN, False): OpenPolicy(limited=False),
    (Access.READ, True): KeyPolicy(Access.READ), (Access.WRITE, True): KeyPolicy(Access.WRITE)}


def policy(access: Access | str, limited: bool = True) -> DependsParam:
    """Declare a route's access: `dependencies=[policy("read")]` on a route or a router (one per route)."""
    level = Access(access)
    if level is not Access.OPEN and not limited:
        raise ValueError("only open routes may be exempt from the rate limit")
    return Depends(_POLICIES[(level, limited)])


# Kept for routes written with the earlier names: the same enforcers as policy("read") and policy("write").
require_read = _POLICIES[(Access.READ, True)]
require_write = _POLICIES[(Access.WRITE, True)]
