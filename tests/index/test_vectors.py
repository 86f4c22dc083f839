"""The real FAISS index against a numpy brute-force search."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.errors import CorruptIndex
from index.vectors import VectorIndex


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _brute(matrix: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    scores = matrix @ query
    return [int(ids[i]) for i in np.argsort(-scores, kind="stable")[:k]]


def test_search_equals_brute_force_after_adds_and_removes(tmp_path: Path) -> None:
    matrix = _unit(500, 24, seed=1)
    ids = np.arange(1000, 1500, dtype=np.int64)
    index = VectorIndex(24)
    index.add(ids, matrix)
    assert index.remove(ids[:100]) == 100
    kept_matrix, kept_ids = matrix[100:], ids[100:]
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", 24)
    for query in _unit(20, 24, seed=2):
        scores, found = loaded.search(query, 10)
        assert list(found) == _brute(kept_matrix, kept_ids, query, 10)
        assert np.allclose(scores, np.sort(kept_matrix @ query)[::-1][:10], atol=1e-5)


def test_allowed_ids_restrict_inside_faiss_and_still_fill_k() -> None:
    matrix = _unit(300, 16, seed=3)
    ids = np.arange(300, dtype=np.int64)
    index = VectorIndex(16)
    index.add(ids, matrix)
    allowed = ids[ids % 7 == 0]
    query = _unit(1, 16, seed=4)[0]
    _, found = index.search(query, 10, allowed)
    assert len(found) == 10
    assert list(found) == _brute(matrix[allowed], allowed, query, 10)


def test_truncated_file_is_a_clear_error(tmp_path: Path) -> None:
    index = VectorIndex(8)
    index.add(np.arange(5, dtype=np.int64), _unit(5, 8, seed=5))
    path = tmp_path / "v.faiss"
    index.save(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(CorruptIndex, match="v.faiss"):
        VectorIndex.load(path, 8)
