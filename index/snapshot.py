"""A loaded generation of an index folder, and a holder that switches to newer generations atomically."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from index.backends import Backend, Retrieval
from index.backends.embedded import EmbeddedBackend, EmbeddedRetrieval
from index.embedder import ModelInfo
from index.errors import CorruptIndex, IndexNotFound, IndexUnavailable
from index.manifest import MANIFEST_NAME, STORE_NAME, VECTORS_NAME, Manifest, check_model, read_manifest, verify_files
from index.store import Store
from index.vector_layers import LayeredVectors
from index.vectors import VectorConfig


class IndexSnapshot:
    """One complete generation: manifest, its engines' retrieval, and a read-only store per thread.

    Loading checks every file against the manifest (size and CRC-32) and the counts against each
    other, so a truncated or corrupt file is a CorruptIndex naming it, never wrong results.
    """

    def __init__(self, index_dir: Path, manifest: Manifest, config: VectorConfig = VectorConfig(),
                 backend: Backend | None = None) -> None:
        self.index_dir = index_dir
        self.manifest = manifest
        directory = manifest.generation_dir(index_dir)
        store_path = directory / STORE_NAME
        if not directory.is_dir():
            raise CorruptIndex(f"generation folder missing: {directory} (named by {index_dir / MANIFEST_NAME})")
        if not store_path.exists():
            raise CorruptIndex(f"database file missing: {store_path}")
        verify_files(manifest, directory)
        self.store_path = store_path
        self._local = threading.local()
        backend = backend or EmbeddedBackend()
        backend.check(manifest, index_dir)
        self.engine: Retrieval = backend.reader(directory, manifest, lambda: self.store, config)
        self._check_counts(directory)

    @property
    def vectors(self) -> LayeredVectors:
        """The embedded backend's FAISS index (tests and benchmarks read it directly)."""
        if not isinstance(self.engine, EmbeddedRetrieval):
            raise TypeError(f"the {self.manifest.backend} backend keeps no FAISS index in the generation")
        return self.engine.vectors

    def _check_counts(self, directory: Path) -> None:
        store = self.store  # open once now so a corrupt file fails at load, not at the first query
        try:
            chunks = store.count_chunks()
        except Exception as exc:  # sqlite3.DatabaseError: a damaged page
            raise CorruptIndex(f"database file {self.store_path} is unreadable: {exc}") from exc
        if chunks != self.engine.count():
            raise CorruptIndex(f"{self.store_path} holds {chunks} chunks but "
                               f"{directory / VECTORS_NAME} holds {self.engine.count()} vectors")
        if chunks != self.manifest.chunks:
            raise CorruptIndex(f"{self.store_path} holds {chunks} chunks but "
                               f"{self.index_dir / MANIFEST_NAME} says {self.manifest.chunks}")

    @property
    def store(self) -> Store:
        """This thread's read-only connection to the generation's SQLite file."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.store_path, read_only=True)
            self._local.store = store
        return store

    @classmethod
    def open(cls, index_dir: Path, model: ModelInfo, config: VectorConfig = VectorConfig(),
             backend: Backend | None = None) -> IndexSnapshot:
        """Load the current generation, refusing one built with another model or on another backend."""
        manifest = read_manifest(index_dir)
        check_model(manifest, model, index_dir)
        return cls(index_dir, manifest, config, backend)


@dataclass
class _Seen:
    key: tuple[int, ...]
    snapshot: IndexSnapshot


class IndexHolder:
    """Hands out the newest complete snapshot; reloads when the manifest file is replaced.

    Each request costs one stat of `manifest.json`. When it was replaced, one request loads the new
    generation while the others keep answering from the old snapshot; requests that already hold a
    snapshot finish on it, whatever happens to the folder meanwhile.
    """

    RETRIES = 5  # a generation may be deleted between reading the manifest and opening its files

    def __init__(self, index_dir: Path, model: ModelInfo, config: VectorConfig = VectorConfig(),
                 backend: Backend | None = None) -> None:
        self.index_dir = index_dir
        self.model = model
        self.config = config
        self.backend: Backend = backend or EmbeddedBackend()  # one engine client per holder (per process)
        self._lock = threading.Lock()
        self._seen: _Seen | None = None
        # the error of the last failed load, by manifest version: not paid again until the manifest changes
        self._failed: tuple[tuple[int, ...], IndexUnavailable] | None = None

    def current(self) -> IndexSnapshot:
        """The latest generation; the old snapshot keeps serving requests that already hold it."""
        key = _manifest_key(self.index_dir)
        seen = self._seen
        if seen is not None and seen.key == key:
            return seen.snapshot
        failed = self._failed
        if failed is not None and failed[0] == key:
            raise type(failed[1])(str(failed[1]))
        if seen is not None and not self._lock.acquire(blocking=False):
            return seen.snapshot  # another request is loading the new generation
        if seen is None:
            self._lock.acquire()
        try:
            if self._seen is None or self._seen.key != _manifest_key(self.index_dir):
                try:
                    self._seen = self._load()
                except IndexUnavailable as exc:
                    self._failed = (_manifest_key(self.index_dir), exc)
                    raise
            return self._seen.snapshot
        finally:
            self._lock.release()

    def refresh(self) -> IndexSnapshot:
        """The latest generation, waiting for a load under way instead of answering with the previous one.

        A writer in this process calls it after its commit, so the request that wrote (a delete, an upload
        job reported done) and every request after it see the change: `current` alone may hand out the old
        generation while another request is still loading the new one."""
        with self._lock:
            key = _manifest_key(self.index_dir)
            if self._seen is None or self._seen.key != key:
                self._seen = self._load()
            return self._seen.snapshot

    def _load(self) -> _Seen:
        for attempt in range(self.RETRIES):
            key = _manifest_key(self.index_dir)
            try:
                return _Seen(key, IndexSnapshot.open(self.index_dir, self.model, self.config, self.backend))
            except (CorruptIndex, IndexNotFound):
                if attempt == self.RETRIES - 1 or _manifest_key(self.index_dir) == key:
                    raise  # the manifest did not move: the damage is real
        raise AssertionError("unreachable")


def _manifest_key(index_dir: Path) -> tuple[int, ...]:
    """Identifies one version of manifest.json: each commit renames a new file (a new inode) over it."""
    try:
        stat = os.stat(index_dir / MANIFEST_NAME)
    except FileNotFoundError:
        return (-1,)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size, stat.st_ctime_ns)
