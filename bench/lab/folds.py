"""A fixed 2-fold split inside a half, against a reference variant: does a lever win on both folds?

    PYTHONPATH=. python bench/lab/folds.py bench/results/quality-dense-prf.json [--set un] [--reference hybrid]

Reads a bench/quality.py JSON written with `--per-query`; a query is in fold 0 when the first byte of
sha1(its id) is even, else fold 1 (sha1, not the sha256 that splits dev from test, so the folds cut across
the halves' own hash). Prints each variant's nDCG@10 over the half and on each fold, and the difference to
the reference on each.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path


def fold(query_id: str) -> int:
    """0 or 1: the first byte of sha1(id), even or odd."""
    return hashlib.sha1(query_id.encode("utf-8")).digest()[0] % 2


def folds(per_query: dict[str, float]) -> tuple[float, float, float]:
    """(all, fold 0, fold 1) mean nDCG@10."""
    parts: dict[int, list[float]] = {0: [], 1: []}
    for qid, value in per_query.items():
        parts[fold(qid)].append(value)
    every = [v for values in parts.values() for v in values]
    return (sum(every) / len(every), sum(parts[0]) / max(1, len(parts[0])), sum(parts[1]) / max(1, len(parts[1])))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path)
    parser.add_argument("--set", default="un")
    parser.add_argument("--reference", default="hybrid")
    args = parser.parse_args()
    runs = json.loads(args.results.read_text())["sets"][args.set]["runs"]
    if args.reference not in runs or "per_query" not in runs[args.reference]:
        raise SystemExit(f"{args.reference!r} has no per-query figures in {args.results} (run with --per-query)")
    reference = folds(runs[args.reference]["per_query"])
    sizes = [sum(1 for q in runs[args.reference]["per_query"] if fold(q) == f) for f in (0, 1)]
    print(f"{'variant':<52} {'all':>6} {'fold0':>6} {'fold1':>6}   d-all  d-f0   d-f1   "
          f"(folds: {sizes[0]} / {sizes[1]})")
    for name, run in runs.items():
        if "per_query" not in run:
            continue
        a, f0, f1 = folds(run["per_query"])
        print(f"{name:<52} {a:6.3f} {f0:6.3f} {f1:6.3f}  {a - reference[0]:+.3f} {f0 - reference[1]:+.3f} "
              f"{f1 - reference[2]:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
