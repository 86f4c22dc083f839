"""FAISS vector index whose ids are the chunks' SQLite row ids; inner product on unit vectors = cosine."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.errors import CorruptIndex


class VectorIndex:
    """A backend with small verbs: add, remove, search, save, load, count."""

    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        self.dimension = dimension
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows with their ids. Vectors must already be L2-normalised."""
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                    np.asarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids; returns how many were removed."""
        if not len(ids):
            return 0
        return int(self.index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector; `allowed_ids` restricts the search inside FAISS."""
        if self.count() == 0 or k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        params = None
        if allowed_ids is not None:
            if len(allowed_ids) == 0:
                return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
            selector = faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1),
                                        min(k, self.count()), params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        """The stored vector of one id."""
        return self.index.reconstruct(int(chunk_id))

    def count(self) -> int:
        """Number of vectors held."""
        return int(self.index.ntotal)

    def save(self, path: Path) -> None:
        """Write the index to `path`."""
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, dimension: int) -> "VectorIndex":
        """Read an index written by `save`; a damaged file raises CorruptIndex naming it."""
        if not path.exists():
            raise CorruptIndex(f"vector file missing: {path}")
        try:
            index = faiss.read_index(str(path))
        except Exception as exc:  # FAISS raises RuntimeError with a C++ message
            raise CorruptIndex(f"vector file {path} is unreadable (truncated or corrupt): "
                               f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
        if index.d != dimension:
            raise CorruptIndex(f"vector file {path} has dimension {index.d}, manifest says {dimension}")
        return cls(dimension, index)
