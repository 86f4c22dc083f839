"""Settings: the server and CLI rank with the same fusion the engine measured best."""
from __future__ import annotations

import pytest

from index.fusion import FusionConfig
from search_api.settings import Settings


def test_default_fusion_is_the_engine_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COOPSEARCH_FUSION_METHOD", "COOPSEARCH_KEYWORD_WEIGHT", "COOPSEARCH_SEMANTIC_WEIGHT"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().fusion() == FusionConfig()


def test_fusion_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPSEARCH_FUSION_METHOD", "rrf")
    monkeypatch.setenv("COOPSEARCH_KEYWORD_WEIGHT", "1.5")
    fusion = Settings().fusion()
    assert (fusion.method, fusion.keyword_weight) == ("rrf", 1.5)
    monkeypatch.setenv("COOPSEARCH_FUSION_METHOD", "magic")
    with pytest.raises(ValueError):
        Settings()
