"""The vector settings (COOPSEARCH_VECTOR_FLAT_MAX, _VECTOR_COMPRESSION, _HNSW_EF_SEARCH) reach the index.

The writer lays the vectors out as they say (the command line's ingest, the API's upload and delete all
take their options from Settings), and the reader searches with them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from support import CORPUS

from index.embedder import Embedder
from index.manifest import read_manifest
from search_api.app import create_app
from search_api.cli import main
from edge.keys import KeyStore
from support_uploads import upload
from search_api.settings import Settings


def test_the_command_line_ingest_writes_the_layout_the_environment_asks_for(
        tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flat = tmp_path / "flat"
    assert main(["ingest", str(CORPUS), "--index", str(flat), "--model", str(tiny_model_dir), "--quiet",
                 "--workers", "1"]) == 0
    assert read_manifest(flat).vector_index == "flat"  # the default: exact up to 50,000 chunks

    monkeypatch.setenv("COOPSEARCH_VECTOR_FLAT_MAX", "20")
    monkeypatch.setenv("COOPSEARCH_VECTOR_COMPRESSION", "sq8")
    monkeypatch.setenv("COOPSEARCH_HNSW_EF_SEARCH", "40")
    hnsw = tmp_path / "hnsw"
    assert main(["ingest", str(CORPUS), "--index", str(hnsw), "--model", str(tiny_model_dir), "--quiet",
                 "--workers", "1"]) == 0
    manifest = read_manifest(hnsw)
    assert manifest.chunks > 20 and manifest.vector_index == "hnsw32-ef40-sq8"


def test_the_server_reads_with_them_and_its_writes_keep_them(tmp_path: Path, tiny_corpus_index: Path,
                                                              tiny_embedder: Embedder, tiny_model_dir: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(tiny_corpus_index, index, ignore=shutil.ignore_patterns(".lock"))
    settings = Settings(index=index, model=tiny_model_dir, rate_limit_per_s=0, workers=1, vector_flat_max=20,
                        vector_compression="sq8", hnsw_ef_search=48)
    app = create_app(settings, tiny_embedder)
    client = TestClient(app)
    assert app.state.engine.holder.current().vectors.config == settings.vector_config()

    key = KeyStore(settings.keys_path()).create("test", "write")[1]
    job = upload(client, [("files", ("note.md", b"# Note\n\nTriangular cooperation shares expertise.\n"))],
                 {"X-API-Key": key})
    assert job["files"][0]["status"] == "added"
    assert read_manifest(index).vector_index == "hnsw32-ef48-sq8"  # the upload's writer used the settings
    snapshot = app.state.engine.holder.current()
    assert snapshot.manifest.generation == job["generation"]
    assert snapshot.vectors.kind == "hnsw" and snapshot.vectors.config.ef_search == 48

    doc_id = job["files"][0]["document_id"]
    assert client.delete(f"/api/v1/documents/{doc_id}", headers={"X-API-Key": key}).status_code == 200
    assert read_manifest(index).vector_index == "hnsw32-ef48-sq8"  # so did the removal's


def test_the_readers_ef_search_is_the_one_searched_with(tmp_path: Path) -> None:
    """HNSW with efSearch 1 misses neighbours that a larger efSearch finds: the setting is applied at read."""
    from index.vectors import VectorConfig, VectorIndex

    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    writer = VectorIndex(16, config=VectorConfig(flat_max=100, ef_search=200))
    writer.add(np.arange(1, 3001, dtype=np.int64), vectors)
    writer.fit()
    writer.save(tmp_path / "v.faiss")
    queries = rng.standard_normal((50, 16)).astype(np.float32)
    truth = [set((np.argsort(-(vectors @ q))[:10] + 1).tolist()) for q in queries]

    def recall(ef: int) -> float:
        reader = VectorIndex.load(tmp_path / "v.faiss", 16, VectorConfig(flat_max=100, ef_search=ef))
        return float(np.mean([len(truth[i] & set(reader.search(q, 10)[1].tolist())) / 10
                              for i, q in enumerate(queries)]))

    assert recall(400) > recall(1) + 0.05
