"""The JSON API through FastAPI's TestClient over a real index."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from search_api.settings import Settings


@pytest.fixture(scope="module")
def client(tiny_corpus_index: Path, tiny_embedder, tiny_model_dir: Path) -> TestClient:  # type: ignore[no-untyped-def]
    settings = Settings(index=tiny_corpus_index, model=tiny_model_dir)
    return TestClient(create_app(settings, tiny_embedder))


def test_search_returns_the_documented_shape(client: TestClient) -> None:
    response = client.get("/api/v1/search", params={"q": "talent bank database", "k": 3, "mode": "keyword"})
    assert response.status_code == 200
    body = response.json()
    assert {"query", "mode", "took_ms", "results"} <= set(body)
    assert body["query"] == "talent bank database" and body["mode"] == "keyword"
    assert 1 <= len(body["results"]) <= 3
    first = body["results"][0]
    assert {"rank", "score", "chunk_id", "text", "page", "label", "document", "highlights"} <= set(first)
    assert set(first["document"]) >= {"id", "title", "source", "doc_type", "symbol", "date"}
    assert "talent bank database" in first["text"]
    assert any("<mark>talent</mark>" in h for h in first["highlights"])
    assert [r["rank"] for r in body["results"]] == list(range(1, len(body["results"]) + 1))


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_every_mode_answers(client: TestClient, mode: str) -> None:
    body = client.get("/api/v1/search", params={"q": "consultants from developing countries", "mode": mode}).json()
    assert body["mode"] == mode and len(body["results"]) == 10


@pytest.mark.parametrize("params", [
    {"q": ""}, {"q": "   "}, {"q": "x" * 1001}, {"q": "ok", "k": 0}, {"q": "ok", "k": 101}, {"q": "ok", "k": "ten"},
    {"q": "ok", "mode": "fuzzy"}, {}, {"q": "ok", "offset": -1},
])
def test_bad_queries_get_422_with_a_message(client: TestClient, params: dict) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] in ("invalid_request", "invalid_query") and error["message"]


def test_document_by_id_and_404(client: TestClient) -> None:
    hit = client.get("/api/v1/search", params={"q": "talent bank", "k": 1, "mode": "keyword"}).json()["results"][0]
    document = client.get(f"/api/v1/documents/{hit['document']['id']}").json()
    assert document["id"] == hit["document"]["id"]
    assert [c["ordinal"] for c in document["chunks"]] == list(range(len(document["chunks"])))
    assert any(c["chunk_id"] == hit["chunk_id"] for c in document["chunks"])
    missing = client.get("/api/v1/documents/no-such-document")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_similar_passages_come_from_other_documents(client: TestClient) -> None:
    hit = client.get("/api/v1/search", params={"q": "talent bank", "k": 1, "mode": "keyword"}).json()["results"][0]
    body = client.get(f"/api/v1/chunks/{hit['chunk_id']}/similar", params={"k": 5}).json()
    assert len(body["results"]) == 5
    assert all(r["document"]["id"] != hit["document"]["id"] for r in body["results"])
    assert client.get("/api/v1/chunks/999999/similar").status_code == 404


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/api/v1/health").json()
    assert health["status"] == "ok" and health["documents"] == 5
    assert client.get("/docs").status_code == 200
    assert "/api/v1/search" in client.get("/openapi.json").json()["paths"]
    assert client.get("/api/v1/nothing-here").json()["error"]["code"] == "not_found"


def test_filters_narrow_results_and_still_fill_k(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "cooperation", "k": 5, "kind": "operative"}).json()
    assert len(body["results"]) == 5 and all(r["kind"] == "operative" for r in body["results"])
    none = client.get("/api/v1/search", params={"q": "cooperation", "year_from": 2090}).json()
    assert none["results"] == []
    assert client.get("/api/v1/search", params={"q": "x", "country": "BRAZIL"}).status_code == 422
