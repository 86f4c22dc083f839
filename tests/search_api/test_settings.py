"""Settings: the server and CLI rank with the same fusion the engine measured best."""
from __future__ import annotations

import pytest

from index.fusion import FusionConfig
from search_api.settings import Settings


def test_default_fusion_is_the_engine_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COOPSEARCH_FUSION_METHOD", "COOPSEARCH_KEYWORD_WEIGHT", "COOPSEARCH_SEMANTIC_WEIGHT",
                 "COOPSEARCH_SEMANTIC_GAP"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().fusion() == FusionConfig()


def test_fusion_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPSEARCH_FUSION_METHOD", "rrf")
    monkeypatch.setenv("COOPSEARCH_KEYWORD_WEIGHT", "1.5")
    monkeypatch.setenv("COOPSEARCH_SEMANTIC_GAP", "0.03")
    fusion = Settings().fusion()
    assert (fusion.method, fusion.keyword_weight, fusion.semantic_gap) == ("rrf", 1.5, 0.03)
    monkeypatch.setenv("COOPSEARCH_FUSION_METHOD", "magic")
    with pytest.raises(ValueError):
        Settings()


def test_sentence_vectors_and_scoring_are_on_by_default_and_can_be_switched_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from index.search import SearchConfig

    monkeypatch.delenv("COOPSEARCH_SENTENCE_VECTORS", raising=False)
    monkeypatch.delenv("COOPSEARCH_SENTENCE_RERANK", raising=False)
    assert Settings().ingest_options().sentence_vectors
    assert Settings().sentence_rerank == SearchConfig().sentence_rerank > 0
    monkeypatch.setenv("COOPSEARCH_SENTENCE_VECTORS", "false")
    monkeypatch.setenv("COOPSEARCH_SENTENCE_RERANK", "0")
    assert not Settings().ingest_options().sentence_vectors and Settings().sentence_rerank == 0
    monkeypatch.setenv("COOPSEARCH_SENTENCE_RERANK", "-1")
    with pytest.raises(ValueError):
        Settings()
    monkeypatch.setenv("COOPSEARCH_SENTENCE_RERANK", "0")
    monkeypatch.delenv("COOPSEARCH_SEMANTIC_SENTENCE_RERANK", raising=False)
    assert Settings().semantic_sentence_rerank == SearchConfig().semantic_sentence_rerank > 0
    monkeypatch.setenv("COOPSEARCH_SEMANTIC_SENTENCE_RERANK", "0")
    assert Settings().search_config().semantic_sentence_rerank == 0
