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


def make_engine(index_dir: Path, embedder, backend=None, **config):  # type: ignore[no-untyped-def]
    """A search engine over an index folder (on `backend`, a BackendConfig; None: embedded); `config`
    overrides SearchConfig's defaults."""
    from index.backends import make_backend
    from index.search import SearchConfig, SearchEngine
    from index.snapshot import IndexHolder

    holder = IndexHolder(index_dir, embedder.info, backend=make_backend(backend) if backend is not None else None)
    return SearchEngine(holder, embedder, config=SearchConfig(**config))


def open_snapshot(index_dir: Path, embedder, backend=None):  # type: ignore[no-untyped-def]
    """The current generation of an index folder, on `backend` (None: embedded)."""
    from index.backends import make_backend
    from index.snapshot import IndexSnapshot

    return IndexSnapshot.open(index_dir, embedder.info, backend=make_backend(backend) if backend is not None else None)


def backend_settings(backend) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Settings fields (COOPSEARCH_BACKEND, COOPSEARCH_MILVUS_URI) that put an app on `backend`."""
    return {"backend": backend.kind, "milvus_uri": backend.uri}
