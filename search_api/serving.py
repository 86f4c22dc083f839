"""How `coopsearch serve` runs uvicorn so that a client cannot hold connections open.

uvicorn closes idle keep-alive connections and caps concurrency, but has no limit on the time a client
takes to send its request's headers: `HeaderTimeoutH11Protocol` adds one. X-Forwarded-For is never
rewritten into the client address by uvicorn (`proxy_headers=False`): the app decides whom to believe
(edge.clients). When descriptors run out, the accept loop's error is logged once per interval, not once per
attempt.
"""
from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from search_api.settings import Settings

_RESOURCE_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class HeaderTimeoutH11Protocol(H11Protocol):
    """h11 with a deadline for each request's headers, from the connection's start or the last response."""

    header_timeout_s: float = 10.0

    def connection_made(self, transport: Any) -> None:
        """A new connection: its first request's headers are due within the deadline."""
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        """A response sent: the next request's headers are due within the deadline (or the connection closes)."""
        super().on_response_complete()
        self._arm_header_deadline()

    def _arm_header_deadline(self) -> None:
        if self.header_timeout_s > 0 and not self.transport.is_closing():
            waiting_after = self.cycle  # a new request replaces the cycle: then the deadline is void
            self.loop.call_later(self.header_timeout_s, self._header_deadline, waiting_after)

    def _header_deadline(self, waiting_after: object) -> None:
        if self.cycle is waiting_after and not self.transport.is_closing():
            in_flight = self.cycle is not None and not self.cycle.response_complete
            if not in_flight:
                self.transport.close()


def protocol_with_header_timeout(seconds: float) -> type[H11Protocol]:
    """The h11 protocol class with this header deadline (uvicorn takes a class, not an instance)."""
    return type("HeaderTimeoutH11", (HeaderTimeoutH11Protocol,), {"header_timeout_s": seconds})


class OncePerInterval(logging.Filter):
    """Let one "out of descriptors" record through per interval; the next one says how many were dropped."""

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._last: float | None = None
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """True for records to log."""
        if not _out_of_resources(record):
            return True
        now = self.clock()
        if self._last is not None and now - self._last < self.interval_s:
            self._dropped += 1
            return False
        if self._dropped:
            record.msg = f"{record.msg} ({self._dropped} more like it in the last {self.interval_s:g} s not logged)"
        self._last, self._dropped = now, 0
        return True


def _out_of_resources(record: logging.LogRecord) -> bool:
    if "out of system resource" in str(record.msg) or "Too many open files" in record.getMessage():
        return True
    exc = record.exc_info[1] if record.exc_info else None
    return isinstance(exc, OSError) and exc.errno in _RESOURCE_ERRNOS


def install_log_throttle(interval_s: float = 60.0) -> OncePerInterval:
    """Throttle the accept loop's resource errors on the loggers that report them."""
    throttle = OncePerInterval(interval_s)
    for name in ("asyncio", "uvicorn.error"):
        logging.getLogger(name).addFilter(throttle)
    return throttle


def server_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """uvicorn's configuration for the app: timeouts, connection cap, header size, no proxy-header rewriting."""
    values: dict[str, Any] = {
        "host": settings.host, "port": settings.port, "proxy_headers": False, "server_header": False,
        "timeout_keep_alive": settings.keep_alive_s, "limit_concurrency": settings.max_connections,
        "h11_max_incomplete_event_size": settings.max_header_bytes, "http": protocol_with_header_timeout(
            settings.header_timeout_s), "timeout_graceful_shutdown": 10}
    values.update(overrides)
    return uvicorn.Config(app, **values)


def serve_forever(config: uvicorn.Config) -> None:
    """Run the server until it is stopped (Ctrl-C or SIGTERM)."""
    uvicorn.Server(config).run()
