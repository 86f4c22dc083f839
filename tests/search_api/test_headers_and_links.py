"""Security headers on every response from one middleware, and absolute links that never take a client's Host."""
from __future__ import annotations

from pathlib import Path

from edge.headers import content_security_policy

HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


def test_every_kind_of_response_carries_the_headers(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(writable_index, max_body_bytes=10)
    responses = {
        "page": client.get("/", params={"q": "cooperation"}),
        "page error": client.get("/documents/nope", headers={"Accept": "text/html"}),
        "json": client.get("/api/v1/search", params={"q": "cooperation"}),
        "json error": client.get("/api/v1/documents/nope"),
        "validation error": client.get("/api/v1/search", params={"q": ""}),
        "413 from middleware": client.post("/api/v1/search", content=b"x" * 100,
                                           headers={"Content-Type": "application/json"}),
        "csv": client.get("/export.csv", params={"q": "cooperation"}),
        "feed": client.get("/feed.atom", params={"q": "cooperation"}),
        "static": client.get("/static/app.js"),
        "static 404": client.get("/static/nothing.js"),
        "opensearch": client.get("/opensearch.xml"),
        "health": client.get("/api/v1/health"),
        "405": client.put("/api/v1/search"),
    }
    for name, response in responses.items():
        for header in HEADERS:
            assert header in response.headers, (name, header, response.status_code)
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"], name
        assert response.headers["x-content-type-options"] == "nosniff"
    assert responses["413 from middleware"].status_code == 413


def test_frame_ancestors_is_configurable_and_a_route_keeps_its_own_policy(writable_index: Path,  # type: ignore[no-untyped-def]
                                                                        make_client) -> None:
    client = make_client(writable_index, frame_ancestors="https://intranet.example.org")
    csp = client.get("/").headers["content-security-policy"]
    assert csp.endswith("frame-ancestors https://intranet.example.org")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    docs = client.get("/docs").headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in docs and "script-src 'self';" in docs
    assert content_security_policy([]).endswith("frame-ancestors 'none'")


def test_absolute_links_never_name_a_client_supplied_host(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(writable_index)
    evil = {"Host": "evil.example"}
    for path in ("/opensearch.xml", "/feed.atom?q=cooperation", "/export.json?q=cooperation",
                 "/export.csv?q=cooperation", "/?q=cooperation"):
        response = client.get(path, headers=evil)
        assert response.status_code == 200, path
        assert "evil.example" not in response.text, path
    public = make_client(writable_index, public_url="https://search.example.org/coop")
    feed = public.get("/feed.atom", params={"q": "cooperation"}, headers=evil).text
    assert "https://search.example.org/coop/feed.atom?q=cooperation" in feed and "evil.example" not in feed
    rows = public.get("/export.json", params={"q": "cooperation"}, headers=evil).json()
    assert rows["link"].startswith("https://search.example.org/coop/?q=cooperation"), rows["link"]
    allowed = make_client(writable_index, allowed_hosts="search.intranet")
    assert "http://search.intranet/?q={searchTerms}" in allowed.get("/opensearch.xml",
                                                                   headers={"Host": "search.intranet"}).text


def test_docs_are_served_from_local_files(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(writable_index)
    docs = client.get("/docs").text
    assert "cdn" not in docs.lower() and "/docs/assets/swagger-ui-bundle.js" in docs
    assert "/docs/assets/redoc.standalone.js" in client.get("/redoc").text
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert client.get("/docs/assets/..%2Fconsts.py").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "coopsearch"


def test_the_listen_address_is_an_allowed_host_and_a_wildcard_falls_back_to_localhost() -> None:
    from search_api.settings import Settings

    named = Settings(host="search.intranet", port=8080).edge_config()
    assert "search.intranet" in named.allowed_hosts and named.fallback_url == "http://search.intranet:8080"
    wildcard = Settings(host="0.0.0.0").edge_config()
    assert "0.0.0.0" not in wildcard.allowed_hosts and wildcard.fallback_url == "http://localhost:8000"
