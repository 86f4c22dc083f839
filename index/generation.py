"""Writing a new generation of an index folder: bring forward, change, then commit by replacing the manifest.

A new generation does not copy the previous one whole (issue 15: at a million passages that was 3.4 GB
of writes per ingest): files that never change are hard-linked (the vector base, index.vector_layers;
the Tantivy segments, index.keyword_engine), the vectors added since the base go to a small delta, and
the SQLite store is the spare store of an older generation with the recorded changes replayed on it
(index.store_changes), or a copy when there is none.

Readers keep the generation they loaded until the manifest names a new, complete one; a crash at
any moment leaves the previous generation as the index. The steps of `commit`, in order:

1. close the store and write the vectors into `gen-N.tmp/`, fsync both files;
2. rename `gen-N.tmp/` to `gen-N/` and fsync the folder (an unpublished generation: no reader sees it);
3. write `manifest.json.tmp` naming `gen-N` with each file's size and CRC-32, fsync, rename it over
   `manifest.json`, fsync the folder: this rename is the commit point;
4. delete generations older than the previous one (readers may still hold the previous one).

The next writer deletes what a crash left behind: `gen-*.tmp/` folders, and finished but unpublished
`gen-N/` folders newer than the manifest's generation.

The engines are the backend's (index.backends): embedded, the vectors are a file of the generation
(step 1); on Milvus, step 1 writes and flushes the collection's new rows, and the removed rows are
deleted after step 3 (`published`); the next writer repairs what a crash left there.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from index.backends import BackendConfig, EngineWriter, make_backend
from index.backends.embedded import EmbeddedWriter
from index.embedder import ModelInfo
from index.errors import IndexLocked
from index.keyword_engine import KEYWORDS_DIR, link_files
from index.manifest import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    STORE_NAME,
    Manifest,
    check_model,
    file_record,
    fsync_dir,
    now_iso,
    read_manifest,
    write_manifest,
)
from index.store import Store
from index.store_changes import CHANGES_NAME, bring_forward, copy_store, keep_spare, write_changes
from index.vector_layers import LayeredVectors
from index.vectors import VectorConfig
from ingest.types import Chunk, Document

LOCK_NAME = ".lock"


def acquire_lock(index_dir: Path) -> FileLock:
    """Take the folder's write lock or raise IndexLocked; the OS drops it if the process dies."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IndexLocked(f"another ingest is writing to {index_dir} (lock {index_dir / LOCK_NAME}); "
                          "wait for it to finish") from exc
    return lock


def _step(name: str) -> None:
    """A named point of the commit. Does nothing; crash tests replace it to SIGKILL the writer there."""


