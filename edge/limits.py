"""Request limits: a token-bucket rate limiter, a body-size limit and a time limit, as small ASGI pieces."""
from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edge.errors import error_json

MAX_BUCKETS = 10_000  # identities remembered before full buckets are forgotten


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """One token bucket per identity (an API key or a client address): `rate` per second, `burst` at once."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """False when the rate is 0 (no limit)."""
        return self.rate > 0

    def take(self, identity: str, rate: float | None = None, burst: int | None = None) -> float:
        """Spend one token: 0.0 when allowed, else the seconds until a token is available.

        `rate` and `burst` override the defaults for this identity (a key with its own limit; rate 0: none)."""
        rate = self.rate if rate is None else rate
        size = float(self.burst if burst is None else max(1, burst))
        if rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(identity)
            if bucket is None:
                self._forget_full(now)
                bucket = self._buckets[identity] = _Bucket(size, now)
            bucket.tokens = min(size, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    def _forget_full(self, now: float) -> None:
        if len(self._buckets) < MAX_BUCKETS:
            return
        for identity, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.stamp) * self.rate >= self.burst:
                del self._buckets[identity]


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a body that grows past its limit (an HTTPException, so parsers pass it on)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes")


class BodyLimitMiddleware:
    """Refuse bodies over a limit: at once by Content-Length, else by counting bytes as they are read."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            response = error_json(413, "payload_too_large",
                                  f"the request body ({declared} bytes) is larger than the limit of {limit} bytes",
                                  {"limit_bytes": limit}, {"Connection": "close"})
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class TimeoutMiddleware:
    """Answer 504 in the error shape when a request has not started its response within `timeout_s`.

    The handler keeps running in its thread until it ends (threads cannot be stopped); what it sends
    afterwards is dropped.
    """

    def __init__(self, app: ASGIApp, timeout_s: float, applies: Callable[[Scope], bool]) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.applies = applies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.timeout_s <= 0 or not self.applies(scope):
            await self.app(scope, receive, send)
            return
        started = abandoned = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if abandoned:
                return
            started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        done, _ = await asyncio.wait({task}, timeout=self.timeout_s)
        if task in done or started:
            await task
            return
        abandoned = True
        task.add_done_callback(_consume)
        task.cancel()
        response = error_json(504, "timeout", f"the request took longer than {self.timeout_s:g} s",
                              {"timeout_s": self.timeout_s})
        await response(scope, receive, send)


def _consume(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()
