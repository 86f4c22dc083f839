"""The vector layout follows the index size: exact flat search when small, HNSW (with tombstones) when large."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from index.generation import GenerationWriter
from index.snapshot import IndexSnapshot
from index.vectors import VectorConfig, VectorIndex
from ingest.types import Chunk, Document
from support import CORPUS


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _exact(matrix: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return [int(ids[i]) for i in np.argsort(-(matrix @ query), kind="stable")[:k]]


def _recall(found: list[int], truth: list[int]) -> float:
    return len(set(found) & set(truth)) / len(truth)


def test_layout_follows_the_size_with_hysteresis() -> None:
    config = VectorConfig(flat_max=200)
    matrix, ids = _unit(300, 16, seed=1), np.arange(1, 301, dtype=np.int64)
    index = VectorIndex(16, config=config)
    index.add(ids[:150], matrix[:150])
    assert not index.fit() and index.kind == "flat"
    index.add(ids[150:], matrix[150:])
    assert index.fit() and index.kind == "hnsw" and index.describe() == "hnsw32-ef96"
    index.remove(ids[:150])
    assert index.fit() and index.kind == "hnsw"  # 150 live: above flat_max / 2, tombstones dropped
    assert index.tombstones() == 0 and index.index.ntotal == index.count() == 150
    index.remove(ids[150:210])
    assert index.fit() and index.kind == "flat" and index.count() == 90
    query = matrix[250]
    assert list(index.search(query, 10)[1]) == _exact(matrix[210:], ids[210:], query, 10)


def test_hnsw_removals_are_tombstones_that_never_come_back(tmp_path: Path) -> None:
    matrix, ids = _unit(2000, 24, seed=2), np.arange(10, 2010, dtype=np.int64)
    index = VectorIndex(24, config=VectorConfig(flat_max=100, tombstone_fraction=0.2))
    index.add(ids, matrix)
    index.fit()
    removed = ids[::20]  # 100 ids: 5 % of the slots, below the rebuild fraction
    assert index.remove(removed) == 100 and index.remove(removed) == 0
    assert index.count() == 1900 and index.tombstones() == 100
    with pytest.raises(KeyError):
        index.reconstruct(int(removed[0]))
    assert not index.fit()  # tombstones kept: under 20 %
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", 24, mmap=True)
    assert loaded.kind == "hnsw" and loaded.count() == 1900 and loaded.tombstones() == 100
    gone = set(removed.tolist())
    for query in matrix[removed[:20] - 10]:  # the removed vectors themselves: their nearest neighbour
        _, found = loaded.search(query, 10)
        assert len(found) == 10 and not gone & set(found.tolist())
    with pytest.raises(PermissionError):
        loaded.add(np.asarray([99_999]), matrix[:1])
    index.add(removed[:1], matrix[:1])  # SQLite may hand out a removed row id again
    assert index.count() == 1901 and list(index.search(matrix[0], 1)[1]) == [removed[0]]
    index.remove(ids[: 600])
    assert index.fit() and index.tombstones() == 0 and index.count() == index.index.ntotal


def test_filtered_hnsw_search_returns_k_whenever_k_allowed_ids_exist() -> None:
    matrix, ids = _unit(5000, 16, seed=3), np.arange(1, 5001, dtype=np.int64)
    index = VectorIndex(16, config=VectorConfig(flat_max=100, exact_filter_max=50))
    index.add(ids, matrix)
    index.fit()
    index.remove(ids[:10])
    query = _unit(1, 16, seed=4)[0]
    few = np.asarray([1, 2, 3, 11, 12], dtype=np.int64)  # three of them removed
    assert sorted(index.search(query, 10, few)[1].tolist()) == [11, 12]
    small = ids[10::200]  # 25 allowed: searched exactly
    assert list(index.search(query, 10, small)[1]) == _exact(matrix[small - 1], small, query, 10)
    for step in (3, 40, 97):  # graph searches with a selector, and the exact fallback when they come up short
        allowed = ids[10::step]
        scores, found = index.search(query, 10, allowed)
        assert len(found) == 10 and set(found.tolist()) <= set(allowed.tolist())
        assert _recall(found.tolist(), _exact(matrix[allowed - 1], allowed, query, 10)) >= 0.8
        assert np.all(np.diff(scores) <= 1e-6)


@pytest.mark.parametrize("flat_max", [10_000, 100])
def test_excluded_ids_are_left_out_at_every_size(flat_max: int) -> None:
    matrix, ids = _unit(2000, 16, seed=6), np.arange(1, 2001, dtype=np.int64)
    index = VectorIndex(16, config=VectorConfig(flat_max=flat_max))
    index.add(ids, matrix)
    index.fit()
    index.remove(ids[10:20])
    query = matrix[0]
    excluded = np.asarray([1, 2, 3, 99_999], dtype=np.int64)  # an id that is not there is fine
    _, found = index.search(query, 10, excluded_ids=excluded)
    live = np.r_[ids[3:10], ids[20:]]
    assert len(found) == 10 and not {1, 2, 3} & set(found.tolist())
    assert _recall(found.tolist(), _exact(matrix[live - 1], live, query, 10)) >= 0.9


def test_sq8_compression_is_smaller_and_still_finds_neighbours(tmp_path: Path) -> None:
    matrix, ids = _unit(3000, 32, seed=5), np.arange(1, 3001, dtype=np.int64)
    sizes = {}
    for compression in ("none", "sq8"):
        index = VectorIndex(32, config=VectorConfig(flat_max=100, compression=compression))
        index.add(ids, matrix)
        index.fit()
        path = tmp_path / f"{compression}.faiss"
        index.save(path)
        sizes[compression] = path.stat().st_size
        recalls = [_recall(index.search(q, 10)[1].tolist(), _exact(matrix, ids, q, 10)) for q in matrix[:30]]
        assert np.mean(recalls) >= 0.9, (compression, np.mean(recalls))
    assert VectorIndex.load(tmp_path / "sq8.faiss", 32).describe().endswith("-sq8")
    assert sizes["none"] - sizes["sq8"] >= 0.7 * matrix.nbytes  # 8 bits instead of 32 per component


def _sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))
    parts = [s.strip() for s in re.split(r"(?<=[.;:])\s+|\n\s*\n", text)]
    return list(dict.fromkeys(s for s in parts if len(s.split()) >= 6))


def test_hnsw_recall_at_10_on_real_embeddings(bundled_embedder) -> None:  # type: ignore[no-untyped-def]
    """The bundled model on the corpus's sentences: HNSW agrees with exact search (recall@10 >= 0.95)."""
    sentences = _sentences()
    assert len(sentences) >= 150
    matrix = bundled_embedder.encode(sentences)
    queries, corpus = matrix[:40], matrix[40:]
    ids = np.arange(1, len(corpus) + 1, dtype=np.int64)
    index = VectorIndex(matrix.shape[1], config=VectorConfig(flat_max=50, ef_search=16))  # ef scaled down with n
    index.add(ids, corpus)
    index.fit()
    assert index.kind == "hnsw"
    recalls = [_recall(index.search(q, 10)[1].tolist(), _exact(corpus, ids, q, 10)) for q in queries]
    assert np.mean(recalls) >= 0.95, np.mean(recalls)


