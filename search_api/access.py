"""Who may call: API keys (Bearer or X-API-Key), scopes, open reads, and the per-caller rate limit."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from search_api.errors import ApiError
from search_api.keys import ApiKey, KeyStore
from search_api.limits import RateLimiter, retry_after

log = logging.getLogger("coopsearch")
bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="An API key: `Authorization: Bearer csk_…`")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                              description="An API key: `X-API-Key: csk_…`")


@dataclass(frozen=True)
class Caller:
    """The identity a request is rate-limited under, and its key when it sent one."""

    identity: str
    key: ApiKey | None


def _presented(credentials: HTTPAuthorizationCredentials | None, header: str | None) -> str | None:
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    return header or None


def _address(request: Request) -> str:
    return "addr:" + (request.client.host if request.client else "unknown")


def _limit(limiter: RateLimiter, identity: str) -> None:
    wait = limiter.take(identity)
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


def require(scope: str) -> Callable[..., Caller]:
    """A dependency admitting callers with `scope` (reads may be open), counting each against the limit."""

    def dependency(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer),
                   header: str | None = Security(api_key_header)) -> Caller:
        state = request.app.state
        keys: KeyStore = state.keys
        limiter: RateLimiter = state.limiter
        token = _presented(credentials, header)
        if token is None:
            _limit(limiter, _address(request))
            if scope == "read" and state.settings.open_reads:
                return Caller(_address(request), None)
            raise _unauthorized(f"this request needs an API key with scope {scope!r}: "
                                "send `Authorization: Bearer <key>` or `X-API-Key: <key>`")
        key = _verify(keys, token)
        if key is None:
            _limit(limiter, _address(request))
            raise _unauthorized("the API key is not valid (unknown, malformed or revoked)")
        _limit(limiter, "key:" + key.id)
        if not key.allows(scope):
            raise ApiError(403, "forbidden", f"the API key {key.id!r} has scope {key.scope!r}; "
                                             f"this request needs scope {scope!r}")
        return Caller("key:" + key.id, key)

    dependency.__name__ = f"require_{scope}"
    return dependency


require_read = require("read")
require_write = require("write")
