"""Sentences as a retriever of their own (issue 11's "smaller indexed units shown with their paragraph"):
the prototype measured by bench/quality.py's `hybrid sentence-retriever …` levers (dev half only).

All sentence vectors stored at ingest (`chunk_sentences`) are held in one float32 matrix; the query's
top-M sentences are found exactly (matrix @ query), each mapped to its passage (the passage's best
sentence among them). Two ways of using them:

- "list": a third ranked list in the fusion (DBSF-scaled like the others, with its own weight);
- "add": the passages the sentences found only added to the semantic list, at their own cosine;
- "max": the semantic list's score is max(passage cosine, best sentence cosine), with the passages the
  sentences found added to it (their own cosine read from the engine).

The rest of the search (keyword, boosts, re-scoring of the head, duplicates) is the product's.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import ModelLoadError
from index.fusion import FusionConfig, fuse
from index.query import QueryAnalysis
from index.search import _RETRIEVERS, PassageReads, SearchConfig, SearchEngine
from index.sentences import from_blob
from index.snapshot import IndexHolder, IndexSnapshot
from index.types import Filters


class SentenceMatrix:
    """Every stored sentence vector of one generation, with the passage each belongs to."""

    def __init__(self, snapshot: IndexSnapshot, dimension: int) -> None:
        rows = snapshot.store.conn.execute("SELECT chunk_id, vectors FROM chunk_sentences ORDER BY chunk_id")
        blocks, owners = [], []
        for chunk_id, blob in rows:
            matrix = from_blob(blob, dimension)
            blocks.append(matrix)
            owners.append(np.full(len(matrix), int(chunk_id), dtype=np.int64))
        self.matrix = np.vstack(blocks) if blocks else np.zeros((0, dimension), dtype=np.float32)
        self.owners = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
        self.rows: dict[int, tuple[int, int]] = {}
        start = 0
        for block, owner in zip(blocks, owners, strict=True):
            self.rows[int(owner[0])] = (start, start + len(block))
            start += len(block)

    def top(self, query: np.ndarray, sentences: int) -> list[tuple[int, float]]:
        """The passages of the query's best `sentences` sentences, each with its best one's cosine, best first."""
        if not len(self.matrix):
            return []
        scores = self.matrix @ query
        m = min(sentences, len(scores))
        picked = np.argpartition(-scores, m - 1)[:m]
        picked = picked[np.argsort(-scores[picked], kind="stable")]
        out: dict[int, float] = {}
        for row in picked:
            out.setdefault(int(self.owners[row]), float(scores[row]))
        return list(out.items())

    def best(self, chunk_id: int, query: np.ndarray) -> float | None:
        """The passage's best sentence cosine, or None when it has no stored sentences."""
        span = self.rows.get(chunk_id)
        return None if span is None else float((self.matrix[span[0]:span[1]] @ query).max())


@dataclass(frozen=True)
class ThreeLists(FusionConfig):
    """The product's fusion with a third list's weight."""

    sentence_list_weight: float = 1.0

    def weights(self) -> dict[str, float]:
        return {**super().weights(), "sentence": self.sentence_list_weight}


_MATRICES: dict[Path, SentenceMatrix] = {}


class SentenceRetrievalEngine(SearchEngine):
    """SearchEngine whose hybrid and semantic modes also retrieve by sentence ("list" or "max", see the module)."""

    def __init__(self, holder: IndexHolder, embedder, config: SearchConfig, how: str, sentences: int,
                 weight: float = 1.0) -> None:
        super().__init__(holder, embedder, config=config)
        self.how, self.sentences, self.weight = how, sentences, weight
        if how == "list":
            self.config = SearchConfig(**{**self.config.__dict__,
                                          "fusion": ThreeLists(**self.config.fusion.__dict__,
                                                               sentence_list_weight=weight)})

    def _matrix(self, snapshot: IndexSnapshot, dimension: int) -> SentenceMatrix:
        if snapshot.store_path not in _MATRICES:
            _MATRICES[snapshot.store_path] = SentenceMatrix(snapshot, dimension)
        return _MATRICES[snapshot.store_path]

    def _fused(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters, depth: int,
               reads: PassageReads):
        # the product's _fused, with the sentence retriever added where marked
        scored: dict[str, Sequence[tuple[int, float]]] = {}
        semantic = mode in ("hybrid", "semantic") and bool(analysis.semantic_text)
        boosting = mode == "hybrid" and self.config.boosts.any() and bool(analysis.terms)
        keyword = None
        if mode in ("hybrid", "keyword"):
            if semantic and self.config.parallel_retrieval:
                keyword = _RETRIEVERS.submit(self._keyword, snapshot, analysis, depth, filters, boosting)
            else:
                scored["keyword"] = self._keyword(snapshot, analysis, depth, filters, False)
        semantic_hits = None
        query_vector = None
        near: list[tuple[int, float]] = []
        floor = self.semantic_floor
        if semantic:
            if self.embedder is None:
                raise ModelLoadError(f"{mode} search needs the embedding model, and none was loaded")
            query_vector = self.embedder.encode_query(analysis.semantic_text)
            near = snapshot.engine.vector_search(query_vector, depth, filters)
            semantic_hits = [(i, s) for i, s in near if s >= floor]
        if keyword is not None:
            scored["keyword"] = keyword.result()
        if semantic_hits is not None:
            scored["semantic"] = semantic_hits
        # -- the sentence retriever (hybrid only; no filters in the bench) --
        if mode in ("hybrid", "semantic") and query_vector is not None:
            query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
            matrix = self._matrix(snapshot, query.size)
            found = [(i, s) for i, s in matrix.top(query, self.sentences) if s >= floor]
            if self.how == "list":
                scored["sentence"] = found
            else:  # "max": one semantic list, each passage at max(own cosine, best sentence cosine);
                # "add": the sentences' passages only added to the semantic list, at their own cosine
                merged: dict[int, float] = {}
                for i, s in semantic_hits or []:
                    b = matrix.best(i, query) if self.how == "max" else None
                    merged[i] = s if b is None else max(s, b)
                for i, s in found:
                    if i not in merged:
                        own = float(np.asarray(snapshot.engine.get(i), dtype=np.float32) @ query)
                        merged[i] = max(own, s) if self.how == "max" else own
                scored["semantic"] = sorted(merged.items(), key=lambda item: -item[1])
        fused = self._boosted(snapshot, analysis, scored, reads) if boosting else fuse(scored, self.config.fusion)
        if mode == "hybrid" and self.config.sentence_rerank and query_vector is not None:
            fused = self._sentence_scored(snapshot, fused, query_vector, dict(near))
        return fused
