"""SciFact (or the speeches set) with sentence vectors for the passages that reach the head of a ranking.

    PYTHONPATH=. python bench/sentence_heads.py scifact      # then: python bench/quality.py --only scifact

Sentence scoring reads the stored sentences of the first `SearchConfig.sentence_rerank` fused candidates
only (semantic mode: of its first `SearchConfig.semantic_sentence_rerank` neighbours), and that head is
decided before any sentence is read. So an index whose store holds the sentence
rows of every passage that reaches the head of one of the set's queries (every page `bench/quality.py`
reads) ranks exactly as a fully built one, for a fraction of the embedding: on SciFact 22,316 sentences
(18,268 already in the embedding cache) instead of 44,610. The index is built into the cache folder
`bench/quality.py` uses, with `IngestOptions(sentence_vectors=False)`, then the rows are added and the
manifest's record of the store updated.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality
from embed_cache import CachedEmbedder

from index.backends import BackendConfig
from index.build import IngestOptions, ingest_paths
from index.embedder import Embedder, default_model_path
from index.fusion import Fused
from index.manifest import MANIFEST_NAME, STORE_NAME, file_record, read_manifest
from index.search import SearchConfig, SearchEngine
from index.sentences import stored_sentences, to_blob
from index.snapshot import IndexHolder
from index.store import SCHEMA


def main(name: str) -> None:
    """Build (or reuse) the set's index without sentences, then store the head passages' sentences."""
    embedder = CachedEmbedder(Embedder(default_model_path()), quality.CACHE / "embeddings.sqlite")
    code = quality.SCIFACT_CODE if name == "scifact" else quality.COOP_CODE
    sources = [quality.scifact_documents()] if name == "scifact" else quality.COOP_SOURCES[name]
    target = quality.CACHE / name / f"index-{embedder.info.fingerprint}-{quality.code_hash(code)}-tantivy"
    if not (target / MANIFEST_NAME).exists():
        shutil.rmtree(target, ignore_errors=True)
        started = time.time()
        report = ingest_paths(target, sources, embedder, IngestOptions(
            workers=2, timeout_s=300, sentence_vectors=False, backend=BackendConfig(keyword_engine="tantivy")))
        print(f"built {report.chunks_added} passages in {time.time() - started:.0f} s", flush=True)
    head = SearchConfig().sentence_rerank
    engine = SearchEngine(IndexHolder(target, embedder.info), embedder)
    heads: set[int] = set()
    scored = engine._sentence_scored

    def record(snapshot: object, fused: Fused, *rest: object) -> Fused:
        heads.update(c.chunk_id for c in fused[:head])
        return scored(snapshot, fused, *rest)  # type: ignore[arg-type]

    engine._sentence_scored = record  # type: ignore[method-assign]
    # semantic mode ranks its first list by the passages' best sentences: those passages are a head too
    semantic_head = SearchConfig().semantic_sentence_rerank
    closest = engine._by_best_sentence

    def record_semantic(snapshot: object, hits: list[tuple[int, float]], *rest: object) -> list[tuple[int, float]]:
        heads.update(i for i, _ in hits[:semantic_head])
        return closest(snapshot, hits, *rest)  # type: ignore[arg-type]

    engine._by_best_sentence = record_semantic  # type: ignore[method-assign]
    dataset = quality.SciFact() if name == "scifact" else quality.coop_sets(None)[name]
    for _, text in dataset.queries():
        quality.ranked(engine, text, "hybrid", dataset.unit)
        quality.ranked(engine, text, "semantic", dataset.unit)
    chunks = engine.holder.current().store.get_chunks(sorted(heads))
    split = {i: stored_sentences(c.chunk.text) for i, c in chunks.items()}
    flat = [s for pieces in split.values() for s in pieces]
    started, before = time.time(), embedder.computed
    matrix = embedder.encode(flat)
    print(f"{len(heads)} head passages, {sum(1 for v in split.values() if v)} of several sentences, {len(flat)} "
          f"sentences ({embedder.computed - before} embedded now, {time.time() - started:.0f} s)", flush=True)
    path = read_manifest(target).generation_dir(target) / STORE_NAME
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    rows, start = [], 0
    for chunk_id, pieces in split.items():
        if pieces:
            rows.append((chunk_id, len(pieces), to_blob(matrix[start:start + len(pieces)])))
            start += len(pieces)
    conn.executemany("INSERT OR REPLACE INTO chunk_sentences (chunk_id, sentences, vectors) VALUES (?,?,?)", rows)
    conn.commit()
    conn.close()
    raw = json.loads((target / MANIFEST_NAME).read_text())
    raw["files"][STORE_NAME] = file_record(path)  # the reader checks the store's size and CRC-32
    (target / MANIFEST_NAME).write_text(json.dumps(raw, indent=2))
    print(f"{len(rows)} passages' sentences stored in {target}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "scifact")
