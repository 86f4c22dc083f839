"""Our own BM25 over stored stems (index.bm25): the textbook value on a hand-computed example, and the
re-scoring of a real keyword search keeps its candidates."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from support import make_engine

from index import bm25
from index.bm25 import Bm25Config, Collection, Fields
from index.search import SearchRequest


def _ids(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int32)


A, B, C, X, Y = 11, 12, 13, 14, 15  # stem ids


def test_bm25_gives_the_textbook_value() -> None:
    # term A is held by 2 of 4 passages: idf = ln(1 + (4 - 2 + 0.5) / (2 + 0.5)) = ln 2
    assert bm25.idf(4, 2) == pytest.approx(math.log(2))
    plain = Fields.of(_ids(A, B, A, C), 0, _ids())  # text "a b a c": tf 2, length 4 = the average
    # one field, weight 1: tf (k1 + 1) / (tf + k1 (1 - b + b dl/avgdl)) = 2 x 2.2 / (2 + 1.2) = 1.375
    one_field = Bm25Config(weights=(1.0, 0.0, 0.0))
    got = bm25.scores([A], [math.log(2)], {7: plain}, Collection(4, 4.0, 0.0, 0.0), one_field)
    assert got[7] == pytest.approx(math.log(2) * 1.375)
    # fields as counts: headings "a x", text "y y", title "a a b"; weights 2/1/1 give tf = 2 (title) + 1 (heading)
    # = 3 and dl = 2 x 2 + 3 + 2 = 9 against an average of 2 x 1 + 1 + 1 = 4:
    # norm = 1.2 (0.25 + 0.75 x 9/4) = 2.325, so 3 x 2.2 / 5.325
    fielded = Fields.of(_ids(A, X, Y, Y), 2, _ids(A, A, B))
    got = bm25.scores([A, C], [math.log(2), 5.0], {3: fielded, 7: plain}, Collection(4, 1.0, 1.0, 1.0), Bm25Config())
    assert got[3] == pytest.approx(math.log(2) * 6.6 / 5.325)
    # each field on its own: the title alone (2/1/0: tf 2, dl 4 + 3 = 7, average 3, norm 1.2 (0.25 + 1.75) = 2.4)
    # and the headings alone (2/0/1: tf 1, dl 4 + 2 = 6, average 3, norm 1.2 (0.25 + 1.5) = 2.1)
    collection = Collection(4, 1.0, 1.0, 1.0)
    title_only = bm25.scores([A], [1.0], {3: fielded}, collection, Bm25Config(weights=(2.0, 1.0, 0.0)))
    assert title_only[3] == pytest.approx(2 * 2.2 / 4.4)
    headings_only = bm25.scores([A], [1.0], {3: fielded}, collection, Bm25Config(weights=(2.0, 0.0, 1.0)))
    assert headings_only[3] == pytest.approx(2.2 / 3.1)
    # the plain passage: dl = 2 x 4 = 8, norm = 1.2 (0.25 + 0.75 x 2) = 2.1; A's tf 4 and C's tf 2
    assert got[7] == pytest.approx(math.log(2) * 4 * 2.2 / 6.1 + 5.0 * 2 * 2.2 / 4.1)


def test_bm25_plus_adds_delta_for_each_matched_term_only() -> None:
    plain = Fields.of(_ids(A, B, A, C), 0, _ids())
    config = Bm25Config(delta=1.0, weights=(1.0, 0.0, 0.0))
    got = bm25.scores([A, X], [math.log(2), 3.0], {1: plain}, Collection(4, 4.0, 0.0, 0.0), config)
    assert got[1] == pytest.approx(math.log(2) * (1.375 + 1.0))  # X is not held: no delta for it


def test_rescored_keeps_the_candidates_and_orders_by_the_new_scores() -> None:
    found = [(5, 9.0), (6, 8.0), (7, 7.0), (8, 6.0)]
    out = bm25.rescored(found, {5: 1.0, 6: 3.0, 7: 1.0})
    assert out == [(6, 3.0), (5, 1.0), (7, 1.0), (8, 0.0)]  # ties keep the engine's order; unknown last


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="BM25 parameters"):
        Bm25Config(b=1.5)


@pytest.mark.parametrize("config", [Bm25Config(), Bm25Config(k1=0.6, b=0.3), Bm25Config(weights=(1.0, 0.0, 0.0)),
                                    Bm25Config(k1=0.0, b=0.0)])
def test_rescoring_a_real_keyword_search_keeps_its_candidates(tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                                 config: Bm25Config) -> None:
    engine = make_engine(tiny_corpus_index, tiny_embedder, collapse_duplicates=False)
    rescoring = make_engine(tiny_corpus_index, tiny_embedder, collapse_duplicates=False, bm25=config)
    changed = 0
    for query in ("technical cooperation among developing countries", "talent bank database", "training programmes"):
        request = SearchRequest(query=query, k=100, mode="keyword")
        before = engine.search(request).hits
        after = rescoring.search(request).hits
        assert before and {h.chunk_id for h in after} == {h.chunk_id for h in before}
        scores = [h.score for h in after]
        assert scores == sorted(scores, reverse=True) and scores[0] > 0
        changed += [h.chunk_id for h in after] != [h.chunk_id for h in before]
    if config.k1 == 0.0:  # k1 = 0: only which terms a passage holds counts, never how often: a new order
        assert changed


def test_rescoring_works_on_both_backends(corpus_indexes, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    """Milvus's own BM25 candidates are re-scored from the same store (its stems and keyword statistics)."""
    index_dir = corpus_indexes(backend)
    engine = make_engine(index_dir, tiny_embedder, backend, collapse_duplicates=False)
    flat = Bm25Config(k1=0.0, b=0.0)  # only which terms a passage holds counts: an order of its own
    rescoring = make_engine(index_dir, tiny_embedder, backend, collapse_duplicates=False, bm25=flat)
    request = SearchRequest(query="technical cooperation among developing countries", k=100, mode="keyword")
    before, after = engine.search(request).hits, rescoring.search(request).hits
    assert before and {h.chunk_id for h in after} == {h.chunk_id for h in before}
    assert [h.chunk_id for h in after] != [h.chunk_id for h in before]
    hybrid = rescoring.search(SearchRequest(query="talent bank database", k=10))
    assert hybrid.hits and "keyword" in hybrid.hits[0].retrievers
