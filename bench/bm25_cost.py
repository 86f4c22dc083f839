"""What the BM25 re-scoring of the keyword candidates costs a query (index.bm25; issue 11's BM25 lever).

    PYTHONPATH=. python bench/bm25_cost.py [--pool 200]   # on bench/.cache/un (bench/quality.py builds it)

For each dev query of the UN set: the keyword engine's candidates (as many as --pool), then the re-scoring
alone timed (the stems of unseen candidates read from the store, the statistics, the scores and the new
order): first with empty caches, then again with the candidates' fields kept (a server's steady state).
Prints p50 / p95 / mean in ms and writes bench/results/bm25-cost.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from judgments import half, load_all, source_set  # noqa: E402

from index.bm25 import Bm25Config  # noqa: E402
from index.embedder import Embedder, default_model_path  # noqa: E402
from index.query import analyse  # noqa: E402
from index.search import SearchConfig, SearchEngine  # noqa: E402
from index.snapshot import IndexHolder  # noqa: E402
from index.store import FIELD_WEIGHTS  # noqa: E402
from index.types import Filters  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pool", type=int, default=200, help="keyword candidates re-scored")
    args = parser.parse_args()
    folder = next((BENCH / ".cache" / "un").glob("index-*-tantivy"), None)
    if folder is None:
        raise SystemExit("no UN index under bench/.cache/un: run python bench/quality.py --only un first")
    embedder = Embedder(default_model_path())
    config = Bm25Config(k1=0.6, b=0.5, pool=args.pool)
    engine = SearchEngine(IndexHolder(folder, embedder.info), embedder, config=SearchConfig(bm25=config))
    snapshot = engine.holder.current()
    queries = [q.query for q in load_all() if half(q.id) == "dev" and source_set(q) == "un"]
    out: dict[str, dict[str, float]] = {}
    for label in ("cold", "warm"):
        times, sizes = [], []
        for query in queries:
            analysis = analyse(query)
            found = snapshot.engine.keyword_search(analysis, args.pool, Filters(), FIELD_WEIGHTS)
            started = time.perf_counter()
            engine._bm25_rescored(snapshot, analysis, found, config)
            times.append((time.perf_counter() - started) * 1000)
            sizes.append(len(found))
        times.sort()
        out[label] = {"p50_ms": round(times[len(times) // 2], 3), "p95_ms": round(times[int(len(times) * 0.95)], 3),
                      "mean_ms": round(statistics.mean(times), 3), "mean_candidates": round(statistics.mean(sizes))}
        row = out[label]
        print(f"{label:<5} caches: {len(queries)} queries, {row['mean_candidates']} candidates on average: "
              f"p50 {row['p50_ms']:.3f} ms, p95 {row['p95_ms']:.3f} ms, mean {row['mean_ms']:.3f} ms")
    target = BENCH / "results" / "bm25-cost.json"
    target.write_text(json.dumps({"pool": args.pool, "load_average": os.getloadavg()[0], **out}, indent=2) + "\n")
    print(f"wrote {target.relative_to(BENCH.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
