"""Out of file descriptors: a real `coopsearch serve`-configured uvicorn, with a low descriptor limit, flooded
by connections that send half a request. The accept loop's error is logged once (not once a second), the
header deadline frees the descriptors, and normal requests are answered again."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from support import REPO

SCRIPT = '''
import logging, os, resource, sys
from pathlib import Path

if __name__ == "__main__":
    from index.embedder import Embedder
    from search_api.app import create_app
    from search_api.serving import install_log_throttle, serve_forever, server_config
    from search_api.settings import Settings

    index, model, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    settings = Settings(index=index, model=model, port=port, header_timeout_s=2, workers=1)
    app = create_app(settings, Embedder(model))
    logging.basicConfig(level=logging.INFO)
    install_log_throttle(60)
    spare = len(os.listdir("/proc/self/fd")) + 40
    resource.setrlimit(resource.RLIMIT_NOFILE, (spare, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    print("limit", spare, flush=True)
    serve_forever(server_config(app, settings, log_level="info"))
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_flood_of_half_requests_is_logged_once_and_drained(tmp_path: Path, tiny_corpus_index: Path,
                                                             tiny_model_dir: Path) -> None:
    script, log = tmp_path / "serve_low_fd.py", tmp_path / "serve.log"
    script.write_text(SCRIPT)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, str(script), str(tiny_corpus_index), str(tiny_model_dir),
                                   str(port)], cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=out,
                                  stderr=subprocess.STDOUT)
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        for _ in range(150):  # far past the 40 spare descriptors
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(conn)
        time.sleep(5)  # the accept loop retries each second; the header deadline (2 s) closes the half requests
        for conn in held:
            conn.close()
        answered = None
        for _ in range(40):
            try:
                answered = httpx.get(base + "/api/v1/health", timeout=2).status_code
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        text = log.read_text(errors="replace")
        assert answered == 200, text[-3000:]
        assert text.count("out of system resource") == 1, text[-3000:]
    finally:
        for conn in held:
            conn.close()
        server.terminate()
        server.wait(timeout=30)
