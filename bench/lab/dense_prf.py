"""Dense pseudo-relevance feedback (Rocchio in embedding space; issue 11, UN dev half only): the prototype
measured by bench/quality.py's `hybrid dense-prf …` and `semantic dense-prf …` levers.

Why: the semantic side (all-MiniLM-L6-v2) is the weak retriever, and on fact questions keyword ranks the
answer 1st where fusion pushes it down behind semantically generic passages. After the first retrieval the
query vector is moved towards the vectors of the feedback passages,

    q' = normalise(alpha x q + (1 - alpha) x sum_i w_i x v_i)    (sum_i w_i = 1)

and q' serves the semantic side. Feedback ("source"): the first k passages of the keyword list ("kw": it
carries keyword's exact-term evidence into the semantic side), of the first fused ranking ("fused": the
product's boosted fusion and head re-scoring, as the page would show it), or of the semantic list itself
("sem": the only source semantic mode has; semantic mode with "kw" is a diagnostic of q''s own list).
Weights ("weights"): uniform, or by each passage's score in its list ("score": max(score, 0), normalised).
Use ("how"):

- "rescore": the candidates (the union of the keyword and semantic lists) re-scored by cos(q', p) form the
  semantic list (no new passages; keyword-only candidates gain a semantic score);
- "search": a second vector search with q' (the same depth) replaces the semantic list;
- "join": that search's list as a third fused list (weight 1, DBSF-scaled like the others).

The semantic floor applies to the q' cosines as it does to q's. The head's sentence re-scoring uses q (the
user's query) unless `rerank_prf` (then q'). Passage vectors come from the engine (`snapshot.engine.get`:
FAISS reconstruct embedded, a Milvus read); nothing is embedded but the query. The rest is the product's
search (index/search.py's `_fused`, copied here with the feedback step marked).
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace

import numpy as np

from index.errors import ModelLoadError
from index.fusion import Fused, FusionConfig, fuse
from index.query import QueryAnalysis
from index.search import _RETRIEVERS, KeywordSide, PassageReads, SearchConfig, SearchEngine
from index.snapshot import IndexHolder, IndexSnapshot
from index.types import Filters

SOURCES = ("kw", "fused", "sem")
HOWS = ("rescore", "search", "join")


@dataclass(frozen=True)
class Feedback:
    """One dense-PRF setting (module docstring)."""

    source: str = "kw"
    k: int = 3
    alpha: float = 0.7
    weights: str = "uniform"  # or "score"
    how: str = "search"
    rerank_prf: bool = False

    def __post_init__(self) -> None:
        if self.source not in SOURCES or self.how not in HOWS or self.weights not in ("uniform", "score"):
            raise ValueError(f"unknown dense-prf setting {self}")
        if self.k < 1 or not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"dense-prf needs k >= 1 and 0 <= alpha <= 1, got {self}")

    def name(self) -> str:
        return (f"{self.source} k{self.k} a{self.alpha:g} {self.weights} {self.how}"
                + (" rerank q'" if self.rerank_prf else ""))


@dataclass(frozen=True)
class WithPrfList(FusionConfig):
    """The product's fusion with the feedback search's list as a third one ("join")."""

    prf_weight: float = 1.0

    def weights(self) -> dict[str, float]:
        return {**super().weights(), "prf": self.prf_weight}


def moved_query(query: np.ndarray, vectors: list[np.ndarray], weights: list[float], alpha: float) -> np.ndarray:
    """normalise(alpha x q + (1 - alpha) x the weighted mean of the feedback vectors)."""
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    if not vectors:
        return q
    w = np.asarray(weights, dtype=np.float32)
    w = w / w.sum() if w.sum() > 0 else np.full(len(vectors), 1.0 / len(vectors), dtype=np.float32)
    centroid = (w[:, None] * np.vstack([np.asarray(v, dtype=np.float32).reshape(-1) for v in vectors])).sum(axis=0)
    moved = alpha * q + (1.0 - alpha) * centroid
    norm = float(np.linalg.norm(moved))
    return moved / norm if norm > 0 else q


class DensePrfEngine(SearchEngine):
    """The product's search with dense pseudo-relevance feedback on the semantic side (module docstring)."""

    def __init__(self, holder: IndexHolder, embedder, config: SearchConfig,  # type: ignore[no-untyped-def]
                 feedback: Feedback) -> None:
        if feedback.how == "join":
            config = replace(config, fusion=WithPrfList(**config.fusion.__dict__))
        super().__init__(holder, embedder, config=config)
        self.feedback = feedback

    def _vectors(self, snapshot: IndexSnapshot, ids: Sequence[int]) -> dict[int, np.ndarray]:
        out = {}
        for i in ids:
            try:
                out[i] = np.asarray(snapshot.engine.get(i), dtype=np.float32).reshape(-1)
            except KeyError:  # not in this generation's vectors
                continue
        return out

    def _prf(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters, depth: int,
             reads: PassageReads, scored: dict[str, Sequence[tuple[int, float]]], query_vector: np.ndarray,
             near: list[tuple[int, float]], boosting: bool, prepared: KeywordSide | None
             ) -> tuple[dict[str, Sequence[tuple[int, float]]], np.ndarray]:
        """The lists with the semantic side moved by the feedback, and q'."""
        fb = self.feedback
        source = "sem" if mode == "semantic" and fb.source == "fused" else fb.source
        if source == "kw":  # semantic mode with keyword feedback: a diagnostic (how good is q''s list alone?)
            found: Sequence[tuple[int, float]] = (scored["keyword"] if "keyword" in scored
                                                  else self._keyword(snapshot, analysis, depth, filters, False))
        elif source == "sem":
            found = scored.get("semantic") or []
        else:  # the first ranking, as the product makes it
            first = (self._boosted(snapshot, analysis, scored, reads, prepared) if boosting
                     else fuse(scored, self.config.fusion))
            if self.config.sentence_rerank:
                first = self._sentence_scored(snapshot, first, query_vector, dict(near), prepared)
            found = [(c.chunk_id, c.score) for c in first]
        top = list(found[:fb.k])
        vectors = self._vectors(snapshot, [i for i, _ in top])
        used = [(i, s) for i, s in top if i in vectors]
        if not used:
            return scored, np.asarray(query_vector, dtype=np.float32).reshape(-1)
        weights = [1.0] * len(used) if fb.weights == "uniform" else [max(s, 0.0) for _, s in used]
        moved = moved_query(query_vector, [vectors[i] for i, _ in used], weights, fb.alpha)
        floor = self.semantic_floor
        out = dict(scored)
        if fb.how == "rescore":
            pool = list(dict.fromkeys(i for items in scored.values() for i, _ in items))
            pooled = self._vectors(snapshot, pool)
            cosines = sorted(((i, float(v @ moved)) for i, v in pooled.items()), key=lambda item: -item[1])
            out["semantic"] = [(i, s) for i, s in cosines if s >= floor]
        else:
            again = [(i, s) for i, s in snapshot.engine.vector_search(moved, depth, filters) if s >= floor]
            out["prf" if fb.how == "join" else "semantic"] = again
        return out, moved

    def _fused(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters,  # type: ignore[override]
               depth: int, reads: PassageReads, page_end: int = 10, side: list[KeywordSide] | None = None) -> Fused:
        # index/search.py's SearchEngine._fused, with the feedback step where marked
        scored: dict[str, Sequence[tuple[int, float]]] = {}
        semantic = mode in ("hybrid", "semantic") and bool(analysis.semantic_text)
        boosting = mode == "hybrid" and self.config.boosts.any() and bool(analysis.terms)
        keyword: Future[KeywordSide] | None = None
        plain: Future[list[tuple[int, float]]] | None = None
        prepared: KeywordSide | None = None
        embedded = threading.Event()
        if mode in ("hybrid", "keyword"):
            if semantic and self.config.parallel_retrieval and self.config.overlap:
                keyword = _RETRIEVERS.submit(self._keyword_side, snapshot, analysis, depth, filters, boosting,
                                             page_end, embedded)
            elif semantic and self.config.parallel_retrieval:
                plain = _RETRIEVERS.submit(self._keyword, snapshot, analysis, depth, filters, boosting)
            else:
                scored["keyword"] = self._keyword(snapshot, analysis, depth, filters, False)
        semantic_hits: list[tuple[int, float]] | None = None
        query_vector: np.ndarray | None = None
        near: list[tuple[int, float]] = []
        if semantic:
            if self.embedder is None:
                raise ModelLoadError(f"{mode} search needs the embedding model, and none was loaded")
            try:
                query_vector = self.embedder.encode_query(analysis.semantic_text)
            finally:
                embedded.set()
            near = snapshot.engine.vector_search(query_vector, depth, filters)
            floor = self.semantic_floor
            semantic_hits = [(i, s) for i, s in near if s >= floor]
        if plain is not None:
            scored["keyword"] = plain.result()
        if keyword is not None:
            prepared = keyword.result()
            scored["keyword"] = prepared.found
            reads.add(prepared.chunks)
            if side is not None:
                side.append(prepared)
        if semantic_hits is not None:
            scored["semantic"] = semantic_hits
        # -- the feedback step: only when the query has semantic matches at all (the floor's "no match") --
        rerank_vector = query_vector
        if query_vector is not None and semantic_hits:
            scored, moved = self._prf(snapshot, analysis, mode, filters, depth, reads, scored, query_vector, near,
                                      boosting, prepared)
            if mode == "semantic":
                return fuse(scored, self.config.fusion)
            if self.feedback.rerank_prf:
                rerank_vector = moved
                near = [(i, s) for i, s in scored.get("semantic", [])]
        # -- the product's again --
        fused = (self._boosted(snapshot, analysis, scored, reads, prepared) if boosting
                 else fuse(scored, self.config.fusion))
        if mode == "hybrid" and self.config.sentence_rerank and rerank_vector is not None:
            fused = self._sentence_scored(snapshot, fused, rerank_vector, dict(near), prepared)
        return fused
