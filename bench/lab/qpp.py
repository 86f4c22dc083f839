"""Query-performance-prediction (QPP) weighted fusion (issue 11, UN dev half only): the prototype measured
by bench/quality.py's `hybrid qpp …` levers.

Why: of the 20 dev queries where hybrid loses 0.05 or more to keyword, 16 have the answer pushed from
keyword's first place to 2nd–8th by semantically generic passages. Whether a retriever's list is worth
trusting for this query can be read from the list itself, before fusion (the QPP literature: a clear gap
between the first score and the rest, Normalised Query Commitment, Weighted Information Gain). Each rule
sets the query's keyword and semantic fusion weights (DBSF, the product's 2 : 1 as the base) from one
statistic of the raw lists, with one or two parameters, or protects keyword's first passage:

- "kw-z": keyword weight x (1 + a x max(0, z - t)), z = keyword's (top1 - top2) / sd of its list;
- "kw-z1": the same with z = (top1 - mean) / sd of keyword's list (how far its first stands out);
- "kw-nqc": keyword weight x (1 + a x max(0, nqc - t)), nqc = sd / mean of keyword's first 10 scores;
- "sem-gap": semantic weight x max(a, min(1, (cos1 - cos2) / t)) (a flat semantic list counts less, at
  least a x its weight);
- "sem-gap3": the same with cos1 - cos3 (a duplicate of the best neighbour does not make the list flat);
- "sem-gap+kw-nqc": "sem-gap" (t) and "kw-nqc" (a, its threshold 0.17) together;
- "sem-gap+sentences": "sem-gap", and the head's sentence re-scoring (semantic evidence too) weighed alike;
- "sem-zgap": the same with (cos1 - cos2) / sd of the semantic list (scale-free: another model's cosines);
- "sem-top": semantic weight x min(1, max(0, cos1 - t) / a) (a low best cosine counts less);
- "agree": keyword weight x (1 + a x (1 - overlap@10)) (the lists disagree: trust keyword more);
- "protect": after the whole ranking, keyword's first passage goes first when its z (as "kw-z") >= t.

The rest is the product's search (boosts, the head's sentence re-scoring, duplicates, symbols).
`stats(scored)` is also used by bench/lab/qpp_stats.py to look at the dev data before sweeping.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from index.fusion import Candidate, Fused, FusionConfig, boosted
from index.query import QueryAnalysis
from index.search import KeywordSide, PassageReads, SearchConfig, SearchEngine, SearchRequest
from index.snapshot import IndexHolder, IndexSnapshot
from index.types import Filters, SearchResult

RULES = ("none", "fixed", "kw-z", "kw-z1", "kw-nqc", "sem-gap", "sem-zgap", "sem-top", "agree", "protect",
         "sem-gap3", "sem-gap+kw-nqc", "sem-gap+sentences")


def _moments(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    mu = sum(values) / len(values)
    return mu, math.sqrt(sum((v - mu) ** 2 for v in values) / len(values))


def stats(scored: dict[str, Sequence[tuple[int, float]]]) -> dict[str, float]:
    """Per-query statistics of the retrievers' raw lists (keyword: BM25; semantic: cosines)."""
    out: dict[str, float] = {}
    for name, short in (("keyword", "kw"), ("semantic", "sem")):
        items = list(scored.get(name) or [])
        values = [s for _, s in items]
        mu, sd = _moments(values)
        top = values[0] if values else 0.0
        second = values[1] if len(values) > 1 else top
        top10 = values[:10]
        mu10, sd10 = _moments(top10)
        top5 = values[:5]
        out[f"{short}_n"] = len(values)
        out[f"{short}_top1"] = top
        out[f"{short}_gap"] = top - second
        out[f"{short}_gap3"] = top - (values[2] if len(values) > 2 else second)
        out[f"{short}_ratio"] = top / second if second > 0 else 1.0
        out[f"{short}_zgap"] = (top - second) / sd if sd > 0 else 0.0
        out[f"{short}_z1"] = (top - mu) / sd if sd > 0 else 0.0
        out[f"{short}_sd"] = sd
        out[f"{short}_nqc"] = sd10 / mu10 if mu10 > 0 else 0.0
        out[f"{short}_wig"] = ((sum(top5) / len(top5)) - mu) / sd if sd > 0 and top5 else 0.0
    keyword = [i for i, _ in scored.get("keyword") or []]
    semantic = [i for i, _ in scored.get("semantic") or []]
    out["overlap10"] = len(set(keyword[:10]) & set(semantic[:10])) / 10
    out["same_top1"] = float(bool(keyword and semantic and keyword[0] == semantic[0]))
    out["kw1_in_sem"] = float(semantic.index(keyword[0]) + 1 if keyword and keyword[0] in semantic else 101)
    return out


