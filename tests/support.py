"""Helpers shared by tests (importable because pytest puts tests/ on sys.path)."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"


def require_shared(*parts: str) -> Path:
    """A path under ../shared, or skip the test saying that ../shared is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared not present on this clone (needs {path}); CI always has it")
    return path


def make_engine(index_dir: Path, embedder, **config):  # type: ignore[no-untyped-def]
    """A search engine over an index folder; `config` overrides SearchConfig's defaults."""
    from index.search import SearchConfig, SearchEngine
    from index.snapshot import IndexHolder

    return SearchEngine(IndexHolder(index_dir, embedder.info), embedder, config=SearchConfig(**config))
