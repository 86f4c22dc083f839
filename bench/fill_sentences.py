"""Store every passage's sentence vectors (and search features) in a bench index built before they were kept.

`bench/speed.py`'s cached real index is built once by its ingest section; an index cached before sentence
vectors (index.sentences) and stored features (index.passage_features) existed would time a search without
them, which is not what a fresh ingest serves. This brings it to what ingest writes today, reading the
embeddings from the bench's embedding cache (the same texts `bench/quality.py`'s UN set embedded).

    PYTHONPATH=. .venv/bin/python bench/fill_sentences.py bench/.cache/speed/full/real-index
"""
from __future__ import annotations

import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fill_features
from embed_cache import CachedEmbedder

from index.embedder import Embedder, default_model_path
from index.manifest import STORE_NAME, file_record, read_manifest, write_manifest
from index.sentences import sentence_vectors, to_blob
from index.store import SCHEMA

CACHE_FILE = Path(__file__).resolve().parent / ".cache" / "embeddings.sqlite"


def fill(index_dir: Path) -> tuple[int, int]:
    """Store the sentence vectors of every passage of several sentences that has none; returns (passages,
    sentences) stored. Fills the features first (bench/fill_features.py)."""
    fill_features.fill(index_dir)
    manifest = read_manifest(index_dir)
    path = manifest.generation_dir(index_dir) / STORE_NAME
    embedder = CachedEmbedder(Embedder(default_model_path()), CACHE_FILE)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)  # creates chunk_sentences where the store predates it
    rows = conn.execute("SELECT id, text FROM chunks WHERE id NOT IN (SELECT chunk_id FROM chunk_sentences)"
                        " ORDER BY id").fetchall()
    started, before = time.perf_counter(), embedder.computed
    vectors = sentence_vectors(embedder.encode, [text for _, text in rows])
    stored = [(chunk_id, len(matrix), to_blob(matrix))
              for (chunk_id, _), matrix in zip(rows, vectors, strict=True) if matrix is not None]
    conn.executemany("INSERT INTO chunk_sentences (chunk_id, sentences, vectors) VALUES (?,?,?)", stored)
    conn.commit()
    conn.close()
    sentences = sum(n for _, n, _ in stored)
    print(f"{len(stored)} passages, {sentences} sentences ({embedder.computed - before} embedded now) in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    # the store changed in place: the manifest records its new size and checksum
    write_manifest(index_dir, replace(manifest, files={**manifest.files, STORE_NAME: file_record(path)}))
    return len(stored), sentences


if __name__ == "__main__":
    print(fill(Path(sys.argv[1])))
