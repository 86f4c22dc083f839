"""Milvus Lite 2.5.1 started by the tests themselves: its server binary on a free port of 127.0.0.1."""
from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_milvus(db_file: Path, timeout_s: float = 60.0, port: int | None = None) -> tuple[Any, str]:
    """Start Milvus Lite's server on a loopback port (as pymilvus starts it for a local path, but on TCP, so
    several processes can share it); returns (server, uri) once a client gets an answer. `port`: the one a
    stopped server had (a restart, seen by the clients that knew it)."""
    from milvus_lite.server import Server

    from index.backends import BackendConfig
    from index.backends.milvus import connect

    port = port or free_port()
    server = Server(str(db_file), f"127.0.0.1:{port}")
    if not server.init() or not server.start():
        raise RuntimeError(f"Milvus Lite did not start on 127.0.0.1:{port} (file {db_file})")
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:  # the port first (a client retrying against a closed port pings the server out: "Too many pings")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.1)
    while True:  # the client the product uses; after a restart, its channel reconnects within a second or two
        try:
            connect(BackendConfig(kind="milvus", uri=uri)).list_collections()
            return server, uri
        except Exception:  # pymilvus's MilvusException while the server comes up
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.5)
