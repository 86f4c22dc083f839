"""`kill -9` at any moment of an ingest leaves the previous index loadable and searchable.

Two ways to be killed: a writer SIGKILLs itself at each named step of `GenerationWriter.commit`
(deterministic; the script replaces `index.generation._step`), and a real `ingest_paths` with the tiny
model is SIGKILLed after fixed delays while it runs ingest after ingest.
"""
from __future__ import annotations

import os
import runpy
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from index.manifest import read_manifest
from index.snapshot import IndexSnapshot
from support import CORPUS

WRITER_SCRIPT = '''
import os, signal, sys
from pathlib import Path

import numpy as np

import index.generation as generation
from index.embedder import ModelInfo
from ingest.types import Chunk, Document

MODEL = ModelInfo("crash-test", "0123456789abcdef", 8)


def write_generation(index_dir, add, remove, crash_at=None):
    """One locked writer: add documents `add`, remove documents `remove`, commit (or die at `crash_at`)."""
    if crash_at is not None:
        generation._step = lambda name: os.kill(os.getpid(), signal.SIGKILL) if name == crash_at else None
    lock = generation.acquire_lock(index_dir)
    writer = generation.GenerationWriter(index_dir, MODEL)
    for number in remove:
        writer.vectors.remove(np.asarray(writer.store.remove_document(f"doc-{number}")))
    for number in add:
        doc_id = f"doc-{number}"
        document = Document(id=doc_id, source=f"/nowhere/{doc_id}.txt", sha256=str(number), title=f"Document {number}")
        chunks = [Chunk(doc_id=doc_id, ordinal=i, text=f"passage {i} of document {number} on cooperation")
                  for i in range(5)]
        ids = writer.store.add_document(document, chunks)
        vectors = np.random.default_rng(number).standard_normal((len(ids), 8)).astype("float32")
        writer.vectors.add(np.asarray(ids), vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    manifest = writer.commit()
    lock.release()
    return manifest


if __name__ == "__main__":
    write_generation(Path(sys.argv[1]), [3], [0], crash_at=sys.argv[2])
'''

INGEST_SCRIPT = '''
import sys
from pathlib import Path

if __name__ == "__main__":
    from index.build import IngestOptions, ingest_paths
    from index.embedder import Embedder

    index_dir, docs, model_dir = map(Path, sys.argv[1:4])
    embedder = Embedder(model_dir)
    print("ready", flush=True)
    for round_number in range(1000):
        (docs / f"extra-{round_number}.txt").write_text(
            f"Round {round_number}. Technical cooperation among developing countries.\\n\\n" * 40)
        ingest_paths(index_dir, [docs], embedder, IngestOptions(workers=1))
'''

STEPS = ["copied", "store-closed", "vectors-saved", "renamed", "manifest-written", "switched"]


@pytest.fixture(scope="module")
def writer_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scripts") / "crash_writer.py"
    path.write_text(WRITER_SCRIPT)
    return path


def _documents(snapshot: IndexSnapshot) -> set[str]:
    return {d.id for d in snapshot.store.list_documents()}


def _assert_searchable(index_dir: Path, model) -> IndexSnapshot:  # type: ignore[no-untyped-def]
    snapshot = IndexSnapshot.open(index_dir, model)
    assert snapshot.store.count_chunks() == snapshot.manifest.chunks == snapshot.vectors.count()
    query = np.ones(model.dimension, dtype=np.float32) / np.sqrt(model.dimension)
    _, ids = snapshot.vectors.search(query, 5)
    assert len(ids) == 5 and set(snapshot.store.get_chunks(ids)) == {int(i) for i in ids}
    return snapshot


@pytest.mark.parametrize("step", STEPS)
def test_writer_killed_at_each_commit_step_leaves_a_loadable_index(tmp_path: Path, writer_script: Path,
                                                                   step: str) -> None:
    write_generation = runpy.run_path(str(writer_script))["write_generation"]
    index_dir = tmp_path / "index"
    first = write_generation(index_dir, [0, 1, 2], [])
    done = subprocess.run([sys.executable, str(writer_script), str(index_dir), step], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]

    snapshot = _assert_searchable(index_dir, first.model)
    expected = {"doc-1", "doc-2", "doc-3"} if step == "switched" else {"doc-0", "doc-1", "doc-2"}
    assert _documents(snapshot) == expected
    # the next writer takes the lock the dead one held, cleans what it left, and commits
    after = write_generation(index_dir, [4], [])
    assert _documents(_assert_searchable(index_dir, first.model)) == expected | {"doc-4"}
    assert {p.name for p in index_dir.glob("gen-*")} <= {after.generation, snapshot.manifest.generation}
    assert not list(index_dir.glob("gen-*.tmp"))


@pytest.mark.parametrize("delay_s", [0.5, 2.0])
def test_real_ingest_killed_after_a_delay_leaves_a_loadable_index(tmp_path: Path, tiny_model_dir: Path,
                                                                  tiny_embedder, delay_s: float) -> None:  # type: ignore[no-untyped-def]
    from index.build import IngestOptions, ingest_paths

    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    index_dir = tmp_path / "index"
    ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1))
    script = tmp_path / "ingest_loop.py"
    script.write_text(INGEST_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), str(index_dir), str(docs), str(tiny_model_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
        time.sleep(delay_s)
        assert process.poll() is None, process.stderr.read().decode()[-2000:] if process.stderr else ""
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the ingest and its reader workers, like a power cut
        process.wait(timeout=60)

    _assert_searchable(index_dir, tiny_embedder.info)
    report = ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1))
    assert not report.failed
    manifest = read_manifest(index_dir)
    assert manifest.documents == len(list(docs.glob("*.txt")))  # every file, each once
    _assert_searchable(index_dir, tiny_embedder.info)
    assert not list(index_dir.glob("gen-*.tmp"))
