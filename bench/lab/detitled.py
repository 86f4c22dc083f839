"""Semantic scores without the shared title (issue 11, UN dev half only): the prototype measured by
bench/quality.py's `… detitled …` levers.

Why: every passage is embedded as "title — heading\\npassage" (index.build.embedding_text), so all the
passages of a document whose title matches the question share that part of their similarity. On the dev
half's losses to keyword, passages of the answer's own document that say nothing of the question rank
above it on semantic evidence. Here each semantic neighbour's cosine is taken against its vector with
beta x the vector of its context line (title and heading, embedded alone) removed:

    s' = (q.p - beta q.c) / |p - beta c|,   |p - beta c| = sqrt(1 - 2 beta p.c + beta^2)

(p, c and q unit vectors), and the list is re-sorted. beta = 0 is the product. The similarity floor is
held to the plain cosine, as in the product. The rest is the product's search (fusion, boosts, the head's
sentence re-scoring, which counts the adjusted cosine for a passage without stored sentences).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from index.build import embedding_text
from index.query import QueryAnalysis
from index.search import PassageReads, SearchConfig, SearchEngine
from index.snapshot import IndexHolder, IndexSnapshot
from index.types import Filters


class DetitledEngine(SearchEngine):
    """The product's search with each semantic neighbour's context line partly removed (module docstring)."""

    def __init__(self, holder: IndexHolder, embedder, config: SearchConfig, beta: float) -> None:  # type: ignore[no-untyped-def]
        super().__init__(holder, embedder, config=config)
        self.floor = self.semantic_floor  # held to the plain cosine here; the product's own check is switched off
        self.config = replace(config, semantic_floor=-1.0)
        self.beta = beta
        self._contexts: dict[str, np.ndarray] = {}

    def _context_vectors(self, lines: list[str]) -> dict[str, np.ndarray]:
        missing = [line for line in dict.fromkeys(lines) if line not in self._contexts]
        if missing:
            self._contexts.update(zip(missing, self.embedder.encode(missing), strict=True))
        return {line: self._contexts[line] for line in lines}

    def _detitled(self, snapshot: IndexSnapshot, near: list[tuple[int, float]], query: np.ndarray
                  ) -> list[tuple[int, float]]:
        kept = [(i, s) for i, s in near if s >= self.floor]
        if not kept or not self.beta:
            return kept
        chunks = snapshot.store.get_chunks([i for i, _ in kept])
        documents = snapshot.store.get_documents({c.chunk.doc_id for c in chunks.values()})
        line: dict[int, str] = {}
        for i, stored in chunks.items():
            text = embedding_text(documents[stored.chunk.doc_id], stored.chunk)
            if text != stored.chunk.text:
                line[i] = text.split("\n", 1)[0]
        vectors = self._context_vectors(list(line.values()))
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        out = []
        for i, s in kept:
            if i not in line:
                out.append((i, s))
                continue
            c = vectors[line[i]]
            p = np.asarray(snapshot.engine.get(i), dtype=np.float32)
            norm = float(np.sqrt(max(1e-6, 1 - 2 * self.beta * float(p @ c) + self.beta ** 2)))
            out.append((i, (s - self.beta * float(q @ c)) / norm))
        return sorted(out, key=lambda item: -item[1])

    def _fused(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters,  # type: ignore[override]
               depth: int, reads: PassageReads, page_end: int = 10, side=None):  # type: ignore[no-untyped-def]
        engine = snapshot.engine
        plain = engine.vector_search

        def search(query_vector, k, where):  # type: ignore[no-untyped-def]
            return self._detitled(snapshot, plain(query_vector, k, where), query_vector)

        engine.vector_search = search  # this search's only semantic call; the keyword thread makes none
        try:
            return super()._fused(snapshot, analysis, mode, filters, depth, reads, page_end, side)
        finally:
            del engine.vector_search
