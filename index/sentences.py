"""Sentence-level semantic evidence: a passage is also as close to the query as its closest sentence.

A long passage's one vector averages its sentences; a fact question is often answered by a single
sentence among others about something else. Re-scoring the best fused candidates by their best
sentence's cosine (sentences embedded at query time) was measured on the UN set's dev half (README,
"Search quality"); it is off by default (`SearchConfig.sentence_rerank`), because it embeds about 30
sentences a query, and storing sentence vectors at ingest would multiply the vectors about 2.2 times.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from index.embedder import Embedder
from index.fusion import Candidate, Fused

MIN_WORDS = 4  # shorter pieces ("Annex", "(b)") say too little to be scored alone


@lru_cache(maxsize=1)
def _segmenter() -> Any:  # pysbd ships no types; the same settings as ingest.chunking's
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def sentences(text: str) -> list[str]:
    """The passage's sentences of at least MIN_WORDS words, or the whole passage when it has none."""
    found = [s.strip() for s in _segmenter().segment(text) if len(s.split()) >= MIN_WORDS]
    return found or [text]


def best_sentence_similarity(embedder: Embedder, query_vector: np.ndarray, texts: Sequence[str]) -> list[float]:
    """For each text, the highest cosine between the query and one of its sentences."""
    split = [sentences(t) for t in texts]
    flat = [s for pieces in split for s in pieces]
    if not flat:
        return []
    similarity = embedder.encode(flat) @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
    out, start = [], 0
    for pieces in split:
        out.append(float(similarity[start:start + len(pieces)].max()))
        start += len(pieces)
    return out


def rescored(fused: Fused, best: dict[int, float], weight: float) -> Fused:
    """Candidates with weight x their best sentence's cosine added (those in `best`: the head of the
    ranking that was scored; the rest get nothing), sorted again."""
    return sorted((Candidate(c.chunk_id, c.score + weight * best.get(c.chunk_id, 0.0), c.retrievers) for c in fused),
                  key=lambda c: -c.score)
