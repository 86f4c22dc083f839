"""Where a search's time goes, in-process: the server's own engine on an index, the latency bench's queries,
wall time per stage and the process's CPU time per query (all threads; steadier than wall time on a shared
machine). No HTTP.

    PYTHONPATH=. HF_HUB_OFFLINE=1 .venv/bin/python bench/search_profile.py \\
        bench/.cache/speed/full/synthetic-1000000 hybrid 100
"""
from __future__ import annotations

import functools
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import speed  # the bench's own query pool

from index import embedder, passage_features, search, store
from index.search import SearchRequest
from search_api.settings import Settings

SPANS: dict[str, float] = {}
STAGES = [(search.SearchEngine, "_fused", "retrieval + fusion + boosts"),
          (search.SearchEngine, "_keyword", "keyword thread"), (embedder.Embedder, "encode_query", "query embedding"),
          (search.SearchEngine, "_collapsed", "duplicate folding"), (search.SearchEngine, "_hits", "page (hits)"),
          (store.Store, "get_documents", "page: documents"), (store.Store, "get_chunks", "passage reads"),
          (passage_features.FeatureCache, "features", "features (all threads)"),
          (search, "evidences", "boost evidence"), (search, "near_duplicates", "near-duplicate verdicts"),
          (store.Store, "sentence_vectors", "stored sentences (all threads)"),
          (search.SearchEngine, "_sentence_scored", "sentence re-scoring"),
          (search, "fragments", "highlights"), (search.SearchEngine, "_total", "total count")]


def _timed(function: Callable, label: str) -> Callable:
    @functools.wraps(function)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SPANS[label] = SPANS.get(label, 0.0) + (time.perf_counter() - started) * 1000
    return wrapper


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main(index: Path, mode: str, count: int) -> None:
    for owner, name, label in STAGES:
        setattr(owner, name, _timed(getattr(owner, name), label))
    settings = Settings(index=index)
    engine = settings.make_engine(settings.make_embedder())
    engine.warm_up()  # as the server does at start-up
    pool = speed.query_pool(speed.CACHE / "full" / "real-index", 20 + count)
    for query in pool[:20]:  # as the latency bench's warm-up
        engine.search(SearchRequest(query, mode="hybrid"))
    walls, cpus, stages = [], [], defaultdict(list)
    for query in pool[20:20 + count]:
        SPANS.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        engine.search(SearchRequest(query, mode=mode))
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        for label, ms in SPANS.items():
            stages[label].append(ms)
    print(f"{mode}, {count} queries on {index}: wall p50 {_p(walls, .5):.1f} p95 {_p(walls, .95):.1f} "
          f"max {max(walls):.1f} ms; process CPU p50 {_p(cpus, .5):.1f} ms")
    for label, values in sorted(stages.items(), key=lambda item: -statistics.mean(item[1])):
        print(f"  {label:28s} p50 {_p(values, .5):6.1f}  p95 {_p(values, .95):6.1f}  "
              f"mean {statistics.mean(values):6.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "hybrid",
         int(sys.argv[3]) if len(sys.argv) > 3 else 100)
