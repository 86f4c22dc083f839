"""Fixtures for the HTTP API: writable index copies, apps with chosen settings, API keys."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support import CORPUS, backend_settings

from edge.keys import KeyStore
from search_api.app import create_app
from search_api.settings import Settings

MakeClient = Callable[..., TestClient]


@pytest.fixture
def writable_index(tmp_path: Path, tiny_corpus_index: Path) -> Path:
    """A private copy of the tiny-model corpus index, in its own folder (uploads and keys go beside it)."""
    target = tmp_path / "site" / "index"
    shutil.copytree(tiny_corpus_index, target, ignore=shutil.ignore_patterns(".lock"))
    return target


@pytest.fixture
def site_on_backend(tmp_path: Path, backend, tiny_corpus_index: Path, tiny_embedder):  # type: ignore[no-untyped-def]
    """(index folder, settings) of a private corpus index on each backend (the backend contract).

    A copy of a Milvus index folder would share its collection, so on Milvus the corpus is ingested afresh."""
    from index.build import IngestOptions, ingest_paths

    target = tmp_path / "site" / "index"
    if backend.kind == "embedded":
        shutil.copytree(tiny_corpus_index, target, ignore=shutil.ignore_patterns(".lock"))
    else:
        assert not ingest_paths(target, [CORPUS], tiny_embedder, IngestOptions(workers=1, backend=backend)).failed
    return target, backend_settings(backend)


@pytest.fixture
def make_client(tiny_embedder, tiny_model_dir: Path) -> MakeClient:  # type: ignore[no-untyped-def]
    """Build a TestClient over an index with settings overridden (rate limit off unless asked)."""

    def make(index: Path, **overrides: object) -> TestClient:
        values: dict[str, object] = {"index": index, "model": tiny_model_dir, "corpus": CORPUS,
                                     "rate_limit_per_s": 0, "workers": 1}
        values.update(overrides)
        return TestClient(create_app(Settings(**values), tiny_embedder))

    return make


@pytest.fixture
def keys_for() -> Callable[[Path], dict[str, str]]:
    """Make a read key and a write key in the keys file beside an index; returns {"read": …, "write": …}."""

    def make(index: Path) -> dict[str, str]:
        store = KeyStore(index.parent / "api-keys.json")
        return {scope: store.create(f"test {scope}", scope)[1] for scope in ("read", "write")}

    return make
