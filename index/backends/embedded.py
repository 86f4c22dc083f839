"""The embedded backend: FTS5 inside the generation's SQLite file, FAISS in a file beside it.

Behaviour is what it was before the seam: the store's keyword search, and the FAISS index restricted
to the filtered ids inside FAISS. The store writes its own keyword rows when a document is added, so
this writer's `add` handles the vectors only.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.backends import EngineCommit, Scored
from index.embedder import ModelInfo
from index.errors import BackendMismatch
from index.manifest import MANIFEST_NAME, VECTORS_NAME, Manifest
from index.query import QueryAnalysis
from index.store import Store
from index.types import Filters
from index.vectors import VectorConfig, VectorIndex
from ingest.types import Chunk, Document


class EmbeddedRetrieval:
    """FTS5 and FAISS of one generation."""

    def __init__(self, store: Callable[[], Store], vectors: VectorIndex) -> None:
        self._store = store
        self.vectors = vectors

    def keyword_search(self, analysis: QueryAnalysis, k: int, filters: Filters,
                       weights: tuple[float, float, float]) -> Scored:
        """FTS5 bm25 over the stems, filters joined in SQL."""
        return self._store().keyword_search(analysis, k, filters, weights)

    def keyword_count(self, analysis: QueryAnalysis, filters: Filters) -> int:
        """FTS5 matches, counted up to 10,000."""
        return self._store().keyword_count(analysis, filters)

    def vector_search(self, vector: np.ndarray, k: int, filters: Filters,
                      excluded_ids: Sequence[int] = ()) -> Scored:
        """FAISS, restricted inside FAISS to the ids passing the filters."""
        allowed = None if filters.is_empty() else self._store().filtered_chunk_ids(filters)
        excluded = np.asarray(excluded_ids, dtype=np.int64) if len(excluded_ids) else None
        scores, ids = self.vectors.search(vector, k, allowed, excluded_ids=excluded)
        return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]

    def get(self, chunk_id: int) -> np.ndarray:
        """The FAISS vector of a chunk."""
        return self.vectors.reconstruct(chunk_id)

    def count(self) -> int:
        """Live vectors in the FAISS file."""
        return self.vectors.count()


class EmbeddedWriter:
    """A generation's FAISS index, copied from the previous generation and saved beside the store."""

    def __init__(self, vectors: VectorIndex) -> None:
        self.vectors = vectors

    def next_id(self) -> int | None:
        """The store's own next row id: the vectors live and die with the generation's files."""
        return None

    def add(self, document: Document, chunks: Sequence[Chunk], ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add the vectors (the store has written the keyword rows)."""
        self.vectors.add(np.asarray(ids, dtype=np.int64), vectors)

    def remove(self, ids: Sequence[int]) -> None:
        """Remove the vectors (tombstones under HNSW)."""
        self.vectors.remove(np.asarray(ids, dtype=np.int64))

    def save(self, directory: Path) -> EngineCommit:
        """Choose the layout for the new size, then write the FAISS file."""
        self.vectors.fit()  # flat or HNSW for the new size; drops tombstones past their share
        self.vectors.save(directory / VECTORS_NAME)
        return EngineCommit(files=(VECTORS_NAME,), vectors=self.vectors.count(), describe=self.vectors.describe(),
                            record={})

    def published(self) -> None:
        """Nothing waits for the switch: the files are the generation's own."""


class EmbeddedBackend:
    """FTS5 + FAISS, per generation folder."""

    kind = "embedded"

    def reader(self, directory: Path, manifest: Manifest, store: Callable[[], Store], config: VectorConfig
               ) -> EmbeddedRetrieval:
        """Memory-map the generation's FAISS file."""
        vectors = VectorIndex.load(directory / VECTORS_NAME, manifest.model.dimension, config, mmap=True)
        return EmbeddedRetrieval(store, vectors)

    def writer(self, index_dir: Path, previous: Manifest | None, store: Store, model: ModelInfo,
               config: VectorConfig) -> EmbeddedWriter:
        """A writable copy of the previous generation's vectors (an empty flat index for a new one)."""
        if previous is None:
            return EmbeddedWriter(VectorIndex(model.dimension, config=config))
        path = previous.generation_dir(index_dir) / VECTORS_NAME
        return EmbeddedWriter(VectorIndex.load(path, model.dimension, config))

    def check(self, manifest: Manifest, index_dir: Path) -> None:
        """Refuse an index whose engine is Milvus."""
        if manifest.backend != self.kind:
            raise BackendMismatch(
                f"index at {index_dir} was built on the {manifest.backend} backend "
                f"({index_dir / MANIFEST_NAME}) but the configured backend is embedded; "
                f"set COOPSEARCH_BACKEND={manifest.backend} (and its COOPSEARCH_MILVUS_URI) "
                "or rebuild into a new folder")
