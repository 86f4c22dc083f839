"""Writes into Milvus that lose nothing: a writer killed (SIGKILL) at any moment leaves the committed
generation searchable as it was, and a re-run leaves every document in the engine exactly once.

The kill is real: a subprocess writes a generation (documents added, one changed, one removed, as
`index.build` does through GenerationWriter.add_document / remove_document) against the session's Milvus
Lite server and SIGKILLs itself at a named step (index.generation._step), as
tests/index/test_crash_safety.py does for the embedded backend. Its vectors are random unit vectors of
a made-up 8-dimensional model, so the subprocess starts in a second (no torch).
"""
from __future__ import annotations

import runpy
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import REPO

from index.backends import BackendConfig, make_backend
from index.backends.milvus import MilvusBackend
from index.build import IngestOptions, ingest_paths
from index.manifest import read_manifest
from index.search import SearchConfig, SearchEngine, SearchRequest
from index.snapshot import IndexHolder, IndexSnapshot
from index.types import Filters

WRITER = '''
import os, signal, sys
from pathlib import Path

import numpy as np

import index.backends.milvus as milvus
import index.generation as generation
from index.backends import BackendConfig
from index.embedder import ModelInfo
from ingest.types import Chunk, Document

MODEL = ModelInfo("crash-test", "0123456789abcdef", 8)
seen = []


def die_at(name, step, nth):
    if name == step:
        seen.append(name)
        if len(seen) == nth:
            os.kill(os.getpid(), signal.SIGKILL)


def write(index_dir, uri, add, remove=(), step=None, nth=1):
    """One locked writer: remove documents, add (or replace) documents {number: word}, commit; die at `step`."""
    if step:
        generation._step = lambda name: die_at(name, step, nth)
        milvus.UPSERT_ROWS = 1  # each document reaches the engine at once: a kill mid-way leaves rows there
    lock = generation.acquire_lock(index_dir)
    writer = generation.GenerationWriter(index_dir, MODEL, backend=BackendConfig(kind="milvus", uri=uri))
    known = writer.store.document_hashes()
    for number in remove:
        writer.remove_document(f"doc-{number}")
    for number, word in add.items():
        doc_id = f"doc-{number}"
        if doc_id in known:
            writer.remove_document(doc_id)
        document = Document(id=doc_id, source=f"/nowhere/{doc_id}.txt", sha256=word, title=f"Document {number}")
        chunks = [Chunk(doc_id=doc_id, ordinal=i, text=f"The {word} programme, part {i}, on cooperation.")
                  for i in range(3)]
        vectors = np.random.default_rng(number).standard_normal((3, 8)).astype("float32")
        writer.add_document(document, chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    manifest = writer.commit()
    lock.release()
    return manifest


if __name__ == "__main__":
    index_dir, uri, step, nth = sys.argv[1:5]
    write(Path(index_dir), uri, {0: "okapi", 3: "gamma", 4: "delta", 5: "epsilon"}, remove=[1], step=step,
          nth=int(nth))
'''
FIRST = {0: "zebra", 1: "unicorn", 2: "alpha"}
SECOND = {0: "okapi", 2: "alpha", 3: "gamma", 4: "delta", 5: "epsilon"}  # 0 changed, 1 removed, 3-5 added


def _collection_rows(index_dir: Path, backend: BackendConfig) -> int:
    """Every row of the index's collection, whichever generation knows it."""
    return MilvusBackend(backend).collection_for(index_dir, read_manifest(index_dir)).count("id >= 0")


def _found_once(index_dir: Path, backend: BackendConfig, expected: dict[int, str]) -> IndexSnapshot:
    """Each document is found by its own word (all its passages, nothing else), gone words find nothing, and
    a vector search over everything returns each stored passage once."""
    model = read_manifest(index_dir).model
    holder = IndexHolder(index_dir, model, backend=make_backend(backend))
    engine = SearchEngine(holder, None, config=SearchConfig(collapse_duplicates=False))  # keyword only: no model
    for word in {*FIRST.values(), *SECOND.values()}:
        hits = engine.search(SearchRequest(word, k=20, mode="keyword")).hits
        owners = [number for number, w in expected.items() if w == word]
        assert sorted(h.document.id for h in hits) == sorted(f"doc-{n}" for n in owners for _ in range(3)), word
    snapshot = holder.current()
    found = snapshot.engine.vector_search(np.ones(8, dtype=np.float32) / np.sqrt(8), 100, Filters())
    ids = [i for i, _ in found]
    assert len(ids) == len(set(ids)) == snapshot.store.count_chunks() == 3 * len(expected)
    return snapshot


@pytest.fixture(scope="module")
def writer_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scripts") / "milvus_writer.py"
    path.write_text(WRITER)
    return path


