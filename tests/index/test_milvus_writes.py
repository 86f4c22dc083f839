"""Writes into Milvus that lose nothing: an ingest killed (SIGKILL) at any moment leaves the committed
generation searchable as it was, and a re-run leaves every document in the engine exactly once.

The kill is real: a subprocess runs `ingest_paths` with the tiny model against the session's Milvus Lite
server and SIGKILLs itself at a named step (index.generation._step), as tests/index/test_crash_safety.py
does for the embedded backend.
"""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, make_engine, open_snapshot

from index.backends import BackendConfig, make_backend
from index.backends.milvus import MilvusBackend
from index.build import IngestOptions, ingest_paths
from index.manifest import read_manifest
from index.search import SearchRequest

KILLED_INGEST = '''
import os, signal, sys
from pathlib import Path

import index.backends.milvus as milvus
import index.generation as generation
from index.backends import BackendConfig
from index.build import IngestOptions, ingest_paths
from index.embedder import Embedder

seen = []


def die_at(name, step, nth):
    if name == step:
        seen.append(name)
        if len(seen) == nth:
            os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":  # the parse workers re-import this file
    index_dir, docs, model_dir, uri, step, nth = sys.argv[1:7]
    generation._step = lambda name: die_at(name, step, int(nth))
    milvus.UPSERT_ROWS = 1  # each document reaches the engine at once, so a kill mid-way leaves rows there
    ingest_paths(Path(index_dir), [Path(docs)], Embedder(Path(model_dir)),
                 IngestOptions(workers=1, backend=BackendConfig(kind="milvus", uri=uri)))
'''

WORDS = ["zebra", "unicorn", "alpha", "beta", "gamma", "delta"]


def _write(docs: Path, number: int, word: str) -> None:
    (docs / f"note-{number}.txt").write_text(f"Note {number}: the {word} programme of technical cooperation.\n")


def _collection_rows(index_dir: Path, backend: BackendConfig) -> int:
    """Every row of the index's collection, whichever generation knows it."""
    return MilvusBackend(backend).collection_for(index_dir, read_manifest(index_dir)).count("id >= 0")


def _found_once(index_dir: Path, embedder, backend: BackendConfig, expected: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Each document is found by its own word, once, and by nothing else's; no hit names an unknown passage."""
    engine = make_engine(index_dir, embedder, backend, collapse_duplicates=False)
    for doc_id, word in expected.items():
        hits = engine.search(SearchRequest(word, k=20, mode="keyword")).hits
        assert [h.document.id for h in hits] == [doc_id], (word, [h.document.id for h in hits])
        semantic = engine.search(SearchRequest(word, k=20, mode="semantic")).hits
        ids = [h.chunk_id for h in semantic]
        assert len(ids) == len(set(ids)) and all(h.chunk.doc_id for h in semantic)


@pytest.mark.parametrize("step, nth", [("document-added", 2), ("vectors-saved", 1), ("switched", 1)])
def test_a_killed_milvus_ingest_is_repaired_by_the_next_run(tmp_path: Path, milvus_uri: str, tiny_embedder,
                                                            tiny_model_dir: Path, step: str, nth: int) -> None:
    backend = BackendConfig(kind="milvus", uri=milvus_uri)
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    for number in range(3):
        _write(docs, number, WORDS[number])
    ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1, backend=backend))
    committed = {f"{docs / f'note-{n}.txt'}": WORDS[n] for n in range(3)}
    before = open_snapshot(index_dir, tiny_embedder, backend).manifest

    # the killed run: one document changed (its old passage must go), three added
    _write(docs, 0, "okapi")
    for number in range(3, 6):
        _write(docs, number, WORDS[number])
    script = tmp_path / "killed_ingest.py"
    script.write_text(KILLED_INGEST)
    done = subprocess.run([sys.executable, str(script), str(index_dir), str(docs), str(tiny_model_dir), milvus_uri,
                           step, str(nth)], cwd=REPO, capture_output=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-3000:]

    snapshot = open_snapshot(index_dir, tiny_embedder, backend)
    ids = {d.id: d.source for d in snapshot.store.list_documents()}
    if step == "switched":  # the new generation was published, its removals not yet applied
        assert snapshot.manifest.generation != before.generation
        expected = {doc_id: ("okapi" if source.endswith("note-0.txt") else WORDS[int(source[-5])])
                    for doc_id, source in ids.items()}
        assert make_engine(index_dir, tiny_embedder, backend).search(SearchRequest("zebra", mode="keyword")).hits == ()
    else:  # the killed writer's rows sit in the collection, above the committed high-water mark
        assert snapshot.manifest.generation == before.generation
        assert _collection_rows(index_dir, backend) > snapshot.store.count_chunks()
        expected = {doc_id: committed[source] for doc_id, source in ids.items()}
    _found_once(index_dir, tiny_embedder, backend, expected)

    report = ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1, backend=backend))
    assert not report.failed
    snapshot = open_snapshot(index_dir, tiny_embedder, backend)
    assert snapshot.store.count_documents() == 6
    assert _collection_rows(index_dir, backend) == snapshot.store.count_chunks() == snapshot.manifest.chunks
    final = {d.id: ("okapi" if d.source.endswith("note-0.txt") else WORDS[int(d.source[-5])])
             for d in snapshot.store.list_documents()}
    _found_once(index_dir, tiny_embedder, backend, final)
    assert make_engine(index_dir, tiny_embedder, backend).search(SearchRequest("zebra", mode="keyword")).hits == ()


def test_the_manifest_refuses_another_backend_or_collection(tmp_path: Path, milvus_uri: str, tiny_embedder,
                                                            tiny_corpus_index: Path) -> None:
    from index.errors import BackendMismatch
    from index.snapshot import IndexSnapshot

    milvus = BackendConfig(kind="milvus", uri=milvus_uri)
    index_dir = tmp_path / "index"
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, 0, "zebra")
    ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1, backend=milvus))
    with pytest.raises(BackendMismatch, match="milvus backend.*COOPSEARCH_BACKEND"):
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
