"""The JSON API through FastAPI's TestClient over a real index."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from support import backend_settings

from search_api.app import create_app
from search_api.settings import Settings


@pytest.fixture(scope="module")
def client(corpus_indexes, backend, tiny_embedder, tiny_model_dir: Path) -> TestClient:  # type: ignore[no-untyped-def]
    """The API over the corpus on each backend (the backend contract: search, filters, paging, facets, similar)."""
    settings = Settings(index=corpus_indexes(backend), model=tiny_model_dir, rate_limit_per_s=0,  # many quick calls
                        **backend_settings(backend))
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


def test_search_answers_are_exactly_the_response_model(client: TestClient) -> None:
    # The route serialises the model itself (no second validation by FastAPI): the JSON must still be the
    # documented model, every field present, nothing else, for GET and POST alike.
    from search_api.schemas import SearchResponse

    get = client.get("/api/v1/search", params={"q": "talent bank database", "k": 3, "facets": "true"})
    post = client.post("/api/v1/search", json={"q": "talent bank database", "k": 3, "facets": True})
    for response in (get, post):
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        parsed = SearchResponse.model_validate_json(response.content)
        assert response.json() == parsed.model_dump(mode="json")
        assert response.json()["facets"] and response.json()["results"][0]["highlight_spans"]
    assert [r["chunk_id"] for r in get.json()["results"]] == [r["chunk_id"] for r in post.json()["results"]]


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


def test_paging_with_k_and_next_offset_walks_the_results(client: TestClient) -> None:
    params = {"q": "cooperation among developing countries", "mode": "keyword", "k": 7}
    first = client.get("/api/v1/search", params=params).json()
    second = client.get("/api/v1/search", params={**params, "offset": first["next_offset"]}).json()
    assert first["next_offset"] == 7 and [r["rank"] for r in second["results"]] == list(range(8, 15))
    assert not {r["chunk_id"] for r in first["results"]} & {r["chunk_id"] for r in second["results"]}
    whole = client.get("/api/v1/search", params={**params, "k": 14}).json()
    assert [r["chunk_id"] for r in whole["results"]] == [r["chunk_id"] for r in first["results"] + second["results"]]
    last = client.get("/api/v1/search", params={**params, "offset": first["total"] - 1}).json()
    assert len(last["results"]) == 1 and last["next_offset"] is None


def test_post_search_matches_get_and_counts_facets_over_all_matches(client: TestClient) -> None:
    get = client.get("/api/v1/search", params={"q": "technical cooperation", "k": 5, "kind": "operative",
                                                "facets": "true"}).json()
    post = client.post("/api/v1/search", json={"q": "technical cooperation", "k": 5, "facets": True,
                                               "filters": {"kind": "operative"}}).json()
    assert [r["chunk_id"] for r in post["results"]] == [r["chunk_id"] for r in get["results"]]
    assert post["facets"] == get["facets"]
    assert set(post["facets"]) == {"doc_type", "body", "year", "country", "kind"}
    assert post["facets"]["kind"] == [{"value": "operative", "count": post["total"]}]
    assert sum(v["count"] for v in post["facets"]["doc_type"]) == post["total"] > len(post["results"])
    assert client.get("/api/v1/search", params={"q": "technical"}).json()["facets"] is None
    one = client.post("/api/v1/search", json={"q": "cooperation", "k": 100,
                                              "filters": {"doc_id": post["results"][0]["document"]["id"]}}).json()
    assert {r["document"]["id"] for r in one["results"]} == {post["results"][0]["document"]["id"]}


@pytest.mark.parametrize("body", [{"q": ""}, {"q": "x", "k": 0}, {"q": "x", "filters": {"country": "BRAZIL"}},
                                  {"q": "x", "filters": {"colour": "red"}}, {"q": "x", "mode": "fuzzy"}, [1, 2], "q"])
def test_post_search_rejects_bad_bodies_with_422(client: TestClient, body: object) -> None:
    response = client.post("/api/v1/search", json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_documents_list_chunks_references_and_stats(client: TestClient) -> None:
    listing = client.get("/api/v1/documents", params={"limit": 2}).json()
    assert listing["total"] == 5 and len(listing["documents"]) == 2 and listing["next_offset"] == 2
    rest = client.get("/api/v1/documents", params={"offset": 2, "limit": 100}).json()
    assert rest["next_offset"] is None and len(rest["documents"]) == 3
    resolutions = client.get("/api/v1/documents", params={"doc_type": "resolution"}).json()
    assert resolutions["total"] >= 1 and all(d["doc_type"] == "resolution" for d in resolutions["documents"])

    doc_id = listing["documents"][0]["id"]
    detail = client.get(f"/api/v1/documents/{doc_id}").json()
    page = client.get(f"/api/v1/documents/{doc_id}/chunks", params={"offset": 1, "limit": 2}).json()
    assert page["total"] == len(detail["chunks"]) and page["chunks"] == detail["chunks"][1:3]
    assert client.get("/api/v1/documents/nope/chunks").status_code == 404

    links = [client.get(f"/api/v1/documents/{d['id']}/references").json()
             for d in listing["documents"] + rest["documents"]]
    recalls = [link for doc in links for link in doc["recalls"]]
    assert all({"symbol", "raw", "label", "chunk_ordinal", "document"} <= set(link) for link in recalls)
    assert client.get("/api/v1/documents/nope/references").status_code == 404

    stats = client.get("/api/v1/stats").json()
    assert stats["documents"] == 5 and stats["generation"].startswith("gen-")
    assert sum(row["documents"] for row in stats["by_doc_type"]) == 5
    assert sum(row["passages"] for row in stats["by_doc_type"]) == stats["chunks"]
    assert stats["model"]["dimension"] == 32


def test_ready_and_health_without_an_index(tmp_path: Path, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    empty = TestClient(create_app(Settings(index=tmp_path / "none", model=tiny_model_dir), tiny_embedder))
    assert empty.get("/api/v1/health").json() == {"status": "ok", "documents": None, "chunks": None,
                                                  "model": None, "generation": None}
    ready = empty.get("/api/v1/ready")
    assert ready.status_code == 503 and ready.json()["error"]["code"] == "index_unavailable"
    assert empty.get("/api/v1/search", params={"q": "x"}).status_code == 503
