"""The vectors of a generation as layers: a large immutable base file, a small delta and removed base ids.

Rewriting a million-vector HNSW file for each ingest costs its whole size in disk writes (about 1.8 GB
at 1M vectors of 384 floats: 15 s at this machine's 124 MB/s of fsynced writes). Here a generation
hard-links the previous generation's base file, memory-maps it read-only, and writes only its delta
(an exact flat index of the vectors added since the base was written) and the ids removed from the base.
`fit` merges the layers into a new base when the delta or the removals (VectorConfig.tombstone_fraction)
grow past their share, when the settings ask for another layout, and always while the whole index is
small enough to be flat (one file, as before). A merge inserts the delta into a writable copy of the
HNSW graph (rebuilding it only when VectorIndex.fit would: tombstones, another layout).

Files of a generation: `vectors.faiss` (the base), `vectors-delta.faiss`, `vectors-removed.npy`
(the last two only while the layers are apart).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from index.errors import CorruptIndex
from index.vectors import VectorConfig, VectorIndex

BASE_NAME = "vectors.faiss"
DELTA_NAME = "vectors-delta.faiss"
REMOVED_NAME = "vectors-removed.npy"
DELTA_SHARE = 0.05  # merge when the delta holds more than this share of the base (flat search grows with it)
DELTA_MIN = 20_000  # ... and more than this many vectors: below it the flat delta costs under a millisecond


class LayeredVectors:
    """The VectorIndex verbs over a base index, a delta index and the base ids removed since."""

    def __init__(self, dimension: int, base: VectorIndex, delta: VectorIndex, removed: np.ndarray,
                 config: VectorConfig = VectorConfig(), *, base_file: Path | None = None,
                 read_only: bool = False) -> None:
        self.dimension = dimension
        self.config = config
        self.base = base
        self.delta = delta
        self.removed = np.unique(np.asarray(removed, dtype=np.int64))
        self.base_file = base_file  # the base's file while it is unchanged (hard-linked by `save`)
        self.read_only = read_only

    # -- loading --------------------------------------------------------------------------
    @classmethod
    def empty(cls, dimension: int, config: VectorConfig = VectorConfig()) -> LayeredVectors:
        """No vectors yet."""
        return cls(dimension, VectorIndex(dimension, config=config), VectorIndex(dimension, config=config),
                   np.zeros(0, dtype=np.int64), config)

    @classmethod
    def load(cls, directory: Path, dimension: int, config: VectorConfig = VectorConfig(), *, mmap: bool = True,
             read_only: bool = True) -> LayeredVectors:
        """A generation's layers; the base is memory-mapped (never written: a writer hard-links it)."""
        base = VectorIndex.load(directory / BASE_NAME, dimension, config, mmap=mmap)
        delta_path = directory / DELTA_NAME
        delta = VectorIndex.load(delta_path, dimension, config) if delta_path.exists() else \
            VectorIndex(dimension, config=config)
        removed_path = directory / REMOVED_NAME
        try:
            removed = np.load(removed_path) if removed_path.exists() else np.zeros(0, dtype=np.int64)
        except (OSError, ValueError) as exc:
            raise CorruptIndex(f"removed-vector file {removed_path} is unreadable: {exc}") from exc
        return cls(dimension, base, delta, removed, config, base_file=directory / BASE_NAME, read_only=read_only)

    # -- layout ---------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """The base's layout (flat or hnsw)."""
        return self.base.kind

    def describe(self) -> str:
        """The base's layout, and the delta's size while it holds vectors (removals are tombstones, unnamed)."""
        delta = self.delta.count()
        return self.base.describe() + (f"+delta{delta}" if delta else "")

    def fit(self) -> bool:
        """Merge the layers into one base when due (see the module doc), then fit it; True if merged."""
        self._writable()
        base_live = self.base.count() - len(self.removed)
        total = base_live + self.delta.count()
        due = (self.base_file is None  # a new base is written anyway (a new index, or one merged already)
               or total <= self.config.flat_max  # small: one exact file, as before layers
               or self.base.kind == "flat"  # grown past flat_max: the HNSW layout
               or self.base.describe().endswith("-sq8") != (self.config.compression == "sq8")
               or self.delta.count() > max(DELTA_MIN, DELTA_SHARE * base_live)
               or len(self.removed) > self.config.tombstone_fraction * max(1, self.base.count()))
        if not due:
            return False
        if self.base_file is not None and self.base.kind == "hnsw" and total > self.config.flat_max:
            # the graph stays: the delta is inserted into a writable copy of it, removals become its
            # tombstones, and VectorIndex.fit rebuilds only for its own reasons (tombstones, compression)
            merged = VectorIndex.load(self.base_file, self.dimension, self.config)
            merged.remove(self.removed)
            merged.add(*self.delta.live_vectors())
        else:
            merged = VectorIndex(self.dimension, config=self.config)
            merged.add(*self.live_vectors())
        merged.fit()
        self.base, self.delta = merged, VectorIndex(self.dimension, config=self.config)
        self.removed = np.zeros(0, dtype=np.int64)
        self.base_file = None
        return True

    def live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every live entry: the base's, then the delta's."""
        ids, vectors = self.base.live_vectors()
        keep = ~np.isin(ids, self.removed)
        delta_ids, delta_vectors = self.delta.live_vectors()
        return (np.concatenate([ids[keep], delta_ids]),
                np.ascontiguousarray(np.concatenate([vectors[keep], delta_vectors]), dtype=np.float32))

    # -- verbs ----------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows to the delta. Vectors must already be L2-normalised."""
        self._writable()
        self.delta.add(ids, vectors)

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids: from the delta, or recorded as removed from the base; returns how many."""
        self._writable()
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        if not len(ids):
            return 0
        removed = self.delta.remove(ids)
        in_base = ids[self._in_base(ids)]
        fresh = np.setdiff1d(in_base, self.removed)
        self.removed = np.union1d(self.removed, fresh)
        return removed + len(fresh)

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None,
               excluded_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) over both layers (see VectorIndex.search)."""
        excluded = None if excluded_ids is None else np.asarray(excluded_ids, dtype=np.int64)
        if allowed_ids is not None and (excluded is None or not len(excluded)):
            allowed = np.asarray(allowed_ids, dtype=np.int64)
            base = self.base.search(query, k, np.setdiff1d(allowed, self.removed) if len(self.removed) else allowed)
        else:
            skip = self.removed if excluded is None else np.union1d(self.removed, excluded)
            base = self.base.search(query, k, excluded_ids=skip if len(skip) else None)
        delta = self.delta.search(query, k, allowed_ids, excluded_ids) if self.delta.count() else None
        if delta is None or not len(delta[1]):
            return base
        scores = np.concatenate([base[0], delta[0]])
        ids = np.concatenate([base[1], delta[1]])
        top = np.argsort(-scores, kind="stable")[:k]
        return scores[top].astype(np.float32), ids[top]

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        """The stored vector of one id (KeyError when it is not live)."""
        try:
            return self.delta.reconstruct(chunk_id)
        except KeyError:
            if self._in_removed(chunk_id):
                raise
            return self.base.reconstruct(chunk_id)

    def count(self) -> int:
        """Number of live vectors."""
        return self.base.count() - len(self.removed) + self.delta.count()

    def tombstones(self) -> int:
        """Removed ids still held by a layer."""
        return self.base.tombstones() + len(self.removed) + self.delta.tombstones()

    # -- files ----------------------------------------------------------------------------
    def save(self, directory: Path) -> dict[str, bool]:
        """Write the generation's vector files into `directory`; name -> True when hard-linked (unchanged)."""
        written: dict[str, bool] = {}
        if self.base_file is not None:
            os.link(self.base_file, directory / BASE_NAME)
            written[BASE_NAME] = True
        else:
            self.base.save(directory / BASE_NAME)
            written[BASE_NAME] = False
        if self.delta.count() or self.delta.tombstones() or len(self.removed):
            self.delta.save(directory / DELTA_NAME)
            np.save(directory / REMOVED_NAME, self.removed)
            written[DELTA_NAME] = written[REMOVED_NAME] = False
        return written

    # -- internals ------------------------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError("these vectors are loaded for reading")

    def _in_base(self, ids: np.ndarray) -> np.ndarray:
        return self.base._contains(ids)

    def _in_removed(self, chunk_id: int) -> bool:
        position = int(np.searchsorted(self.removed, chunk_id))
        return position < len(self.removed) and int(self.removed[position]) == int(chunk_id)
