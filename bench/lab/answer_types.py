"""The answer-type lever's evidence before any sweep (issue 11; UN dev half only): for the dev queries whose
wording asks for an answer type (index.answer_types), the share of passages holding that type among those
judged relevant (anywhere in the default hybrid's first 50) and among the not relevant of its first 10; and,
with --per-query W, each quantity question's nDCG@10 without and with `Boosts.answer_type = W`.

    PYTHONPATH=. python bench/lab/answer_types.py [--per-query 1.0]

Figures reported as results come from bench/quality.py, never from this.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))

import quality as q  # noqa: E402
from embed_cache import CachedEmbedder  # noqa: E402

from index.answer_types import ANSWER_TYPES, defined_terms, definition_match, holds  # noqa: E402
from index.embedder import Embedder, default_model_path  # noqa: E402
from index.query import analyse  # noqa: E402
from index.search import SearchConfig, SearchEngine  # noqa: E402
from index.snapshot import IndexHolder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-query", type=float, help="also each quantity question with answer_type = this")
    args = parser.parse_args()
    embedder = CachedEmbedder(Embedder(default_model_path()), q.CACHE / "embeddings.sqlite")
    dataset = q.coop_sets("dev")["un"]
    holder = IndexHolder(q.cached_index("un", q.COOP_SOURCES["un"], q.COOP_CODE, embedder), embedder.info)
    # the ranking without the answer-type boost (the default before it was on), to compare the boost against
    base = replace(SearchConfig(), boosts=replace(SearchConfig().boosts, answer_type=0.0))
    engine = SearchEngine(holder, embedder, config=base)
    counts = {kind: [0, 0, 0, 0, 0] for kind in (*ANSWER_TYPES, "definition")}  # questions, rel, held, non, held
    for qid, text in dataset.queries():
        analysis = analyse(text)
        asked = [k for k in ANSWER_TYPES if k in analysis.answer_types]
        asked += ["definition"] if analysis.asks_definition else []
        if not asked:
            continue
        hits = q.ranked(engine, text, "hybrid", "passages")[:50]
        for kind in asked:
            row = counts[kind]
            row[0] += 1
            for rank, hit in enumerate(hits):
                held = (definition_match(analysis.terms, defined_terms(hit.chunk.text)) > 0 if kind == "definition"
                        else holds(kind, hit.chunk.text, hit.chunk.countries))
                if dataset.judge(qid, [hit]).gains[0] > 0:
                    row[1] += 1
                    row[2] += held
                elif rank < 10:
                    row[3] += 1
                    row[4] += held
    print("asked for   questions  relevant holding  not relevant (top 10) holding")
    for kind, (n, rel, rel_held, non, non_held) in counts.items():
        print(f"{kind:<11} {n:>9}  {rel_held:>4} / {rel:<4}         {non_held:>4} / {non:<4}")
    if args.per_query is not None:
        lifted = SearchEngine(holder, embedder, config=replace(base, boosts=replace(
            base.boosts, answer_type=args.per_query, answer_types=("quantity",))))
        for qid, text in dataset.queries():
            if "quantity" in analyse(text).answer_types:
                scores = []
                for which in (engine, lifted):
                    judged = dataset.judge(qid, q.ranked(which, text, "hybrid", "passages"))
                    scores.append(q.ndcg(judged.gains, judged.ideal, 10))
                print(f"{qid:<8} {dataset.items[qid].kind:<10} {scores[0]:.3f} -> {scores[1]:.3f}  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
