"""The learned re-ranker of hybrid search's head (index.rerank; SearchConfig.learned_rerank, off by default):
the shipped model loads, a malformed one is a clear error, and on a real index the head follows the model."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.fusion import Candidate
from index.rerank import FEATURES, MODEL_PATH, RerankModelError, load_ranker, reordered
from index.search import SearchConfig, SearchEngine, SearchRequest
from index.snapshot import IndexHolder

QUERY = "south-south cooperation capacity development"


def _model(tmp_path: Path, weights: dict[str, float], head: int = 30) -> Path:
    """A model file scoring by `weights` alone (unit standardisation)."""
    names = list(weights)
    path = tmp_path / f"model-{'-'.join(names)}.json"
    path.write_text(json.dumps({"head": head, "features": names, "mean": [0.0] * len(names),
                                "scale": [1.0] * len(names), "coef": [weights[n] for n in names]}))
    return path


def test_the_shipped_model_loads_with_known_features() -> None:
    ranker = load_ranker(MODEL_PATH)
    assert ranker.head >= 2 and set(ranker.features) <= set(FEATURES)
    assert len(ranker.coef) == len(ranker.features) and np.all(ranker.scale > 0)


@pytest.mark.parametrize(("content", "problem"), [
    (None, "cannot read"),
    ("{not json", "cannot read"),
    (json.dumps({"head": 30, "features": ["kw"], "mean": [0.0], "scale": [1.0]}), "needs features"),
    (json.dumps({"head": 30, "features": ["kw", "shoe size"], "mean": [0, 0], "scale": [1, 1], "coef": [1, 1]}),
     "unknown features shoe size"),
    (json.dumps({"head": 30, "features": ["kw", "sem"], "mean": [0.0], "scale": [1.0, 1.0], "coef": [1.0, 1.0]}),
     "one number per feature"),
    (json.dumps({"head": 30, "features": ["kw"], "mean": [0.0], "scale": [0.0], "coef": [1.0]}), "positive"),
])
def test_a_malformed_model_is_a_clear_error(tmp_path: Path, content: str | None, problem: str) -> None:
    path = tmp_path / "model.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(RerankModelError, match=problem):
        load_ranker(path)


def test_only_the_head_is_reordered_and_it_stays_above_the_rest() -> None:
    fused = [Candidate(i, 10.0 - i, ("keyword",)) for i in range(6)]
    out = reordered(fused, np.array([0.1, 0.3, 0.2]))
    assert [c.chunk_id for c in out] == [1, 2, 0, 3, 4, 5]
    assert out[2].score > out[3].score and [c.retrievers for c in out] == [("keyword",)] * 6
    assert [c.chunk_id for c in reordered(fused, np.zeros(3))] == list(range(6))  # ties keep their order


def test_on_a_real_index_the_head_follows_the_model(tmp_path: Path, tiny_corpus_index: Path,  # type: ignore[no-untyped-def]
                                                    tiny_embedder) -> None:
    """A model that scores by the default's own rank gives the default's ranking; one that scores by semantic
    rank puts semantic search's first passage first; off by default."""
    holder = IndexHolder(tiny_corpus_index, tiny_embedder.info)
    assert SearchConfig().learned_rerank is False

    def ranking(**config: object) -> list[int]:
        engine = SearchEngine(holder, tiny_embedder, config=replace(SearchConfig(), **config))  # type: ignore[arg-type]
        return [h.chunk_id for h in engine.search(SearchRequest(QUERY, k=20, mode="hybrid")).hits]

    default = ranking()
    assert len(default) >= 10
    assert ranking(learned_rerank=True, learned_rerank_model=_model(tmp_path, {"default_rr": 1.0})) == default
    by_semantic = ranking(learned_rerank=True, learned_rerank_model=_model(tmp_path, {"sem_rr": 1.0, "kw_rr": 0.01}))
    assert by_semantic != default and set(by_semantic[:5]) <= set(default)
    plain = replace(SearchConfig(), semantic_sentence_rerank=0)  # semantic search's own list, as fused
    semantic = SearchEngine(holder, tiny_embedder, config=plain).search(SearchRequest(QUERY, k=1, mode="semantic"))
    assert by_semantic[0] == semantic.hits[0].chunk_id
