"""The embedded backend: the store's keyword engine (Tantivy beside the generation's SQLite file, or
FTS5 inside it: index.keyword_engine) and FAISS layers beside it (index.vector_layers).

Behaviour is what it was before the seam: the store's keyword search, and the FAISS index restricted
to the filtered ids inside FAISS. The store writes its own keyword rows when a document is added, so
this writer's `add` handles the vectors only. The large FAISS base is hard-linked from generation to
generation; only the delta since it is written.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.backends import EngineCommit, Scored
from index.embedder import ModelInfo
from index.errors import BackendMismatch
from index.manifest import MANIFEST_NAME, Manifest
from index.query import QueryAnalysis
from index.store import Store
from index.types import Filters
from index.vector_layers import LayeredVectors
from index.vectors import VectorConfig
from ingest.types import Chunk, Document


class EmbeddedRetrieval:
    """The keyword engine and FAISS of one generation."""

    def __init__(self, store: Callable[[], Store], vectors: LayeredVectors) -> None:
        self._store = store
        self.vectors = vectors

    def keyword_search(self, analysis: QueryAnalysis, k: int, filters: Filters,
                       weights: tuple[float, float, float]) -> Scored:
        """bm25 over the stems, with the filters, from the store's keyword engine."""
        return self._store().keyword_search(analysis, k, filters, weights)

    def keyword_count(self, analysis: QueryAnalysis, filters: Filters) -> int:
        """The store's keyword engine's matches (FTS5: counted up to 10,000)."""
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

    def check(self) -> None:
        """Nothing to reach: the FAISS file is loaded in this process, the keyword engine is the store's."""


class EmbeddedWriter:
    """A generation's FAISS layers: the previous generation's base (linked) and a new delta."""

    def __init__(self, vectors: LayeredVectors) -> None:
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
        """Merge the layers when due (flat or HNSW for the new size), then write or link the FAISS files."""
        self.vectors.fit()
        written = self.vectors.save(directory)
        return EngineCommit(files=tuple(written), vectors=self.vectors.count(), describe=self.vectors.describe(),
                            record={}, linked=tuple(name for name, linked in written.items() if linked))

    def published(self) -> None:
        """Nothing waits for the switch: the files are the generation's own."""


class EmbeddedBackend:
    """The store's keyword engine + FAISS layers, per generation folder."""

    kind = "embedded"

    def reader(self, directory: Path, manifest: Manifest, store: Callable[[], Store], config: VectorConfig
               ) -> EmbeddedRetrieval:
        """Memory-map the generation's FAISS layers."""
        vectors = LayeredVectors.load(directory, manifest.model.dimension, config, mmap=True)
        return EmbeddedRetrieval(store, vectors)

    def writer(self, index_dir: Path, previous: Manifest | None, store: Store, model: ModelInfo,
               config: VectorConfig) -> EmbeddedWriter:
        """The previous generation's layers, writable (its base stays mapped and is linked, never written);
        empty ones for a new index."""
        if previous is None:
            return EmbeddedWriter(LayeredVectors.empty(model.dimension, config))
        return EmbeddedWriter(LayeredVectors.load(previous.generation_dir(index_dir), model.dimension, config,
                                                  read_only=False))

    def check(self, manifest: Manifest, index_dir: Path) -> None:
        """Refuse an index whose engine is Milvus."""
        if manifest.backend != self.kind:
            raise BackendMismatch(
                f"index at {index_dir} was built on the {manifest.backend} backend "
                f"({index_dir / MANIFEST_NAME}) but the configured backend is embedded; "
                f"set COOPSEARCH_BACKEND={manifest.backend} (and its COOPSEARCH_MILVUS_URI) "
                "or rebuild into a new folder")
