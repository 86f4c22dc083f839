"""What stored sentence vectors cost on the UN set's bench index (built by `bench/quality.py --only un`).

    PYTHONPATH=. python bench/sentence_cost.py

Prints the rows and bytes of `chunk_sentences`; the ingest embedding time of sentences against passages
(a random sample of 600 passages, embedded as ingest embeds them, and their stored sentences, uncached, in
the same process, best of two); and the query time of the sentence step inside `SearchEngine.search`
(60 dev queries, searched with and without sentence scoring, interleaved), and of semantic mode's
best-sentence step over its first list. Timings on a shared machine
are noisy: compare the ratios measured in one run.
"""
from __future__ import annotations

import os
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality
from judgments import half, load_all, source_set

from index.build import embedding_text
from index.embedder import Embedder, default_model_path
from index.manifest import STORE_NAME, read_manifest
from index.search import SearchConfig, SearchEngine, SearchRequest
from index.sentences import stored_sentences
from index.snapshot import IndexHolder

T = TypeVar("T")


def _p(values: list[float], q: float) -> float:
    return sorted(values)[int(q * (len(values) - 1))]


def _timed(step: Callable[..., T], into: list[float]) -> Callable[..., T]:
    """`step`, recording each call's milliseconds in `into` (a search step timed inside the search)."""
    def timed(*args: object) -> T:
        started = time.perf_counter()
        out = step(*args)
        into.append((time.perf_counter() - started) * 1000)
        return out
    return timed


def main() -> None:
    """Disk, ingest embedding and query costs of sentence vectors on the UN bench index."""
    folder = next((quality.CACHE / "un").glob("index-*-tantivy"))
    store_path = read_manifest(folder).generation_dir(folder) / STORE_NAME
    conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    passages = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    rows, sentences, size = conn.execute(
        "SELECT count(*), sum(sentences), sum(length(vectors)) FROM chunk_sentences").fetchone()
    print(f"disk: {passages} passages, {rows} with stored sentences, {sentences} sentences "
          f"({sentences / passages:.2f} a passage), {size / 1e6:.1f} MB of sentence vectors; "
          f"store file {os.path.getsize(store_path) / 1e6:.1f} MB")
    embedder = Embedder(default_model_path())
    holder = IndexHolder(folder, embedder.info)
    store = holder.current().store
    documents = {d.id: d for d in store.list_documents()}
    chunks = [c for d in documents for c in store.document_chunks(d)]
    sample = random.Random(11).sample(chunks, min(600, len(chunks)))
    texts = [embedding_text(documents[c.chunk.doc_id], c.chunk) for c in sample]
    pieces = [s for c in sample for s in stored_sentences(c.chunk.text)]
    embedder.encode(texts[:32])
    timings: dict[str, list[float]] = {"passages": [], "sentences": []}
    for _ in range(2):
        for name, batch in (("passages", texts), ("sentences", pieces)):
            started = time.perf_counter()
            embedder.encode(batch)
            timings[name].append(time.perf_counter() - started)
    p, s = min(timings["passages"]), min(timings["sentences"])
    print(f"ingest: {len(sample)} passages embedded in {p:.1f} s, their {len(pieces)} stored sentences in {s:.1f} s: "
          f"sentences add {s / p:.2f} x the passages' embedding time ({embedder.precision})")
    on = SearchEngine(holder, embedder)
    off = SearchEngine(holder, embedder, config=replace(SearchConfig(), sentence_rerank=0))
    step: list[float] = []
    on._sentence_scored = _timed(on._sentence_scored, step)  # type: ignore[method-assign]
    queries = [q.query for q in load_all() if half(q.id) == "dev" and source_set(q) == "un"][:60]
    for query in queries[:5]:
        on.search(SearchRequest(query))
        off.search(SearchRequest(query))
    step.clear()
    took: dict[str, list[float]] = {"off": [], "on": []}
    for query in queries:
        for name, engine in (("off", off), ("on", on)):
            started = time.perf_counter()
            engine.search(SearchRequest(query))
            took[name].append((time.perf_counter() - started) * 1000)
    print(f"query: {len(queries)} queries; search without sentence scoring p50 {_p(took['off'], .5):.1f} ms, with "
          f"p50 {_p(took['on'], .5):.1f} ms; the sentence step p50 {_p(step, .5):.2f} ms, p95 {_p(step, .95):.2f} ms")
    # semantic mode: its whole first list (100 passages) ranked by the closer of passage and best sentence
    semantic_step: list[float] = []
    on._by_best_sentence = _timed(on._by_best_sentence, semantic_step)  # type: ignore[method-assign]
    for query in queries:
        on.search(SearchRequest(query, mode="semantic"))
    print(f"semantic mode: the best-sentence step over its {SearchConfig().semantic_sentence_rerank} passages "
          f"p50 {_p(semantic_step, .5):.2f} ms, p95 {_p(semantic_step, .95):.2f} ms")
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
