"""Access and limits over a real app: keys and scopes (401/403), rate limit (429), body size (413),
time limit (504), CORS, and the `coopsearch keys` commands."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from edge.keys import KeyStore
from edge.limits import RateLimiter
from search_api.cli import main

SEARCH = "/api/v1/search"
UPLOAD = "/api/v1/documents"


def _error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    assert "Traceback" not in response.text
    return body["error"]


def test_writes_need_a_write_key(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    keys = keys_for(writable_index)
    client = make_client(writable_index)
    missing = client.delete("/api/v1/documents/anything")
    assert missing.status_code == 401 and _error(missing)["code"] == "unauthorized"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.delete("/api/v1/documents/anything", headers={"X-API-Key": keys["write"] + "x"})
    assert wrong.status_code == 401
    read_only = client.delete("/api/v1/documents/anything", headers={"Authorization": f"Bearer {keys['read']}"})
    assert read_only.status_code == 403 and _error(read_only)["code"] == "forbidden"
    allowed = client.delete("/api/v1/documents/anything", headers={"Authorization": f"Bearer {keys['write']}"})
    assert allowed.status_code == 404  # past the key check: the document is unknown
    upload = client.post(UPLOAD, files={"files": ("a.txt", b"text", "text/plain")})
    assert upload.status_code == 401


def test_reads_are_open_by_default_but_a_sent_key_must_be_valid(writable_index: Path, make_client,  # type: ignore[no-untyped-def]
                                                               keys_for) -> None:
    keys = keys_for(writable_index)
    client = make_client(writable_index)
    assert client.get(SEARCH, params={"q": "cooperation"}).status_code == 200
    assert client.get(SEARCH, params={"q": "cooperation"}, headers={"X-API-Key": keys["write"]}).status_code == 200
    bad = client.get(SEARCH, params={"q": "cooperation"}, headers={"X-API-Key": "csk_00000000_guess"})
    assert bad.status_code == 401 and _error(bad)["code"] == "unauthorized"
    assert client.get("/api/v1/health", headers={"X-API-Key": "nonsense"}).status_code == 200


def test_closed_reads_need_a_key_and_revoked_keys_stop_working(writable_index: Path, make_client,  # type: ignore[no-untyped-def]
                                                               keys_for) -> None:
    keys = keys_for(writable_index)
    client = make_client(writable_index, open_reads=False)
    assert client.get(SEARCH, params={"q": "cooperation"}).status_code == 401
    assert client.get("/api/v1/stats").status_code == 401
    assert client.get("/api/v1/ready").status_code == 200  # service endpoints stay open
    assert client.get(SEARCH, params={"q": "cooperation"}, headers={"X-API-Key": keys["read"]}).status_code == 200
    store = KeyStore(writable_index.parent / "api-keys.json")
    key_id = keys["read"].split("_")[1]
    store.revoke(key_id)
    revoked = client.get(SEARCH, params={"q": "cooperation"}, headers={"X-API-Key": keys["read"]})
    assert revoked.status_code == 401


def test_keys_are_stored_hashed_and_managed_from_the_command_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    keys_file = tmp_path / "keys.json"
    assert main(["keys", "create", "intranet portal", "--scope", "write", "--keys-file", str(keys_file)]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("csk_") and token not in keys_file.read_text()
    assert keys_file.stat().st_mode & 0o077 == 0
    key = KeyStore(keys_file).verify(token)
    assert key is not None and key.scope == "write" and key.allows("read")
    assert main(["keys", "list", "--keys-file", str(keys_file), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(k["id"], k["name"], k["revoked_at"]) for k in listed] == [(key.id, "intranet portal", None)]
    assert "sha256" not in listed[0]
    assert main(["keys", "revoke", key.id, "--keys-file", str(keys_file)]) == 0
    assert KeyStore(keys_file).verify(token) is None
    assert main(["keys", "revoke", "nope", "--keys-file", str(keys_file)]) == 1


def test_rate_limit_answers_429_with_retry_after(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    keys = keys_for(writable_index)
    client = make_client(writable_index, rate_limit_per_s=0.01, rate_limit_burst=3)
    statuses = [client.get("/api/v1/stats").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/stats")
    assert limited.status_code == 429 and _error(limited)["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    # Each key has its own bucket: a key is not held back by the anonymous caller's use.
    with_key = [client.get("/api/v1/stats", headers={"X-API-Key": keys["read"]}).status_code for _ in range(4)]
    assert with_key == [200, 200, 200, 429]


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    now[0] = 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("b") == 0.0
    assert RateLimiter(rate=0, burst=1).take("a") == 0.0


def test_oversized_bodies_get_413(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    keys = keys_for(writable_index)
    client = make_client(writable_index, max_upload_bytes=2000, max_body_bytes=500)
    headers = {"X-API-Key": keys["write"]}
    declared = client.post(UPLOAD, headers=headers, files={"files": ("big.txt", b"x" * 5000, "text/plain")})
    assert declared.status_code == 413 and _error(declared)["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the bytes are counted as they arrive
        boundary = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n\r\n"
        yield boundary
        for _ in range(10):
            yield b"y" * 1000
        yield b"\r\n--b--\r\n"

    streamed = client.post(UPLOAD, headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
                           content=chunks())
    assert streamed.status_code == 413 and _error(streamed)["code"] == "payload_too_large"
    big_search = client.post(SEARCH, json={"q": "x" * 900, "filters": {"body": "y" * 200}})
    assert big_search.status_code == 413
    assert not (writable_index.parent / "uploads" / "big.txt").exists()


def test_slow_reads_get_504_in_the_error_shape(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(writable_index, request_timeout_s=0.2)
    release = threading.Event()

    def slow() -> dict:
        release.wait(30)
        return {}

    client.app.add_api_route("/api/v1/test-slow", slow, methods=["GET"])
    try:
        response = client.get("/api/v1/test-slow")
    finally:
        release.set()
    assert response.status_code == 504 and _error(response)["code"] == "timeout"
    assert client.get("/api/v1/stats").status_code == 200


def test_cors_allows_only_listed_origins(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(writable_index, cors_origins=["http://intranet.example"])
    allowed = client.get(SEARCH, params={"q": "cooperation"}, headers={"Origin": "http://intranet.example"})
    assert allowed.headers["access-control-allow-origin"] == "http://intranet.example"
    other = client.get(SEARCH, params={"q": "cooperation"}, headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(SEARCH, headers={"Origin": "http://intranet.example",
                                                "Access-Control-Request-Method": "GET",
                                                "Access-Control-Request-Headers": "x-api-key"})
    assert preflight.status_code == 200 and "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    error = client.get(SEARCH, params={"q": ""}, headers={"Origin": "http://intranet.example"})
    assert error.status_code == 422 and error.headers["access-control-allow-origin"] == "http://intranet.example"


def test_an_unreadable_keys_file_is_503_not_500(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    (writable_index.parent / "api-keys.json").write_text("{not json")
    client = make_client(writable_index)
    response = client.get(SEARCH, params={"q": "cooperation"}, headers={"X-API-Key": "csk_12345678_x"})
    assert response.status_code == 503 and _error(response)["code"] == "keys_unavailable"
    assert client.get(SEARCH, params={"q": "cooperation"}).status_code == 200


def test_wrong_methods_get_405_in_the_error_shape(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    response = make_client(writable_index).put(SEARCH, json={"q": "x"})
    assert response.status_code == 405 and _error(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]
