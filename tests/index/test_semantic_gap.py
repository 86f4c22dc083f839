"""QPP-weighted fusion (FusionConfig.semantic_gap): each query's semantic weight from its own list's gap between
the best and the second cosine; hand-computed on small lists, then through the search on both backends."""
from __future__ import annotations

import math

import pytest
from support import make_engine

from index.fusion import Boosts, Evidence, FusionConfig, boosted, dbsf_scale, fuse, query_weights
from index.search import SearchRequest
from index.types import Filters

KEYWORD = [(1, 12.0), (2, 11.0), (3, 4.0)]
SEMANTIC = [(4, 0.80), (1, 0.79), (5, 0.70)]  # best 0.80, second 0.79: a gap of 0.01


def test_the_semantic_weight_scales_with_its_lists_gap_up_to_the_setting() -> None:
    scored = {"keyword": KEYWORD, "semantic": SEMANTIC}
    assert query_weights(scored, FusionConfig(semantic_gap=0.0)) == {"keyword": 2.0, "semantic": 1.0}  # 0: off
    assert query_weights(scored, FusionConfig()) == {"keyword": 2.0, "semantic": 1.0}  # None: not resolved, off
    # 0.01 of 0.04: a quarter of the configured weight; the keyword weight never changes
    assert query_weights(scored, FusionConfig(semantic_gap=0.04)) == pytest.approx({"keyword": 2.0, "semantic": 0.25})
    assert query_weights(scored, FusionConfig(semantic_weight=2.0, semantic_gap=0.02)) == pytest.approx(
        {"keyword": 2.0, "semantic": 1.0})
    # a gap at or beyond the setting: the full weight, never more
    assert query_weights(scored, FusionConfig(semantic_gap=0.01))["semantic"] == pytest.approx(1.0)
    assert query_weights(scored, FusionConfig(semantic_gap=0.001))["semantic"] == pytest.approx(1.0)
    # the gap is the two largest cosines', whatever order the list came in
    shuffled = {"keyword": KEYWORD, "semantic": [SEMANTIC[2], SEMANTIC[1], SEMANTIC[0]]}
    assert query_weights(shuffled, FusionConfig(semantic_gap=0.04))["semantic"] == pytest.approx(0.25)


def test_a_tie_at_the_top_gives_the_semantic_list_no_weight() -> None:
    tied = {"keyword": KEYWORD, "semantic": [(4, 0.8), (5, 0.8), (1, 0.5)]}  # the same text twice (duplicates)
    fused = {c.chunk_id: c.score for c in fuse(tied, FusionConfig(semantic_gap=0.02))}
    assert fused[4] == fused[5] == 0.0  # found by semantic search alone: nothing
    assert fused[1] == pytest.approx(2 * dict(dbsf_scale(KEYWORD))[1])


def test_the_weight_changes_only_a_fusion_of_both_lists() -> None:
    config = FusionConfig(semantic_gap=1.0)  # any gap under 1: less weight, if it applied
    alone = fuse({"semantic": SEMANTIC}, config)  # the semantic mode: its scores as without the setting
    assert [(c.chunk_id, c.score) for c in alone] == [(c.chunk_id, c.score) for c in fuse({"semantic": SEMANTIC},
                                                                                         FusionConfig())]
    for semantic in ([], [(4, 0.8)]):  # no gap to read: the configured weights
        assert query_weights({"keyword": KEYWORD, "semantic": semantic}, config) == {"keyword": 2.0, "semantic": 1.0}
    assert query_weights({"keyword": [], "semantic": SEMANTIC}, config) == {"keyword": 2.0, "semantic": 1.0}


@pytest.mark.parametrize("method", ["dbsf", "minmax", "rrf"])
def test_a_flat_semantic_list_no_longer_pushes_keywords_first_passage_down(method: str) -> None:
    # keyword's first passage (1) is the semantic list's second, a hair under a generic neighbour (4)
    scored = {"keyword": KEYWORD, "semantic": SEMANTIC}
    plain = fuse(scored, FusionConfig(method=method, keyword_weight=1.0, rrf_k=1.0))
    weighed = fuse(scored, FusionConfig(method=method, keyword_weight=1.0, rrf_k=1.0, semantic_gap=0.04))
    scores = {c.chunk_id: c.score for c in weighed}
    if method == "dbsf":  # by hand: keyword x 1 + semantic x 0.25, each list DBSF-scaled
        kw, sem = dict(dbsf_scale(KEYWORD)), dict(dbsf_scale(SEMANTIC))
        assert scores == pytest.approx({1: kw[1] + 0.25 * sem[1], 2: kw[2], 3: kw[3], 4: 0.25 * sem[4],
                                        5: 0.25 * sem[5]})
    if method == "rrf":
        assert scores[1] == pytest.approx(1 / 2 + 0.25 / 3) and scores[4] == pytest.approx(0.25 / 2)
    assert weighed[0].chunk_id == 1
    assert [c.chunk_id for c in plain] != [c.chunk_id for c in weighed]


