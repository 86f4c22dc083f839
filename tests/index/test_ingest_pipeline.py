"""Ingest as a pipeline: documents embedded in groups while workers parse the next files. Every chunk must
still get its own vector, in order, whatever order the workers finish in."""
from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from tiny_bert import build_tiny_bert

from index import build
from index.build import IngestOptions, embedding_text, ingest_paths
from index.embedder import Embedder
from index.manifest import read_manifest
from index.store import Store
from index.vectors import VectorIndex
from ingest.pipeline import parse_file

WORDS = ("cooperation", "technical", "developing", "countries", "capacity", "knowledge", "institutions", "experts",
         "training", "triangular", "south", "exchange", "programme", "resolution", "assembly", "council")


def write_corpus(folder: Path, files: int) -> list[Path]:
    """Text files of 1 to 12 paragraphs each, so documents of very different sizes finish out of order."""
    rng = random.Random(17)
    folder.mkdir()
    paths = []
    for number in range(files):
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 90))).capitalize() + "."
                      for _ in range(rng.randint(1, 12))]
        path = folder / f"report-{number:02d}.txt"
        path.write_text(f"Report {number} on cooperation\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_every_chunk_gets_its_own_vector_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tqdm import tqdm

    model = build_tiny_bert(tmp_path / "model")
    embedder = Embedder(model, device="cpu", batch_size=2, cache_dir=tmp_path / "onnx")
    paths = write_corpus(tmp_path / "docs", 24)
    monkeypatch.setattr(build, "EMBED_GROUP_CHUNKS", 1)  # groups of 16 chunks (8 batches of 2): many groups
    shown = io.StringIO()
    index_dir = tmp_path / "index"
    report = ingest_paths(index_dir, [tmp_path / "docs"], embedder, IngestOptions(workers=2),
                          progress=lambda items, total, desc: tqdm(items, total=total, desc=desc, file=shown))

    expected = {parsed.document.id: parsed for parsed in (parse_file(path) for path in paths)}
    assert not report.failed and sorted(report.added) == sorted(expected)
    assert report.added == [parse_file(path).document.id for path in paths]  # the files' order
    manifest = read_manifest(index_dir)
    assert manifest.chunks == manifest.vectors == report.chunks_added == sum(len(p.chunks) for p in expected.values())
    store = Store(manifest.generation_dir(index_dir) / "store.sqlite", read_only=True)
    vectors = VectorIndex.load(manifest.generation_dir(index_dir) / "vectors.faiss", embedder.dimension)
    for doc_id, parsed in expected.items():
        stored = store.document_chunks(doc_id)
        assert [item.chunk.text for item in stored] == [chunk.text for chunk in parsed.chunks]
        want = embedder.encode([embedding_text(parsed.document, chunk) for chunk in parsed.chunks])
        got = np.vstack([vectors.reconstruct(item.id) for item in stored])
        assert np.allclose(got, want, atol=1e-5), doc_id
    store.close()
    assert "passages/s" in shown.getvalue() and "24/24" in shown.getvalue()
