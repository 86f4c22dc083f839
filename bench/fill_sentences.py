"""Store every passage's sentence vectors (and search features) in a bench index built before they were kept.

`bench/speed.py`'s cached real index is built once by its ingest section; an index cached before sentence
vectors (index.sentences) and stored features (index.passage_features) existed would time a search without
them, which is not what a fresh ingest serves. This brings it to what ingest writes today, reading the
embeddings from the bench's embedding cache (the same texts `bench/quality.py`'s UN set embedded).

    PYTHONPATH=. .venv/bin/python bench/fill_sentences.py bench/.cache/speed/full/real-index
    PYTHONPATH=. .venv/bin/python bench/fill_sentences.py --random bench/.cache/speed/full/synthetic-1000000

`--random` is for the synthetic indexes, whose texts come from an older build (embedding their ~20,000
distinct texts' sentences would take hours on a CPU) and whose vectors are already synthetic: each
passage of several sentences gets as many seeded random unit vectors as it has sentences. Only the
search's timing is measured on those indexes, and the sentence step reads the same rows whatever their
values.
"""
from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fill_features
from embed_cache import CachedEmbedder

from index.embedder import Embedder, default_model_path
from index.manifest import STORE_NAME, file_record, read_manifest, write_manifest
from index.sentences import sentence_vectors, to_blob
from index.store import SCHEMA

CACHE_FILE = Path(__file__).resolve().parent / ".cache" / "embeddings.sqlite"


def fill(index_dir: Path, batch: int = 20_000, random: bool = False) -> tuple[int, int]:
    """Store the sentence vectors of every passage of several sentences that has none; returns (passages,
    sentences) stored. Fills the features first (bench/fill_features.py). Each distinct text is split and
    looked up once (the synthetic indexes hold many copies of each)."""
    fill_features.fill(index_dir)
    manifest = read_manifest(index_dir)
    path = manifest.generation_dir(index_dir) / STORE_NAME
    embedder = CachedEmbedder(Embedder(default_model_path()), CACHE_FILE)
    encode = _random_unit_rows(embedder.dimension) if random else embedder.encode
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)  # creates chunk_sentences where the store predates it
    done: dict[str, tuple[int, bytes] | None] = {}
    passages = sentences = 0
    last, started, before = -1, time.perf_counter(), embedder.computed
    while True:
        rows = conn.execute("SELECT id, text FROM chunks WHERE id > ? AND id NOT IN (SELECT chunk_id FROM"
                            " chunk_sentences) ORDER BY id LIMIT ?", (last, batch)).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        new = list(dict.fromkeys(text for _, text in rows if text not in done))
        for text, matrix in zip(new, sentence_vectors(encode, new), strict=True):
            done[text] = None if matrix is None else (len(matrix), to_blob(matrix))
        stored = [(chunk_id, *found) for chunk_id, text in rows if (found := done[text]) is not None]
        conn.executemany("INSERT INTO chunk_sentences (chunk_id, sentences, vectors) VALUES (?,?,?)", stored)
        conn.commit()
        passages += len(stored)
        sentences += sum(n for _, n, _ in stored)
        print(f"{last}: {passages} passages, {sentences} sentences ({embedder.computed - before} embedded now), "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    conn.close()
    # the store changed in place: the manifest records its new size and checksum
    write_manifest(index_dir, replace(manifest, files={**manifest.files, STORE_NAME: file_record(path)}))
    return passages, sentences


def _random_unit_rows(dimension: int) -> Callable[[list[str]], np.ndarray]:
    """An `encode` that answers seeded random unit vectors (timing-only rows for the synthetic indexes)."""
    generator = np.random.default_rng(15)

    def encode(texts: list[str]) -> np.ndarray:
        rows = generator.standard_normal((len(texts), dimension)).astype(np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return encode


if __name__ == "__main__":
    arguments = sys.argv[1:]
    print(fill(Path(arguments[-1]), random="--random" in arguments))
