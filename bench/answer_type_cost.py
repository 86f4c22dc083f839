"""What the answer-type boost costs a query (index.answer_types; issue 11's answer-type lever).

    PYTHONPATH=. python bench/answer_type_cost.py [--types quantity] [--definition 0.25]   # on bench/.cache/un

For each dev query of the UN set whose wording asks for an answer type the boost acts on (--types), or a
definition when --definition is on (the others read and compute nothing): its hybrid candidates (the keyword
engine's 100 and semantic search's 100, as a search fuses them), then the lever's own step timed
(`SearchEngine._answer_evidence`): "cold", a fresh generation cache and no passage read yet (the candidates'
texts read from the store, their answer types computed); "texts read", the texts already read by the search
(as the mandate prior or the page does) but no types kept; "warm", every candidate's types kept (a server's
steady state: the per-query work is a set intersection per candidate). Also the per-passage cost of each
type's check and of the defined terms alone. Prints p50 / p95 / mean in ms and writes
bench/results/answer-type-cost.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from judgments import half, load_all, source_set  # noqa: E402

from index.answer_types import ANSWER_TYPES, defined_terms, holds  # noqa: E402
from index.embedder import Embedder, default_model_path  # noqa: E402
from index.fusion import Evidence  # noqa: E402
from index.query import analyse  # noqa: E402
from index.search import PassageReads, SearchConfig, SearchEngine  # noqa: E402
from index.snapshot import IndexHolder  # noqa: E402
from index.store import FIELD_WEIGHTS  # noqa: E402
from index.types import Filters  # noqa: E402


def _row(times: list[float], sizes: list[int]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": round(times[len(times) // 2], 3), "p95_ms": round(times[int(len(times) * 0.95)], 3),
            "mean_ms": round(statistics.mean(times), 3), "mean_candidates": round(statistics.mean(sizes))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weight", type=float, default=1.0, help="Boosts.answer_type")
    parser.add_argument("--types", default="quantity", help="Boosts.answer_types, comma-separated")
    parser.add_argument("--definition", type=float, default=0.0, help="Boosts.definition")
    args = parser.parse_args()
    folder = next((BENCH / ".cache" / "un").glob("index-*-tantivy"), None)
    if folder is None:
        raise SystemExit("no UN index under bench/.cache/un: run python bench/quality.py --only un first")
    embedder = Embedder(default_model_path())
    base = SearchConfig()
    types = tuple(args.types.split(","))
    config = replace(base, boosts=replace(base.boosts, answer_type=args.weight, answer_types=types,
                                          definition=args.definition))
    engine = SearchEngine(IndexHolder(folder, embedder.info), embedder, config=config)
    snapshot = engine.holder.current()
    asked = [q.query for q in load_all() if half(q.id) == "dev" and source_set(q) == "un"
             and (analyse(q.query).answer_types.intersection(types) or (args.definition
                                                                         and analyse(q.query).asks_definition))]
    candidates = []
    for query in asked:
        analysis = analyse(query)
        keyword = snapshot.engine.keyword_search(analysis, 100, Filters(), FIELD_WEIGHTS)
        semantic = snapshot.engine.vector_search(embedder.encode_query(analysis.semantic_text), 100, Filters())
        candidates.append((analysis, list(dict.fromkeys(i for i, _ in [*keyword, *semantic]))))
    out: dict[str, dict[str, float]] = {}
    for label in ("cold", "texts read", "warm"):
        times, sizes = [], []
        for analysis, ids in candidates:
            found = dict.fromkeys(ids, Evidence(0.0, 0.0))
            if label == "warm":  # this query's candidates' types kept already (by an earlier search)
                engine._answer_evidence(snapshot, analysis, PassageReads(snapshot.store), found)
            else:
                engine._caches.clear()  # a fresh generation cache: no answer types kept
            reads = PassageReads(snapshot.store)
            if label == "texts read":
                reads(ids)
            started = time.perf_counter()
            engine._answer_evidence(snapshot, analysis, reads, found)
            times.append((time.perf_counter() - started) * 1000)
            sizes.append(len(ids))
        out[label] = _row(times, sizes)
        row = out[label]
        print(f"{label:<10}: {len(candidates)} queries, {row['mean_candidates']} candidates on average: "
              f"p50 {row['p50_ms']:.3f} ms, p95 {row['p95_ms']:.3f} ms, mean {row['mean_ms']:.3f} ms")
    every = sorted({i for _, ids in candidates for i in ids})
    texts = [stored.chunk.text for stored in snapshot.store.get_chunks(every).values()]
    each: dict[str, float] = {}
    for kind in (*ANSWER_TYPES, "definition"):
        started = time.perf_counter()
        for text in texts:
            defined_terms(text) if kind == "definition" else holds(kind, text, None)
        each[kind] = round((time.perf_counter() - started) * 1e6 / len(texts), 1)
    print(f"per passage, us ({len(texts)} passages; countries found here, not read as stored): {each}")
    target = BENCH / "results" / "answer-type-cost.json"
    target.write_text(json.dumps({"types": types, "definition": args.definition, "queries": len(candidates),
                                  "load_average": os.getloadavg()[0], "per_passage_us": each, **out},
                                 indent=2) + "\n")
    print(f"wrote {target.relative_to(BENCH.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