class GenerationWriter:
    """Opens a writable copy of the current generation; `commit` publishes it, `abort` drops it."""

    def __init__(self, index_dir: Path, model: ModelInfo, vector_config: VectorConfig = VectorConfig(),
                 backend: BackendConfig = BackendConfig(), keyword_engine: str | None = None) -> None:
        """`keyword_engine`: a new index's keyword engine (None: the backend settings'); an index keeps its own."""
        self.index_dir = index_dir
        self.keyword_engine = keyword_engine or backend.keyword_engine
        self.model = model
        self.vector_config = vector_config
        self.backend = make_backend(backend)
        self.previous: Manifest | None = read_manifest(index_dir) if (index_dir / MANIFEST_NAME).exists() else None
        if self.previous is not None:
            check_model(self.previous, model, index_dir)
            self.backend.check(self.previous, index_dir)
        current = _number(self.previous.generation) if self.previous else 0
        _remove_unfinished(index_dir, current)
        self.generation = f"gen-{current + 1:06d}"
        self.work_dir = index_dir / (self.generation + ".tmp")
        self.work_dir.mkdir(parents=True)
        self.store = self._copy_store()
        try:
            self.engine: EngineWriter = self.backend.writer(index_dir, self.previous, self.store, model, vector_config)
        except BaseException:  # an engine that cannot be reached leaves no unfinished generation behind
            self.abort()
            raise
        _step("copied")

    @property
    def vectors(self) -> LayeredVectors:
        """The embedded backend's FAISS layers being written (tests and benchmarks fill it directly)."""
        if not isinstance(self.engine, EmbeddedWriter):
            raise TypeError(f"the {self.backend.kind} backend has no FAISS index in the generation")
        return self.engine.vectors

    def add_document(self, document: Document, chunks: Sequence[Chunk], vectors: np.ndarray,
                     sentences: Sequence[np.ndarray | None] | None = None) -> list[int]:
        """Store a document with its chunks (and their sentence vectors, index.sentences, kept in the store on
        every backend), and index them in the engines; returns the chunk ids."""
        ids = self.store.add_document(document, chunks, first_id=self.engine.next_id(), sentences=sentences)
        self.engine.add(document, chunks, ids, vectors)
        _step("document-added")
        return ids

    def remove_document(self, doc_id: str) -> list[int]:
        """Remove a document from the store and its chunks from the engines; returns the chunk ids."""
        ids = self.store.remove_document(doc_id)
        self.engine.remove(ids)
        return ids

    def _copy_store(self) -> Store:
        target = self.work_dir / STORE_NAME
        if self.previous is None:
            return Store(target, keyword_engine=self.keyword_engine)
        keywords = self.previous.generation_dir(self.index_dir) / KEYWORDS_DIR
        if keywords.is_dir():  # immutable segment files: linked, not copied
            link_files(keywords, self.work_dir / KEYWORDS_DIR)
        # the spare store brought forward by replaying the recorded changes, else a whole copy
        if not bring_forward(self.index_dir, self.previous.generation, target):
            copy_store(self.previous.generation_dir(self.index_dir) / STORE_NAME, target)
        store = Store(target)
        store.changes = []  # recorded for the writer after next (index.store_changes)
        return store

    def commit(self) -> Manifest:
        """Write files, fsync, rename the folder into place, then atomically switch the manifest."""
        self.store.commit()
        self.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.store.close()
        recorded = write_changes(self.store, self.work_dir, self.previous.generation if self.previous else None)
        _step("store-closed")
        engine = self.engine.save(self.work_dir)  # embedded: the FAISS file; milvus: flush the collection
        _step("vectors-saved")
        files = {}
        for name in (STORE_NAME, *engine.files, *([CHANGES_NAME] if recorded else [])):
            if name in engine.linked and self.previous is not None and name in self.previous.files:
                files[name] = self.previous.files[name]  # the same file (a hard link): durable and checked
                continue
            with open(self.work_dir / name, "rb+") as handle:
                os.fsync(handle.fileno())
            files[name] = file_record(self.work_dir / name)
        if (self.work_dir / KEYWORDS_DIR).is_dir():
            fsync_dir(self.work_dir / KEYWORDS_DIR)  # its hard links (Tantivy fsyncs the files it writes)
        fsync_dir(self.work_dir)
        final = self.index_dir / self.generation
        self.work_dir.rename(final)
        fsync_dir(self.index_dir)
        _step("renamed")
        reader = Store(final / STORE_NAME, read_only=True)
        manifest = Manifest(
            format_version=FORMAT_VERSION, model=self.model, generation=self.generation,
            documents=reader.count_documents(), chunks=reader.count_chunks(), vectors=engine.vectors,
            vector_index=engine.describe, updated_at=now_iso(), precision=self._precisions(), files=files,
            backend=self.backend.kind, engine=engine.record)
        reader.close()
        write_manifest(self.index_dir, manifest, before_switch=lambda: _step("manifest-written"))
        _step("switched")
        self.engine.published()
        _step("published")
        _remove_old_generations(self.index_dir, keep={self.generation} | (
            {self.previous.generation} if self.previous else set()))
        return manifest

    def _precisions(self) -> tuple[str, ...]:
        earlier = set(self.previous.precision) if self.previous is not None and self.previous.vectors else set()
        return tuple(sorted(earlier | {self.model.precision or "fp32"}))  # not known: the float default

    def abort(self) -> None:
        """Drop the unfinished generation; the current one is untouched."""
        with contextlib.suppress(Exception):  # a store broken mid-change still leaves its folder to delete
            self.store.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)


def _number(generation: str) -> int:
    digits = generation.split("-", 1)[-1].split(".")[0]
    return int(digits) if digits.isdigit() else -1


def _remove_unfinished(index_dir: Path, current: int) -> None:
    """Delete what a crashed writer left: temporary folders and complete but unpublished generations."""
    for path in index_dir.glob("gen-*"):
        if path.is_dir() and (path.name.endswith(".tmp") or _number(path.name) > current):
            shutil.rmtree(path, ignore_errors=True)


def _remove_old_generations(index_dir: Path, keep: set[str]) -> None:
    generations = sorted(p for p in index_dir.glob("gen-*") if p.is_dir() and not p.name.endswith(".tmp"))
    removed = [path for path in generations if path.name not in keep]
    keep_spare(index_dir, removed)  # the newest one's store: the next writer brings it forward
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
