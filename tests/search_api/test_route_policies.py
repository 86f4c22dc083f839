"""One access policy on every route: the app's routes are walked, each must declare exactly one policy, and
with open reads off every route that is not open answers 401 without a key (API, pages, exports, feed)."""
from __future__ import annotations

import re
from pathlib import Path

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from support import CORPUS

from edge.access import Access, Policy
from search_api.app import create_app
from search_api.settings import Settings


def _policies(dependant: Dependant) -> list[Policy]:
    found = [dependant.call] if isinstance(dependant.call, Policy) else []
    for sub in dependant.dependencies:
        found += _policies(sub)
    return found


def route_policies(app) -> dict[tuple[str, str], Policy]:  # type: ignore[no-untyped-def]
    """(method, path) -> its policy; fails on any route that is not an APIRoute with exactly one policy."""
    out: dict[tuple[str, str], Policy] = {}
    contexts = list(iter_route_contexts(app.routes))  # routers included with a prefix, flattened
    assert len(contexts) >= 20
    for route in contexts:
        assert isinstance(route.original_route, APIRoute), \
            f"{route.original_route!r} is not an APIRoute, so it cannot declare an access policy"
        policies = _policies(route.dependant)
        assert len(policies) == 1, f"{sorted(route.methods or ())} {route.path} declares {len(policies)} policies"
        for method in route.methods or ():
            out[(method, str(route.path))] = policies[0]
    return out


def _url(path: str) -> str:
    """A concrete address for a route's path: ids that exist nowhere (the policy answers before any lookup)."""
    return re.sub(r"\{(\w+)(:path)?\}", lambda m: "1" if m[1] == "chunk_id" else "x", path)


def _closed_app(index: Path, tiny_embedder, tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    settings = Settings(index=index, model=tiny_model_dir, corpus=CORPUS, open_reads=False, rate_limit_per_s=0)
    return create_app(settings, tiny_embedder)


def test_every_route_declares_one_policy_and_the_expected_ones_are_open(
        tiny_corpus_index: Path, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    policies = route_policies(_closed_app(tiny_corpus_index, tiny_embedder, tiny_model_dir))
    open_routes = {path for (_, path), p in policies.items() if p.access is Access.OPEN}
    assert open_routes == {"/api/v1/health", "/api/v1/ready", "/static/{path:path}", "/opensearch.xml",
                           "/openapi.json", "/docs", "/redoc", "/docs/assets/{name}"}
    unlimited = {path for (_, path), p in policies.items() if not p.limited}
    assert unlimited == {"/api/v1/health", "/api/v1/ready", "/static/{path:path}", "/docs/assets/{name}"}
    writes = {(m, path) for (m, path), p in policies.items() if p.access is Access.WRITE}
    assert writes == {("POST", "/api/v1/documents"), ("DELETE", "/api/v1/documents/{doc_id}"),
                      ("GET", "/api/v1/jobs/{job_id}")}
    for page in ("/", "/documents/{doc_id}", "/chunks/{chunk_id}/similar", "/export.csv", "/export.json",
                 "/feed.atom"):
        assert policies[("GET", page)].access is Access.READ, page


def test_with_open_reads_off_every_route_that_is_not_open_answers_401(
        tiny_corpus_index: Path, tiny_embedder, tiny_model_dir: Path, keys_for) -> None:  # type: ignore[no-untyped-def]
    index = tiny_corpus_index
    app = _closed_app(index, tiny_embedder, tiny_model_dir)
    client = TestClient(app)
    policies = route_policies(app)
    checked = 0
    for (method, path), declared in sorted(policies.items()):
        url = _url(path) + ("?q=cooperation" if path in ("/", "/export.csv", "/export.json", "/feed.atom") else "")
        response = client.request(method, url)
        if declared.access is Access.OPEN:
            assert response.status_code != 401, (method, path)
            continue
        checked += 1
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"].startswith("Bearer"), (method, path)
        assert "cooperation" not in response.text.lower() or "api key" in response.text.lower(), (method, path)
        invalid = client.request(method, url, headers={"X-API-Key": "csk_00000000_guess"})
        assert invalid.status_code == 401, (method, path)
    assert checked >= 15


def test_a_closed_page_is_an_html_401_and_opens_with_a_read_key(
        writable_index: Path, tiny_embedder, tiny_model_dir: Path, keys_for) -> None:  # type: ignore[no-untyped-def]
    keys = keys_for(writable_index)
    client = TestClient(_closed_app(writable_index, tiny_embedder, tiny_model_dir))
    page = client.get("/", params={"q": "technical cooperation"}, headers={"Accept": "text/html"})
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert "<mark>" not in page.text
    feed = client.get("/feed.atom", params={"q": "technical cooperation"})
    assert feed.status_code == 401 and "<entry>" not in feed.text
    opened = client.get("/", params={"q": "technical cooperation"}, headers={"X-API-Key": keys["read"]})
    assert opened.status_code == 200 and "<mark>" in opened.text
    export = client.get("/export.csv", params={"q": "technical cooperation"},
                        headers={"Authorization": f"Bearer {keys['read']}"})
    assert export.status_code == 200 and export.text.count("\n") > 1
    assert client.get("/static/style.css").status_code == 200  # open: the widget and pages need it
