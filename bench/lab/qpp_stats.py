"""Look at the dev data before sweeping QPP rules (bench/lab/qpp.py): per UN dev query, the raw lists'
statistics and the keyword / semantic / hybrid nDCG@10, then the statistics' rank correlation with
"hybrid loses to keyword" and "keyword beats semantic". Writes bench/.cache/lab/qpp-stats.json.

    PYTHONPATH=. python bench/lab/qpp_stats.py            # UN dev half only
    PYTHONPATH=. python bench/lab/qpp_stats.py --sweep sem-gap:0:0.02 product:0:0.02   # rule:a:t, per query,
                                                          # with the 2-fold split inside dev
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "lab"))

from metrics import ndcg  # noqa: E402
from qpp import QppEngine  # noqa: E402
from quality import (  # noqa: E402
    CACHE,
    COOP_CODE,
    COOP_SOURCES,
    CachedEmbedder,
    cached_index,
    coop_sets,
    ranked,
)

from index.backends import BackendConfig, make_backend  # noqa: E402
from index.embedder import Embedder, default_model_path  # noqa: E402
from index.search import SearchConfig, SearchEngine  # noqa: E402
from index.snapshot import IndexHolder  # noqa: E402


def fold(qid: str) -> int:
    """The fixed 2-fold split inside dev: the first byte of sha1(id), even (0) or odd (1)."""
    return hashlib.sha1(qid.encode("utf-8")).digest()[0] % 2


def per_query(dataset, engine: SearchEngine, mode: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    out = {}
    for qid, text in dataset.queries():
        judged = dataset.judge(qid, ranked(engine, text, mode, dataset.unit))
        out[qid] = ndcg(judged.gains, judged.ideal, 10)
    return out


def spearman(x: list[float], y: list[float]) -> float:
    def ranks(v: list[float]) -> list[float]:
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r

    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", nargs="*", help="rule:a:t settings to measure per query (with folds)")
    args = parser.parse_args()
    embedder = CachedEmbedder(Embedder(default_model_path()), CACHE / "embeddings.sqlite")
    dataset = coop_sets("dev")["un"]
    index_dir = cached_index("un", COOP_SOURCES["un"], COOP_CODE, embedder)
    holder = IndexHolder(index_dir, embedder.info, backend=make_backend(BackendConfig()))
    config = SearchConfig()
    out_path = CACHE / "lab" / "qpp-stats.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(out_path.read_text()) if out_path.exists() else {}
    if "queries" not in data:
        record: dict = {}
        hybrid = per_query(dataset, QppEngine(holder, embedder, config, record=record), "hybrid")
        keyword = per_query(dataset, SearchEngine(holder, embedder, config=config), "keyword")
        semantic = per_query(dataset, SearchEngine(holder, embedder, config=config), "semantic")
        texts = dict(dataset.queries())
        data["queries"] = {qid: {"kind": dataset.items[qid].kind, "fold": fold(qid), "hybrid": hybrid[qid],
                                 "keyword": keyword[qid], "semantic": semantic[qid], **record.get(texts[qid], {})}
                           for qid in hybrid}
        out_path.write_text(json.dumps(data, indent=1))
    rows = data["queries"]
    ids = [q for q in rows if "kw_top1" in rows[q]]
    base = sum(rows[q]["hybrid"] for q in rows) / len(rows)
    print(f"{len(ids)} of {len(rows)} dev queries with statistics; hybrid {base:.4f}")
    loss = [rows[q]["keyword"] - rows[q]["hybrid"] for q in ids]
    kw_better = [rows[q]["keyword"] - rows[q]["semantic"] for q in ids]
    names = [k for k in rows[ids[0]] if k not in ("kind", "fold", "hybrid", "keyword", "semantic", "w_kw", "w_sem")]
    print(f"{'statistic':<12} {'rho(kw-hyb)':>11} {'rho(kw-sem)':>11}   "
          "means: losers(kw-hyb>=0.05) / winners(hyb-kw>=0.05) / rest")
    for name in names:
        x = [rows[q][name] for q in ids]
        lose = [rows[q][name] for q, d in zip(ids, loss, strict=True) if d >= 0.05]
        win = [rows[q][name] for q, d in zip(ids, loss, strict=True) if d <= -0.05]
        rest = [rows[q][name] for q, d in zip(ids, loss, strict=True) if -0.05 < d < 0.05]
        avg = lambda v: sum(v) / len(v) if v else float("nan")  # noqa: E731
        print(f"{name:<12} {spearman(x, loss):>11.3f} {spearman(x, kw_better):>11.3f}   "
              f"{avg(lose):8.3f} ({len(lose)}) / {avg(win):8.3f} ({len(win)}) / {avg(rest):8.3f} ({len(rest)})")
    for setting in args.sweep or []:
        rule, a, t = setting.split(":")
        if rule == "product":  # "product:0:GAP": the product's FusionConfig.semantic_gap, not the prototype
            gapped = replace(config, fusion=replace(config.fusion, semantic_gap=float(t)))
            scores = per_query(dataset, SearchEngine(holder, embedder, config=gapped), "hybrid")
        else:
            scores = per_query(dataset, QppEngine(holder, embedder, config, rule, float(a), float(t)), "hybrid")
        folds = [[scores[q] - rows[q]["hybrid"] for q in scores if rows[q]["fold"] == f] for f in (0, 1)]
        total = sum(scores.values()) / len(scores)
        print(f"{setting:<22} dev {total:.4f} ({total - base:+.4f})  "
              f"fold0 {sum(folds[0]) / len(folds[0]):+.4f} ({len(folds[0])})  "
              f"fold1 {sum(folds[1]) / len(folds[1]):+.4f} ({len(folds[1])})", flush=True)
        data.setdefault("sweep", {})[setting] = scores
        delta = [scores[q] - rows[q]["hybrid"] for q in ids]
        print("   rho(delta, stat): " + ", ".join(f"{n} {spearman([rows[q][n] for q in ids], delta):+.2f}"
                                                 for n in names), flush=True)
        out_path.write_text(json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
