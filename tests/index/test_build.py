"""Ingest into an index folder: incremental updates, pruning, model checks, generations."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.build import IngestOptions, ingest_paths, remove_documents
from index.errors import IndexLocked, ModelMismatch
from index.generation import acquire_lock
from index.manifest import read_manifest
from index.snapshot import IndexSnapshot
from support import CORPUS, make_engine


def _copy_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(CORPUS, folder)
    return folder


def test_reingest_of_unchanged_folder_embeds_nothing(tmp_path: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    docs = _copy_corpus(tmp_path)
    first = ingest_paths(tmp_path / "idx", [docs], tiny_embedder, IngestOptions(workers=1))
    assert len(first.added) == 5 and first.chunks_added > 20
    assert [p.reason for p in first.skipped] == ["folder_readme"]
    second = ingest_paths(tmp_path / "idx", [docs], tiny_embedder, IngestOptions(workers=1))
    assert len(second.unchanged) == 5 and not second.added and not second.updated and second.chunks_added == 0
    assert second.manifest.generation == first.manifest.generation


def test_changed_file_replaces_its_chunks_and_prune_removes_gone_files(tmp_path: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    docs = _copy_corpus(tmp_path)
    index_dir = tmp_path / "idx"
    ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1))
    target = next(docs.glob("brasilia*"))
    target.write_text("A zebra unicorn report.\n\nNothing else remains of the training.\n", encoding="utf-8")
    (next(docs.glob("unossc*"))).unlink()
    report = ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1, prune=True))
    assert len(report.updated) == 1 and len(report.removed) == 1
    engine = make_engine(index_dir, tiny_embedder)
    from index.search import SearchRequest

    hits = engine.search(SearchRequest("talent bank database", mode="keyword")).hits
    assert all("talent bank" not in h.chunk.text for h in hits)
    assert engine.search(SearchRequest("zebra unicorn", mode="keyword")).hits[0].chunk.text.startswith("A zebra")
    manifest = read_manifest(index_dir)
    snapshot = IndexSnapshot.open(index_dir, tiny_embedder.info)
    assert manifest.documents == 4 and snapshot.vectors.count() == manifest.chunks == snapshot.store.count_chunks()
    removed = remove_documents(index_dir, [report.updated[0]], tiny_embedder)
    assert removed.removed == report.updated and read_manifest(index_dir).documents == 3


def test_index_built_with_another_model_is_refused(tmp_path: Path, tiny_embedder, tiny_corpus_index) -> None:  # type: ignore[no-untyped-def]
    index_dir = tmp_path / "idx"
    shutil.copytree(tiny_corpus_index, index_dir)
    manifest = json.loads((index_dir / "manifest.json").read_text())
    manifest["model"]["fingerprint"] = "0123456789abcdef"
    manifest["model"]["name"] = "some-other-model"
    (index_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelMismatch, match="some-other-model"):
        IndexSnapshot.open(index_dir, tiny_embedder.info)
    with pytest.raises(ModelMismatch):
        ingest_paths(index_dir, [CORPUS], tiny_embedder)


def test_concurrent_ingest_is_refused(tmp_path: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    lock = acquire_lock(tmp_path / "idx")
    try:
        with pytest.raises(IndexLocked, match="another ingest"):
            ingest_paths(tmp_path / "idx", [CORPUS], tiny_embedder)
    finally:
        lock.release()


def test_bad_files_are_reported_and_do_not_stop_the_run(tmp_path: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "mixed"
    docs.mkdir()
    (docs / "good.txt").write_text("Triangular cooperation involves a traditional donor.\n", encoding="utf-8")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf")
    (docs / "image.png").write_bytes(b"\x89PNG\r\n")
    report = ingest_paths(tmp_path / "idx", [docs, tmp_path / "missing.txt"], tiny_embedder,
                          IngestOptions(workers=1))
    assert len(report.added) == 1
    reasons = {Path(p.path).name: p.reason for p in report.failed}
    assert reasons["empty.txt"] == "empty"
    assert reasons["broken.pdf"] in ("damaged", "empty")
    assert reasons["missing.txt"] == "missing"
    assert [Path(p.path).name for p in report.skipped] == ["image.png"]
