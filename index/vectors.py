"""FAISS vector index whose ids are the chunks' SQLite row ids; inner product on unit vectors = cosine.

Small indexes are exact (a flat scan). Above `VectorConfig.flat_max` vectors the index becomes an HNSW
graph (optionally with 8-bit scalar-quantised storage). HNSW cannot remove vectors, so a removal turns
the id into a tombstone: its slot in the id map is set to -1 and every search filters -1 out; when
tombstones pass `tombstone_fraction` of the slots, `fit` rebuilds the graph from the live vectors.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.embedder import usable_cores
from index.errors import CorruptIndex

_EMPTY = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64))
_TOMBSTONE = -1
_LIVE = faiss.IDSelectorRange(0, 2**62)  # every real id (SQLite row ids are >= 1); excludes tombstones


@dataclass(frozen=True)
class VectorConfig:
    """How an index is laid out at each size (chosen by measurement, see bench/speed.py)."""

    flat_max: int = 50_000  # exact search up to this many vectors; HNSW above (see bench/speed.py)
    hnsw_m: int = 32  # graph neighbours per node
    ef_construction: int = 80
    ef_search: int = 96  # candidates examined per query; recall@10 >= 0.95 on real embeddings
    compression: str = "none"  # "sq8": 8-bit scalar quantised HNSW storage (4x smaller vectors)
    tombstone_fraction: float = 0.1  # rebuild HNSW when this share of its slots are removed ids
    exact_filter_max: int = 20_000  # filtered HNSW searches over at most this many ids are exact
    search_threads: int = 1  # OpenMP threads per single-query search (1 avoids thread wake-ups)

    def __post_init__(self) -> None:
        if self.compression not in ("none", "sq8"):
            raise ValueError(f"unknown vector compression {self.compression!r}; use 'none' or 'sq8'")


class VectorIndex:
    """A backend with small verbs: add, remove, search, reconstruct, count, save, load; `fit` picks the layout."""

    def __init__(self, dimension: int, index: faiss.Index | None = None, config: VectorConfig = VectorConfig(),
                 *, read_only: bool = False) -> None:
        self.dimension = dimension
        self.config = config
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.read_only = read_only  # memory-mapped: FAISS aborts the process on a write, so refuse here
        self._pending: set[int] = set()  # HNSW removals not yet written into the id map
        self._tombstones = self._count_tombstones()
        self._live_sorted: np.ndarray | None = None

    # -- layout ---------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """`flat` (exact) or `hnsw`."""
        return "hnsw" if _is_hnsw(self.index) else "flat"

    def describe(self) -> str:
        """The layout in words, for the manifest: flat, or hnsw32-ef96 (with -sq8 when compressed)."""
        if self.kind == "flat":
            return "flat"
        inner = faiss.downcast_index(self.index.index)
        sq8 = "-sq8" if isinstance(inner, faiss.IndexHNSWSQ) else ""
        return f"hnsw{inner.hnsw.nb_neighbors(1)}-ef{inner.hnsw.efSearch}{sq8}"

    def fit(self) -> bool:
        """Choose the layout for the current size (flat or HNSW) and drop tombstones; True if rebuilt."""
        self._writable()
        self._flush()
        live = self.count()
        if self.kind == "flat":
            if live > self.config.flat_max:
                self._rebuild(hnsw=True)
                return True
            return False
        too_small = live <= self.config.flat_max // 2  # hysteresis: no flip-flop around the threshold
        dead = self._tombstones > self.config.tombstone_fraction * max(1, self.index.ntotal)
        if too_small or dead or self.describe().endswith("-sq8") != (self.config.compression == "sq8"):
            self._rebuild(hnsw=not too_small)
            return True
        return False

    def _rebuild(self, hnsw: bool) -> None:
        faiss.omp_set_num_threads(usable_cores())  # a build uses every core (searches set 1 per thread)
        ids, vectors = self.live_vectors()
        if hnsw:
            inner = self._new_hnsw()
            if not inner.is_trained:
                inner.train(vectors)
        else:
            inner = faiss.IndexFlatIP(self.dimension)
        index = faiss.IndexIDMap2(inner)
        for start in range(0, len(ids), 65_536):
            index.add_with_ids(vectors[start:start + 65_536], ids[start:start + 65_536])
        self.index = index
        self._tombstones = 0
        self._live_sorted = None

    def _new_hnsw(self) -> faiss.Index:
        cfg = self.config
        if cfg.compression == "sq8":
            inner = faiss.IndexHNSWSQ(self.dimension, faiss.ScalarQuantizer.QT_8bit, cfg.hnsw_m,
                                      faiss.METRIC_INNER_PRODUCT)
        else:
            inner = faiss.IndexHNSWFlat(self.dimension, cfg.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = cfg.ef_construction
        inner.hnsw.efSearch = cfg.ef_search
        return inner

    def live_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every live entry, in insertion order."""
        self._flush()
        labels = faiss.vector_to_array(self.index.id_map)
        keep = labels != _TOMBSTONE
        vectors = self.index.index.reconstruct_n(0, self.index.ntotal) if self.index.ntotal else \
            np.zeros((0, self.dimension), dtype=np.float32)
        return labels[keep].astype(np.int64), np.ascontiguousarray(vectors[keep], dtype=np.float32)

    # -- verbs ----------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows with their ids. Vectors must already be L2-normalised."""
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        if not len(ids):
            return
        self._writable()
        ids = np.asarray(ids, dtype=np.int64)
        if self._pending and not self._pending.isdisjoint(ids.tolist()):
            self._flush()  # an id removed and added again (SQLite reuses the highest row ids)
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self._live_sorted = None

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids; returns how many were removed. Under HNSW the ids become tombstones."""
        if not len(ids):
            return 0
        self._writable()
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        if self.kind == "flat":
            return int(self.index.remove_ids(ids))
        found = [int(i) for i in ids[self._contains(ids)] if int(i) not in self._pending]
        self._pending.update(found)
        return len(found)

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None,
               excluded_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector; `allowed_ids` restricts the search inside FAISS.

        With `allowed_ids`, k results come back whenever k allowed ids are in the index: under HNSW a
        small allowed set is searched exactly, and a graph search that finds too few falls back to exact.
        `excluded_ids` (a few ids, e.g. a document's own chunks) are left out without listing all the others.
        """
        self._flush()
        if self.count() == 0 or k <= 0:
            return _EMPTY
        faiss.omp_set_num_threads(self.config.search_threads)  # per calling thread in OpenMP
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        if excluded_ids is not None and len(excluded_ids):
            return self._search_excluding(query, k, np.unique(np.asarray(excluded_ids, dtype=np.int64)))
        if allowed_ids is not None and len(allowed_ids) == 0:
            return _EMPTY
        if self.kind == "flat":
            selector = None if allowed_ids is None else faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
            return self._faiss_search(query, min(k, self.count()), selector)
        if allowed_ids is None:
            return self._faiss_search(query, min(k, self.count()), _LIVE if self._tombstones else None)
        allowed = np.unique(np.asarray(allowed_ids, dtype=np.int64))
        allowed = allowed[self._contains(allowed)]
        want = min(k, len(allowed))
        if want == 0:
            return _EMPTY
        if len(allowed) <= self.config.exact_filter_max:
            return self._exact(query[0], allowed, want)
        scores, found = self._faiss_search(query, want, faiss.IDSelectorBatch(allowed),
                                           ef=max(self.config.ef_search, want) * 4)
        if len(found) < want:
            return self._exact(query[0], allowed, want)
        return scores, found

    def _search_excluding(self, query: np.ndarray, k: int, excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        want = min(k, self.count())  # ids FAISS cannot fill come back as -1 and are dropped
        selector = faiss.IDSelectorNot(faiss.IDSelectorBatch(excluded))
        if self.kind == "hnsw" and self._tombstones:
            selector = faiss.IDSelectorAnd(_LIVE, selector)
        return self._faiss_search(query, want, selector, ef=max(self.config.ef_search, want) * 2)

    def _faiss_search(self, query: np.ndarray, k: int, selector: faiss.IDSelector | None, ef: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
        if self.kind == "hnsw":
            # the reader's setting, not the one the file was written with: COOPSEARCH_HNSW_EF_SEARCH applies at once
            params = faiss.SearchParametersHNSW(efSearch=max(ef or self.config.ef_search, k))
            if selector is not None:
                params.sel = selector
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, ids = self.index.search(query, k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def _exact(self, query: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        vectors = self.index.reconstruct_batch(ids)
        scores = vectors @ query
        top = np.argsort(-scores, kind="stable")[:k]
        return scores[top].astype(np.float32), ids[top]

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        """The stored vector of one id (KeyError when it is not in the index)."""
        if int(chunk_id) in self._pending:
            raise KeyError(chunk_id)
        try:
            return np.asarray(self.index.reconstruct(int(chunk_id)))
        except RuntimeError as exc:  # FAISS: "key not found"
            raise KeyError(chunk_id) from exc

    def count(self) -> int:
        """Number of live vectors held."""
        return int(self.index.ntotal) - self._tombstones - len(self._pending)

    def tombstones(self) -> int:
        """Removed ids still occupying HNSW slots (0 for a flat index)."""
        return self._tombstones + len(self._pending)

    def save(self, path: Path) -> None:
        """Write the index to `path`."""
        self._flush()
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, dimension: int, config: VectorConfig = VectorConfig(), *, mmap: bool = False
             ) -> VectorIndex:
        """Read an index written by `save`; a damaged file raises CorruptIndex naming it.

        `mmap=True` maps the vectors from the file instead of copying them (read-only: for serving).
        """
        if not path.exists():
            raise CorruptIndex(f"vector file missing: {path}")
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except Exception as exc:  # FAISS raises RuntimeError with a C++ message
            raise CorruptIndex(f"vector file {path} is unreadable (truncated or corrupt): "
                               f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
        if index.d != dimension:
            raise CorruptIndex(f"vector file {path} has dimension {index.d}, manifest says {dimension}")
        if not isinstance(index, faiss.IndexIDMap2):
            raise CorruptIndex(f"vector file {path} holds a {type(index).__name__}, not an id-mapped index")
        return cls(dimension, index, config, read_only=mmap)

    # -- internals ------------------------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError("this vector index is memory-mapped for reading; load it with mmap=False")

    def _count_tombstones(self) -> int:
        if not _is_hnsw(self.index) or self.index.ntotal == 0:
            return 0
        return int(np.count_nonzero(faiss.vector_to_array(self.index.id_map) == _TOMBSTONE))

    def _contains(self, ids: np.ndarray) -> np.ndarray:
        """Mask of `ids` present and live (ignores pending removals)."""
        if self._live_sorted is None:
            labels = faiss.vector_to_array(self.index.id_map)
            self._live_sorted = np.sort(labels[labels != _TOMBSTONE])
        live = self._live_sorted
        if not len(live):
            return np.zeros(len(ids), dtype=bool)
        positions = np.minimum(np.searchsorted(live, ids), len(live) - 1)
        return live[positions] == ids

    def _flush(self) -> None:
        """Write pending HNSW removals into the id map as tombstones."""
        if not self._pending:
            return
        labels = faiss.vector_to_array(self.index.id_map)
        hit = np.isin(labels, np.fromiter(self._pending, dtype=np.int64, count=len(self._pending)))
        labels[hit] = _TOMBSTONE
        faiss.copy_array_to_vector(labels, self.index.id_map)
        self.index.construct_rev_map()
        self._tombstones += int(hit.sum())
        self._pending.clear()
        self._live_sorted = None


def _is_hnsw(index: faiss.Index) -> bool:
    inner = getattr(index, "index", None)
    return inner is not None and isinstance(faiss.downcast_index(inner), faiss.IndexHNSW)
