"""Similar passages: the nearest passages in other documents, never the passage's own document."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from index.errors import BadQuery
from support import backend_settings, make_engine, open_snapshot
from synthetic import build, document

# The source document repeats its own idea, so its own passages are the nearest neighbours of each other.
OWN = [f"Triangular cooperation financing for South-South partners, note {n}." for n in range(12)]
OTHERS = {
    "near-doc": ["Financing of triangular cooperation with South-South partners.",
                 "Secondary schools and rural roads."],
    "middle-doc": ["Triangular cooperation among developing countries.", "Fisheries statistics and rural roads."],
    "far-doc": ["Fisheries statistics for secondary schools.", "Rural roads and national statistics."],
}


@pytest.fixture(scope="module")
def similar_index(tmp_path_factory: pytest.TempPathFactory, tiny_embedder, backend) -> Path:  # type: ignore[no-untyped-def]
    docs = [document("source-doc", OWN)] + [document(doc_id, texts) for doc_id, texts in OTHERS.items()]
    return build(tmp_path_factory.mktemp("similar"), tiny_embedder, docs, backend)


def test_similar_excludes_the_same_document_and_matches_brute_force(similar_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(similar_index, tiny_embedder, backend)
    snapshot = open_snapshot(similar_index, tiny_embedder, backend)
    source_id = snapshot.store.document_chunks("source-doc")[0].id
    source, hits = engine.similar(source_id, k=4)
    assert source.chunk.doc_id == "source-doc"
    assert len(hits) == 4 and all(h.document.id != "source-doc" for h in hits)
    others = [c.id for doc_id in OTHERS for c in snapshot.store.document_chunks(doc_id)]
    query = snapshot.engine.get(source_id)
    scores = {i: float(snapshot.engine.get(i) @ query) for i in others}
    expected = sorted(others, key=lambda i: -scores[i])[:4]
    assert [h.chunk_id for h in hits] == expected
    assert np.allclose([h.score for h in hits], [scores[i] for i in expected], atol=1e-5)
    assert [h.rank for h in hits] == [1, 2, 3, 4] and all(h.retrievers == ("semantic",) for h in hits)


def test_similar_returns_everything_else_when_k_exceeds_it(similar_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(similar_index, tiny_embedder, backend)
    snapshot = open_snapshot(similar_index, tiny_embedder, backend)
    source_id = snapshot.store.document_chunks("near-doc")[0].id
    _, hits = engine.similar(source_id, k=100)
    assert len(hits) == 12 + 2 + 2 and all(h.document.id != "near-doc" for h in hits)
    assert hits[0].document.id == "source-doc"


def test_unknown_chunk_and_bad_k(similar_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(similar_index, tiny_embedder, backend)
    with pytest.raises(KeyError):
        engine.similar(10**9, k=3)
    with pytest.raises(BadQuery):
        engine.similar(1, k=0)


def test_similar_over_http(similar_index, backend, tiny_embedder, tiny_model_dir) -> None:  # type: ignore[no-untyped-def]
    from search_api.app import create_app
    from search_api.settings import Settings

    settings = Settings(index=similar_index, model=tiny_model_dir, **backend_settings(backend))
    client = TestClient(create_app(settings, tiny_embedder))
    snapshot = open_snapshot(similar_index, tiny_embedder, backend)
    source_id = snapshot.store.document_chunks("source-doc")[3].id
    response = client.get(f"/api/v1/chunks/{source_id}/similar", params={"k": 3})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 3 and all(r["document"]["id"] != "source-doc" for r in results)
    assert client.get("/api/v1/chunks/999999/similar").status_code == 404
