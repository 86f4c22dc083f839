"""A fast bench for ranking levers: the retrievers' lists are computed once per query and cached in
memory, then any rescoring function is measured through the rest of the product's search (symbols
first, cited paragraph first, duplicate folding, the page) on the dev half of the UN set.

    python bench/rank_lab.py            # per-query nDCG@10 of keyword and hybrid, and the lever table

Only for tuning on the dev half: figures reported in the README come from bench/quality.py.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import quality as q  # noqa: E402
from embed_cache import CachedEmbedder  # noqa: E402
from metrics import mean, ndcg  # noqa: E402

from index.embedder import Embedder, default_model_path  # noqa: E402
from index.fusion import Candidate, Evidence, Fused, boosted, dbsf_scale, evidence, fuse  # noqa: E402
from index.query import QueryAnalysis, stems  # noqa: E402
from index.search import MANDATE_KINDS, PassageReads, SearchConfig, SearchEngine, SearchRequest  # noqa: E402
from index.snapshot import IndexHolder, IndexSnapshot  # noqa: E402
from index.types import Filters, StoredChunk  # noqa: E402


@dataclass
class Features:
    """What a rescoring function sees of one candidate."""

    chunk_id: int
    kw: float  # DBSF-scaled keyword score (0 when keyword search did not find it)
    sem: float  # DBSF-scaled semantic score
    cos: float  # raw cosine (0 when not found)
    kw_rank: int  # 1-based, 0 when absent
    sem_rank: int
    ev: Evidence
    stored: StoredChunk
    doc_type: str
    title: str
    source: str = ""
    kw_raw: float = 0.0


Rescore = Callable[[QueryAnalysis, Mapping[str, Sequence[tuple[int, float]]], list[Features]], Fused]


def default_rescore(analysis: QueryAnalysis, scored: Mapping, feats: list[Features]) -> Fused:
    """The product's ranking today."""
    config = SearchConfig()
    if not config.boosts.any() or not analysis.terms:
        return fuse(scored, config.fusion)
    return boosted(scored, config.fusion, config.boosts, {f.chunk_id: f.ev for f in feats})


class LabEngine(SearchEngine):
    """The product's engine with retrieval cached and the fusion step replaced by `rescore`."""

    def __init__(self, holder: IndexHolder, embedder: Embedder) -> None:
        super().__init__(holder, embedder)
        self.cache: dict[tuple, tuple[dict, list[Features]]] = {}
        self.rescore: Rescore = default_rescore

    def _fused(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters, depth: int,
               reads: PassageReads) -> Fused:
        key = (analysis.text, filters, depth)
        if key not in self.cache:
            scored: dict = {"keyword": snapshot.store.keyword_search(analysis, depth, filters,
                                                                       self.config.field_weights)}
            if analysis.semantic_text:
                allowed = None if filters.is_empty() else snapshot.store.filtered_chunk_ids(filters)
                scores, ids = snapshot.vectors.search(self.embedder.encode_query(analysis.semantic_text), depth,
                                                      allowed)
                scored["semantic"] = [(int(i), float(s)) for i, s in zip(ids, scores, strict=True) if s >= 0.30]
            candidates = list(dict.fromkeys(i for items in scored.values() for i, _ in items))
            chunks = reads(candidates)
            docs = snapshot.store.get_documents(c.chunk.doc_id for c in chunks.values())
            kw = dict(dbsf_scale(scored["keyword"]))
            sem = dict(dbsf_scale(scored.get("semantic", [])))
            cos = dict(scored.get("semantic", []))
            kwraw = dict(scored["keyword"])
            kwr = {i: n for n, (i, _) in enumerate(scored["keyword"], 1)}
            semr = {i: n for n, (i, _) in enumerate(scored.get("semantic", []), 1)}
            feats = []
            for i in candidates:
                if i not in chunks:
                    continue
                c = chunks[i]
                d = docs[c.chunk.doc_id]
                ev = evidence(analysis.terms, stems(" ".join([*c.chunk.heading_path, c.chunk.text])))._replace(
                    mandate=float(analysis.asks_mandate and c.chunk.kind in MANDATE_KINDS))
                feats.append(Features(i, kw.get(i, 0.0), sem.get(i, 0.0), cos.get(i, 0.0), kwr.get(i, 0),
                                      semr.get(i, 0), ev, c, d.doc_type, d.title, d.source, kwraw.get(i, 0.0)))
            self.cache[key] = (scored, feats)
        scored, feats = self.cache[key]
        if mode == "keyword":
            return fuse({"keyword": scored["keyword"]}, self.config.fusion)
        if mode == "semantic":
            return fuse({"semantic": scored.get("semantic", [])}, self.config.fusion)
        return self.rescore(analysis, scored, feats)