@pytest.mark.parametrize("step, nth", [("document-added", 2), ("vectors-saved", 1), ("switched", 1)])
def test_a_killed_milvus_writer_is_repaired_by_the_next_run(tmp_path: Path, milvus_uri: str, writer_script: Path,
                                                            step: str, nth: int) -> None:
    backend = BackendConfig(kind="milvus", uri=milvus_uri)
    write = runpy.run_path(str(writer_script))["write"]
    index_dir = tmp_path / "index"
    before = write(index_dir, milvus_uri, FIRST)
    done = subprocess.run([sys.executable, str(writer_script), str(index_dir), milvus_uri, step, str(nth)],
                          cwd=REPO, capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-3000:]

    if step == "switched":  # the new generation is published; its removals were not yet applied to the engine
        assert read_manifest(index_dir).generation != before.generation
        assert _collection_rows(index_dir, backend) > _found_once(index_dir, backend, SECOND).store.count_chunks()
    else:  # the killed writer's rows sit in the collection, above the committed high-water mark
        assert read_manifest(index_dir).generation == before.generation
        assert _collection_rows(index_dir, backend) > _found_once(index_dir, backend, FIRST).store.count_chunks()

    write(index_dir, milvus_uri, {0: "okapi", 3: "gamma", 4: "delta", 5: "epsilon"}, remove=[1])  # the re-run
    snapshot = _found_once(index_dir, backend, SECOND)
    assert _collection_rows(index_dir, backend) == snapshot.store.count_chunks() == snapshot.manifest.chunks == 15


def _write(docs: Path, number: int, word: str) -> None:
    (docs / f"note-{number}.txt").write_text(f"Note {number}: the {word} programme of technical cooperation.\n")


def test_the_manifest_refuses_another_backend_or_collection(tmp_path: Path, milvus_uri: str, tiny_embedder,
                                                            tiny_corpus_index: Path) -> None:
    from index.errors import BackendMismatch

    milvus = BackendConfig(kind="milvus", uri=milvus_uri)
    index_dir = tmp_path / "index"
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, 0, "zebra")
    ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1, backend=milvus))
    with pytest.raises(BackendMismatch, match=r"milvus backend.*COOPSEARCH_BACKEND"):
        IndexSnapshot.open(index_dir, tiny_embedder.info)
    with pytest.raises(BackendMismatch, match="embedded backend"):
        IndexSnapshot.open(tiny_corpus_index, tiny_embedder.info, backend=make_backend(milvus))
    with pytest.raises(BackendMismatch, match="collection"):
        IndexSnapshot.open(index_dir, tiny_embedder.info,
                           backend=make_backend(BackendConfig(kind="milvus", uri=milvus_uri, collection="another")))
    with pytest.raises(BackendMismatch, match="embedded backend"):
        ingest_paths(tiny_corpus_index, [docs], tiny_embedder, IngestOptions(workers=1, backend=milvus))


def test_milvus_lite_inside_the_process_from_a_local_file(tmp_path: Path, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """COOPSEARCH_MILVUS_URI naming a .db file: pymilvus starts Milvus Lite for this process (one process only)."""
    from search_api.settings import Settings

    settings = Settings(index=tmp_path / "index", model=tiny_model_dir, backend="milvus")
    assert settings.backend_config().uri == str(tmp_path / "milvus.db")  # the default: beside the index
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, 0, "zebra")
    _write(docs, 1, "unicorn")
    ingest_paths(settings.index, [docs], tiny_embedder, settings.ingest_options(workers=1))
    engine = settings.make_engine(tiny_embedder)
    hits = engine.search(SearchRequest("zebra programme", k=5)).hits
    assert hits[0].chunk.text.startswith("Note 0") and engine.holder.current().manifest.backend == "milvus"
    assert (tmp_path / "milvus.db").exists()


def test_a_bad_milvus_address_is_a_clear_error(tmp_path: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    from index.errors import EngineUnavailable

    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, 0, "zebra")
    for uri, message in ((str(tmp_path / "milvus.sqlite"), "must end in .db"), (None, "needs COOPSEARCH_MILVUS_URI")):
        with pytest.raises(EngineUnavailable, match=message):
            ingest_paths(tmp_path / "index", [docs], tiny_embedder,
                         IngestOptions(workers=1, backend=BackendConfig(kind="milvus", uri=uri)))
        assert [p.name for p in (tmp_path / "index").iterdir()] == [".lock"]  # nothing half-written


def test_every_filter_reaches_the_milvus_expression() -> None:
    """A filter added to index.types.Filters must be translated for Milvus too, or Milvus would ignore it."""
    from dataclasses import fields

    from index.backends.milvus import filter_expression

    base = filter_expression(Filters(), 10)
    for item in fields(Filters):
        value = 2000 if item.name.startswith("year") else 'A/RES/1 "x"'
        expression = filter_expression(Filters(**{item.name: value}), 10)
        assert expression != base and expression.startswith("id <= 10 and "), item.name
    assert 'doc_type == "a/res/1 \\"x\\""' in filter_expression(Filters(doc_type='A/RES/1 "x"'), 10)
