"""Connections a client cannot hold open: a real uvicorn server with `coopsearch serve`'s configuration
closes a connection whose headers dribble in; uvicorn does not rewrite X-Forwarded-For into the client
address; the accept loop's out-of-descriptors errors are logged once per interval."""
from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from support import CORPUS

from search_api.app import create_app
from search_api.serving import OncePerInterval, server_config
from search_api.settings import Settings


@contextmanager
def _serving(settings: Settings, embedder) -> Iterator[int]:  # type: ignore[no-untyped-def]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(server_config(create_app(settings, embedder), settings, log_level="warning",
                                          lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _closed_within(conn: socket.socket, seconds: float, drip: bytes | None) -> float | None:
    """Seconds until the server closes the connection while we drip a header line every 0.3 s; None if open."""
    start = time.monotonic()
    conn.settimeout(0.3)
    while time.monotonic() - start < seconds:
        try:
            if conn.recv(4096) == b"":
                return time.monotonic() - start
        except TimeoutError:
            pass
        except ConnectionResetError:
            return time.monotonic() - start
        if drip is not None:
            try:
                conn.sendall(drip)
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - start
    return None


def test_slow_headers_and_idle_connections_are_closed(tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                      tiny_model_dir: Path) -> None:
    settings = Settings(index=tiny_corpus_index, model=tiny_model_dir, corpus=CORPUS, header_timeout_s=1.5,
                        keep_alive_s=1.0)
    with _serving(settings, tiny_embedder) as port:
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed_after = _closed_within(slow, 8.0, drip=b"X-Slow: 1\r\n")
        assert closed_after is not None and closed_after < 4.0, closed_after
        silent = socket.create_connection(("127.0.0.1", port))
        assert _closed_within(silent, 8.0, drip=None) is not None
        # A normal client is unaffected, and a keep-alive connection is reused within the timeout.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get("/api/v1/health").status_code == 200
            assert client.get("/api/v1/ready").status_code == 200
        slow.close()
        silent.close()


def test_forwarded_for_from_loopback_is_not_the_client(tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                      tiny_model_dir: Path) -> None:
    settings = Settings(index=tiny_corpus_index, model=tiny_model_dir, corpus=CORPUS, rate_limit_per_s=0.01,
                        rate_limit_burst=3, rate_limit_loopback=True)
    with _serving(settings, tiny_embedder) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        statuses = [client.get("/api/v1/stats", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                    for i in range(6)]
    assert statuses[:3] == [200] * 3 and set(statuses[3:]) == {429}


def test_out_of_descriptor_errors_are_logged_once_per_interval() -> None:
    now = [0.0]
    throttle = OncePerInterval(60.0, clock=lambda: now[0])

    def record(message: str, exc: BaseException | None = None) -> logging.LogRecord:
        info = (type(exc), exc, None) if exc else None
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, message, None, info)

    emfile = OSError(errno.EMFILE, "Too many open files")
    passed = [throttle.filter(record("socket.accept() out of system resource", emfile)) for _ in range(1000)]
    assert passed.count(True) == 1
    assert throttle.filter(record("an unrelated error"))
    now[0] = 61.0
    later = record("socket.accept() out of system resource", emfile)
    assert throttle.filter(later) and "999 more like it" in later.getMessage()