def weights(rule: str, a: float, t: float, s: dict[str, float], base: FusionConfig) -> tuple[float, float]:
    """The query's (keyword, semantic) fusion weights under a rule (module docstring)."""
    kw, sem = base.keyword_weight, base.semantic_weight
    if rule == "fixed":  # the analysis's reference: constant weights a : t
        return a, t
    if rule == "kw-z":
        kw *= 1 + a * max(0.0, s["kw_zgap"] - t)
    elif rule == "kw-z1":
        kw *= 1 + a * max(0.0, s["kw_z1"] - t)
    elif rule == "kw-nqc":
        kw *= 1 + a * max(0.0, s["kw_nqc"] - t)
    elif rule == "sem-gap":
        sem *= max(a, min(1.0, s["sem_gap"] / t)) if t > 0 else 1.0
    elif rule == "sem-gap3":  # the gap to the third: one duplicate of the best neighbour does not flatten it
        sem *= max(a, min(1.0, s["sem_gap3"] / t)) if t > 0 else 1.0
    elif rule == "sem-gap+kw-nqc":  # both weak signals together: sem-gap (t) and kw-nqc (a, threshold 0.17)
        sem *= min(1.0, s["sem_gap"] / t) if t > 0 else 1.0
        kw *= 1 + a * max(0.0, s["kw_nqc"] - 0.17)
    elif rule == "sem-gap+sentences":  # "sem-gap"; the head's sentence evidence scaled alike (QppEngine)
        sem *= max(a, min(1.0, s["sem_gap"] / t)) if t > 0 else 1.0
    elif rule == "sem-zgap":
        sem *= max(a, min(1.0, s["sem_zgap"] / t)) if t > 0 else 1.0
    elif rule == "sem-top":
        sem *= min(1.0, max(0.0, s["sem_top1"] - t) / a) if a > 0 else 1.0
    elif rule == "agree":
        kw *= 1 + a * (1 - s["overlap10"])
    return kw, sem


class QppEngine(SearchEngine):
    """The product's search with query-dependent fusion weights (module docstring); `record`: a dict the
    statistics and weights of each query's first search are written to, by query text (the analysis)."""

    def __init__(self, holder: IndexHolder, embedder, config: SearchConfig,  # type: ignore[no-untyped-def]
                 rule: str = "none", a: float = 0.0, t: float = 0.0, record: dict | None = None) -> None:
        super().__init__(holder, embedder, config=config)
        if rule not in RULES:
            raise ValueError(f"unknown QPP rule {rule!r}; use one of {', '.join(RULES)}")
        self.rule, self.a, self.t, self.record = rule, a, t, record
        self._query = ""
        self._keyword_first: int | None = None
        self._sentence_factor = 1.0  # "sem-gap+sentences": this query's semantic weight / the configured one

    def _boosted(self, snapshot: IndexSnapshot, analysis: QueryAnalysis,  # type: ignore[override]
                 scored: dict[str, Sequence[tuple[int, float]]], reads: PassageReads,
                 prepared: KeywordSide | None) -> Fused:
        s = stats(scored)
        kw, sem = weights(self.rule, self.a, self.t, s, self.config.fusion)
        self._sentence_factor = sem / self.config.fusion.semantic_weight if self.rule == "sem-gap+sentences" else 1.0
        keyword = scored.get("keyword") or []
        self._keyword_first = keyword[0][0] if keyword and self.rule == "protect" and s["kw_zgap"] >= self.t \
            else None
        if self.record is not None and self._query not in self.record:
            self.record[self._query] = {**s, "w_kw": kw, "w_sem": sem}
        candidates = list(dict.fromkeys(i for items in scored.values() for i, _ in items))
        if prepared is not None:
            found = {**prepared.evidence, **self._evidence(snapshot, analysis, prepared.weights, reads,
                                                           [i for i in candidates if i not in prepared.evidence])}
        else:
            found = self._evidence(snapshot, analysis, None, reads, candidates)
        fusion = replace(self.config.fusion, keyword_weight=kw, semantic_weight=sem)
        return boosted(scored, fusion, self.config.boosts, found)

    def _sentence_scored(self, snapshot: IndexSnapshot, fused: Fused, query_vector,  # type: ignore[no-untyped-def,override]
                         own: dict[int, float], prepared: KeywordSide | None = None) -> Fused:
        if self._sentence_factor == 1.0:
            return super()._sentence_scored(snapshot, fused, query_vector, own, prepared)
        saved = self.config  # the bench searches one query at a time: this query's sentence weight, then back
        self.config = replace(saved, sentence_weight=saved.sentence_weight * self._sentence_factor)
        try:
            return super()._sentence_scored(snapshot, fused, query_vector, own, prepared)
        finally:
            self.config = saved

    def search(self, request: SearchRequest) -> SearchResult:
        self._query = request.query
        return super().search(request)

    def _fused(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters,  # type: ignore[override]
               depth: int, reads: PassageReads, page_end: int = 10, side=None) -> Fused:  # type: ignore[no-untyped-def]
        self._keyword_first = None
        self._sentence_factor = 1.0
        fused = super()._fused(snapshot, analysis, mode, filters, depth, reads, page_end, side)
        first = self._keyword_first
        if mode != "hybrid" or first is None or not fused or fused[0].chunk_id == first:
            return fused
        top = fused[0].score
        moved = [c for c in fused if c.chunk_id == first]
        if not moved:
            return fused
        return [Candidate(first, top + 1e-3 * max(abs(top), 1.0), moved[0].retrievers),
                *(c for c in fused if c.chunk_id != first)]
