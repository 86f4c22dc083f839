"""The bundled model over the default corpus: the answers the product promises."""
from __future__ import annotations

from pathlib import Path

import pytest
from support import make_engine

from index.search import SearchRequest


@pytest.fixture(scope="module")
def engine(bundled_corpus_index: Path, bundled_embedder):  # type: ignore[no-untyped-def]
    return make_engine(bundled_corpus_index, bundled_embedder)


def test_triangular_cooperation_definition_comes_first(engine) -> None:  # type: ignore[no-untyped-def]
    for mode in ("hybrid", "semantic"):
        top = engine.search(SearchRequest("what is triangular cooperation", k=5, mode=mode)).hits[0]
        assert "UNOSSC" in top.document.title, mode
        assert "is referred to as triangular cooperation" in top.chunk.text, mode


def test_talent_bank_passage_is_in_the_top_three(engine) -> None:  # type: ignore[no-untyped-def]
    hits = engine.search(SearchRequest("talent bank database", k=3)).hits
    assert any("talent bank database" in h.chunk.text and "Human Resources Management" in h.chunk.text for h in hits)


def test_semantic_results_equal_brute_force_over_stored_vectors(engine, bundled_embedder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    snapshot = engine.holder.current()
    ids = snapshot.store.filtered_chunk_ids(__import__("index.types", fromlist=["Filters"]).Filters())
    matrix = np.stack([snapshot.vectors.reconstruct(int(i)) for i in ids])
    query = bundled_embedder.encode_query("national focal points for technical cooperation")
    expected = [int(ids[i]) for i in np.argsort(-(matrix @ query), kind="stable")[:10]]
    # exactness of the vector search itself: every neighbour, duplicates not folded, no similarity floor, no
    # re-ranking by the passages' best sentences
    from index.search import SearchConfig, SearchEngine

    exact = SearchEngine(engine.holder, bundled_embedder,
                         config=SearchConfig(collapse_duplicates=False, semantic_floor=-1.0,
                                             semantic_sentence_rerank=0))
    hits = exact.search(SearchRequest("national focal points for technical cooperation", k=10, mode="semantic")).hits
    assert [h.chunk_id for h in hits] == expected