def linear(weights: Mapping[str, float], extra: Callable[[QueryAnalysis, Features], float] | None = None) -> Rescore:
    """A rescoring: kw_w * kw + sem_w * sem + cov * coverage + prox * proximity (+ extra)."""
    def rescore(analysis: QueryAnalysis, scored: Mapping, feats: list[Features]) -> Fused:
        out = []
        for f in feats:
            s = (weights.get("kw", 2.0) * f.kw + weights.get("sem", 1.0) * f.sem
                 + (weights.get("cov", 1.0) * f.ev.coverage + weights.get("prox", 1.0) * f.ev.proximity
                    if analysis.terms else 0.0))
            if extra:
                s += extra(analysis, f)
            out.append(Candidate(f.chunk_id, s, tuple(n for n, v in (("keyword", f.kw_rank), ("semantic", f.sem_rank))
                                                        if v)))
        return sorted(out, key=lambda c: -c.score)
    return rescore


class Lab:
    def __init__(self, half: str = "dev") -> None:
        inner = Embedder(default_model_path())
        self.embedder = CachedEmbedder(inner, q.CACHE / "embeddings.sqlite")
        self.dataset = q.coop_sets(half)["un"]
        index_dir = q.cached_index("un", q.COOP_SOURCES["un"], q.COOP_CODE, self.embedder)
        self.engine = LabEngine(IndexHolder(index_dir, self.embedder.info), self.embedder)

    def per_query(self, mode: str = "hybrid", rescore: Rescore | None = None) -> dict[str, float]:
        self.engine.rescore = rescore or default_rescore
        out = {}
        for qid, text in self.dataset.queries():
            hits = list(self.engine.search(SearchRequest(query=text, k=100, mode=mode)).hits)
            judged = self.dataset.judge(qid, hits)
            out[qid] = ndcg(judged.gains, judged.ideal, 10)
        return out

    def by_kind(self, scores: Mapping[str, float]) -> dict[str, float]:
        kinds: dict[str, list[float]] = {}
        for qid, v in scores.items():
            kinds.setdefault(self.dataset.items[qid].kind, []).append(v)
            kinds.setdefault("all", []).append(v)
        return {k: round(mean(v), 4) for k, v in sorted(kinds.items())}


MANDATE_WORDS = re.compile(r"\b(decid|decision|request|recall|call(ed|s)? (up)?on|urg|invit|mandate|resolution|"
                           r"adopt|endors|encourag|reaffirm|welcom|stress|emphasi)", re.I)


if __name__ == "__main__":
    lab = Lab()
    kw = lab.per_query("keyword")
    hy = lab.per_query("hybrid")
    print("keyword", lab.by_kind(kw))
    print("hybrid ", lab.by_kind(hy))
    worse = sorted(hy, key=lambda k: hy[k] - kw[k])
    for qid in worse[:40]:
        item = lab.dataset.items[qid]
        print(f"{qid:10} {item.kind:10} kw {kw[qid]:.3f} hy {hy[qid]:.3f}  {item.query}")
