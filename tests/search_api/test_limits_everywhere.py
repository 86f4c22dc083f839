"""One limiter and one time limit for every route that searches or renders: pages, exports and the feed
included; client addresses from the socket unless a trusted proxy names them; loopback exempt unless asked;
a key with its own limit for a portal."""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient
from support import CORPUS

from edge.clients import client_address, is_loopback, parse_networks
from edge.keys import KeyStore
from search_api.app import create_app, timed
from search_api.settings import Settings

ROUTES = ["/", "/export.csv", "/export.json", "/feed.atom", "/api/v1/stats", "/opensearch.xml", "/docs"]


def _app(index: Path, tiny_embedder, tiny_model_dir: Path, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {"index": index, "model": tiny_model_dir, "corpus": CORPUS,
                                 "rate_limit_per_s": 0.01, "rate_limit_burst": 3}
    values.update(overrides)
    return create_app(Settings(**values), tiny_embedder)


def test_pages_exports_feed_and_api_share_one_limiter(tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                     tiny_model_dir: Path) -> None:
    app = _app(tiny_corpus_index, tiny_embedder, tiny_model_dir)
    for route in ROUTES:
        client = TestClient(app, client=(f"192.0.2.{ROUTES.index(route) + 1}", 4000))
        statuses = [client.get(route, params={"q": "cooperation"}).status_code for _ in range(4)]
        assert statuses[:3] == [200] * 3 and statuses[3] == 429, (route, statuses)
        assert int(client.get(route, params={"q": "cooperation"}).headers["retry-after"]) >= 1
    # Static files and health are not limited.
    client = TestClient(app, client=("192.0.2.99", 4000))
    assert {client.get("/static/style.css").status_code for _ in range(6)} == {200}
    assert {client.get("/api/v1/health").status_code for _ in range(6)} == {200}


def test_forwarded_for_is_believed_only_from_trusted_proxies(tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                            tiny_model_dir: Path) -> None:
    untrusted = TestClient(_app(tiny_corpus_index, tiny_embedder, tiny_model_dir), client=("198.51.100.7", 1))
    rotating = [untrusted.get("/api/v1/stats", headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                for i in range(5)]
    assert rotating.count(429) == 2  # one bucket: the socket's address
    guesses = [untrusted.get("/api/v1/stats", headers={"X-Forwarded-For": f"10.0.1.{i}",
                                                        "X-API-Key": f"csk_0000000{i}_guess"}).status_code
               for i in range(5)]
    assert guesses == [429] * 5  # invalid-key guessing spends the same bucket
    proxied = TestClient(_app(tiny_corpus_index, tiny_embedder, tiny_model_dir, trusted_proxies="198.51.100.0/24"),
                         client=("198.51.100.7", 1))
    spread = [proxied.get("/api/v1/stats", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
              for i in range(5)]
    assert spread == [200] * 5  # five clients behind the proxy, one request each
    garbage = [proxied.get("/api/v1/stats", headers={"X-Forwarded-For": f"nonsense-{i}"}).status_code
               for i in range(5)]
    assert garbage.count(429) == 2  # a string that is not an address is not an identity: the proxy's bucket


def test_client_address_walks_forwarded_for_from_the_right() -> None:
    trusted = parse_networks(["10.0.0.1", "192.168.0.0/16"])
    assert client_address("10.0.0.1", ["203.0.113.5, 192.168.1.1"], trusted) == "203.0.113.5"
    assert client_address("10.0.0.1", ["1.2.3.4, 203.0.113.5"], trusted) == "203.0.113.5"  # 1.2.3.4: client-written
    assert client_address("198.51.100.1", ["203.0.113.5"], trusted) == "198.51.100.1"
    assert client_address("10.0.0.1", ["not-an-ip"], trusted) == "10.0.0.1"
    assert client_address("10.0.0.1", [], trusted) == "10.0.0.1"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("10.0.0.1") and not is_loopback("testclient")


def test_loopback_is_exempt_unless_configured(tiny_corpus_index: Path, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    local = TestClient(_app(tiny_corpus_index, tiny_embedder, tiny_model_dir), client=("127.0.0.1", 1))
    assert {local.get("/api/v1/stats").status_code for _ in range(8)} == {200}
    limited = TestClient(_app(tiny_corpus_index, tiny_embedder, tiny_model_dir, rate_limit_loopback=True),
                         client=("127.0.0.1", 1))
    assert [limited.get("/api/v1/stats").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_portal_key_has_its_own_limit(writable_index: Path, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    store = KeyStore(writable_index.parent / "api-keys.json")
    _, portal = store.create("intranet portal", "read", rate_per_s=100, burst=50)
    _, plain = store.create("someone", "read")
    client = TestClient(_app(writable_index, tiny_embedder, tiny_model_dir), client=("192.0.2.50", 1))
    assert {client.get("/api/v1/stats", headers={"X-API-Key": portal}).status_code for _ in range(20)} == {200}
    assert [client.get("/api/v1/stats", headers={"X-API-Key": plain}).status_code for _ in range(4)][-1] == 429


def test_pages_exports_and_feed_are_timed_but_static_and_health_are_not(
        writable_index: Path, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/documents/x", "/chunks/3/similar", "/export.csv", "/feed.atom", "/api/v1/search"):
        assert timed({"type": "http", "method": "GET", "path": path}), path
    assert timed({"type": "http", "method": "POST", "path": "/api/v1/search"})
    for path in ("/static/style.css", "/api/v1/health", "/api/v1/ready", "/docs/assets/swagger-ui.css"):
        assert not timed({"type": "http", "method": "GET", "path": path}), path
    app = _app(writable_index, tiny_embedder, tiny_model_dir, request_timeout_s=0.2, rate_limit_per_s=0)
    release = threading.Event()

    def slow_page() -> dict:
        release.wait(30)
        return {}

    app.add_api_route("/test-slow-page", slow_page, methods=["GET"])
    try:
        response = TestClient(app).get("/test-slow-page", headers={"Accept": "text/html"})
    finally:
        release.set()
    assert response.status_code == 504


def test_keys_create_with_its_own_rate_from_the_command_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from search_api.cli import main

    keys_file = tmp_path / "keys.json"
    assert main(["keys", "create", "portal", "--rate", "100", "--burst", "50", "--keys-file", str(keys_file)]) == 0
    token = capsys.readouterr().out.strip()
    key = KeyStore(keys_file).verify(token)
    assert key is not None and (key.rate_per_s, key.burst) == (100.0, 50)
    assert main(["keys", "create", "bad", "--burst", "0", "--keys-file", str(keys_file)]) == 2
    assert "burst" in capsys.readouterr().err
