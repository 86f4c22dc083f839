"""A loaded generation of an index folder, and a holder that switches to newer generations atomically."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from index.embedder import ModelInfo
from index.errors import CorruptIndex
from index.manifest import MANIFEST_NAME, STORE_NAME, VECTORS_NAME, Manifest, check_model, read_manifest
from index.store import Store
from index.vectors import VectorIndex


class IndexSnapshot:
    """One complete generation: manifest, vectors in memory, and a read-only store per thread."""

    def __init__(self, index_dir: Path, manifest: Manifest) -> None:
        self.index_dir = index_dir
        self.manifest = manifest
        directory = manifest.generation_dir(index_dir)
        store_path = directory / STORE_NAME
        if not store_path.exists():
            raise CorruptIndex(f"database file missing: {store_path}")
        self.store_path = store_path
        self.vectors = VectorIndex.load(directory / VECTORS_NAME, manifest.model.dimension)
        self._local = threading.local()
        store = self.store  # open once now so a corrupt file fails at load, not at the first query
        if store.count_chunks() != self.vectors.count():
            raise CorruptIndex(f"{store_path} holds {store.count_chunks()} chunks but "
                               f"{directory / VECTORS_NAME} holds {self.vectors.count()} vectors")

    @property
    def store(self) -> Store:
        """This thread's read-only connection to the generation's SQLite file."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.store_path, read_only=True)
            self._local.store = store
        return store

    @classmethod
    def open(cls, index_dir: Path, model: ModelInfo) -> "IndexSnapshot":
        """Load the current generation, refusing one built with another model."""
        manifest = read_manifest(index_dir)
        check_model(manifest, model, index_dir)
        return cls(index_dir, manifest)


@dataclass
class _Seen:
    mtime_ns: int
    snapshot: IndexSnapshot


class IndexHolder:
    """Hands out the newest complete snapshot; reloads when the manifest file changes."""

    def __init__(self, index_dir: Path, model: ModelInfo) -> None:
        self.index_dir = index_dir
        self.model = model
        self._lock = threading.Lock()
        self._seen: _Seen | None = None

    def current(self) -> IndexSnapshot:
        """The latest generation; the old snapshot keeps serving requests that already hold it."""
        path = self.index_dir / MANIFEST_NAME
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = -1
        seen = self._seen
        if seen is not None and seen.mtime_ns == mtime:
            return seen.snapshot
        with self._lock:
            if self._seen is None or self._seen.mtime_ns != mtime:
                self._seen = _Seen(mtime, IndexSnapshot.open(self.index_dir, self.model))
            return self._seen.snapshot