def test_the_adaptive_boost_keeps_the_semantic_gap() -> None:
    found = {i: Evidence(1.0, 1.0) for i in (1, 2, 3, 4, 5)}
    scored = {"keyword": KEYWORD, "semantic": SEMANTIC}
    config = FusionConfig(semantic_gap=0.04)
    with_gap = boosted(scored, config, Boosts(adaptive=1.0), found)  # keyword weight 2 x (1 + 1 x 1) = 4
    expected = fuse(scored, FusionConfig(keyword_weight=4.0, semantic_weight=0.25))
    assert [c.chunk_id for c in with_gap] == [c.chunk_id for c in expected]
    assert [c.score for c in with_gap] == pytest.approx([c.score for c in expected])


def test_a_negative_or_missing_gap_is_refused() -> None:
    for bad in (-0.01, math.nan):
        with pytest.raises(ValueError, match="semantic_gap"):
            FusionConfig(semantic_gap=bad)


def test_the_search_weighs_each_querys_semantic_list_on_both_backends(  # type: ignore[no-untyped-def]
        corpus_indexes, backend, tiny_embedder) -> None:
    """Through the engine: a setting of twice this query's own gap ranks and scores as a semantic weight of 0.5."""
    index_dir = corpus_indexes(backend)
    query = "technical cooperation among developing countries"
    plain = make_engine(index_dir, tiny_embedder, backend, fusion=FusionConfig(semantic_gap=0.0))
    near = plain.holder.current().engine.vector_search(tiny_embedder.encode_query(query), 100, Filters())
    cosines = sorted((s for _, s in near if s >= plain.semantic_floor), reverse=True)
    gap = cosines[0] - cosines[1]
    assert gap > 0
    half = make_engine(index_dir, tiny_embedder, backend, fusion=FusionConfig(semantic_weight=0.5, semantic_gap=0.0))
    weighed = make_engine(index_dir, tiny_embedder, backend, fusion=FusionConfig(semantic_gap=2 * gap))
    request = SearchRequest(query=query, k=50)
    expected, got, default = (e.search(request).hits for e in (half, weighed, plain))
    assert [h.chunk_id for h in got] == [h.chunk_id for h in expected]
    assert [h.score for h in got] == pytest.approx([h.score for h in expected])
    assert [(h.chunk_id, h.score) for h in got] != [(h.chunk_id, h.score) for h in default]


def test_the_engine_takes_the_gap_calibrated_for_its_model(tiny_embedder, bundled_embedder,  # type: ignore[no-untyped-def]
                                                           tiny_corpus_index) -> None:
    """Unset, the gap is the one measured for the model in use (a gap is in that model's cosines); a model not
    calibrated gets none; a gap set by hand is kept."""
    from index.search import SEMANTIC_GAPS, SearchConfig, SearchEngine
    from index.snapshot import IndexHolder

    holder = IndexHolder(tiny_corpus_index, tiny_embedder.info)
    assert bundled_embedder.info.name in SEMANTIC_GAPS and tiny_embedder.info.name not in SEMANTIC_GAPS
    assert SearchEngine(holder, bundled_embedder).fusion.semantic_gap == SEMANTIC_GAPS[bundled_embedder.info.name]
    assert SearchEngine(holder, tiny_embedder).fusion.semantic_gap == 0.0
    assert SearchEngine(holder, None).fusion.semantic_gap == 0.0
    chosen = SearchConfig(fusion=FusionConfig(semantic_gap=0.05))
    assert SearchEngine(holder, bundled_embedder, config=chosen).fusion.semantic_gap == 0.05
    assert SearchEngine(holder, bundled_embedder, FusionConfig(semantic_gap=0.0)).fusion.semantic_gap == 0.0