def test_writer_switches_layout_and_deletes_keep_working(tmp_path: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    index_dir = tmp_path / "index"
    config = VectorConfig(flat_max=40, tombstone_fraction=0.5)

    def write(add: range, remove: range) -> None:
        writer = GenerationWriter(index_dir, tiny_embedder.info, config)
        for number in remove:
            writer.vectors.remove(np.asarray(writer.store.remove_document(f"doc-{number}")))
        for number in add:
            doc_id = f"doc-{number}"
            chunks = [Chunk(doc_id=doc_id, ordinal=i, text=f"cooperation passage {i} in {number}") for i in range(10)]
            ids = writer.store.add_document(Document(id=doc_id, source=doc_id, sha256="x", title=doc_id), chunks)
            writer.vectors.add(np.asarray(ids), tiny_embedder.encode([c.text for c in chunks]))
        writer.commit()

    write(range(3), range(0))
    assert IndexSnapshot.open(index_dir, tiny_embedder.info).manifest.vector_index == "flat"
    write(range(3, 8), range(0))
    write(range(0), range(1, 3))  # 20 of 80 slots removed: tombstones
    snapshot = IndexSnapshot.open(index_dir, tiny_embedder.info)
    assert snapshot.manifest.vector_index.startswith("hnsw") and snapshot.vectors.tombstones() == 20
    assert snapshot.manifest.chunks == snapshot.vectors.count() == 60
    allowed = np.asarray(sorted(snapshot.store.chunk_ids_for("doc-5", range(10)).values()), dtype=np.int64)
    _, found = snapshot.vectors.search(tiny_embedder.encode(["cooperation passage 3 in 5"])[0], 10, allowed)
    assert sorted(found.tolist()) == allowed.tolist()
