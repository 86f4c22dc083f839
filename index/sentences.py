"""Sentence-level semantic evidence: a passage is also as close to the query as its closest sentence.

A long passage's one vector averages its sentences; a fact question is often answered by a single
sentence among others about something else. At ingest, the sentences of every passage of more than one
sentence are embedded (the same model and precision as the passages) and stored in the generation's
store (`chunk_sentences`: one int8 matrix per passage, with a scale per row), so they follow the store through the
generations and are deleted with their document. At query time the best fused candidates are re-scored
by their best sentence's cosine, read from the store in one query: nothing is embedded but the query.
A passage without stored sentences (one sentence, or an index built before them or without them)
counts its own cosine; an index without any stored sentences is ranked as before.
Measured in README, "Search quality".
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from index.fusion import Candidate, Fused

MIN_WORDS = 4  # shorter pieces ("Annex", "(b)") say too little to be scored alone
STORED_DTYPE = np.float16  # of the sentence vectors a writer records for replay (index.store_changes)


@lru_cache(maxsize=1)
def _segmenter() -> Any:  # pysbd ships no types; the same settings as ingest.chunking's
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def sentences(text: str) -> list[str]:
    """The passage's sentences of at least MIN_WORDS words, or the whole passage when it has none."""
    found = [s.strip() for s in _segmenter().segment(text) if len(s.split()) >= MIN_WORDS]
    return found or [text]


def stored_sentences(text: str) -> list[str]:
    """The sentences stored for a passage: none when it is one sentence (its own vector says as much)."""
    found = sentences(text)
    return found if len(found) > 1 else []


def sentence_vectors(encode: Callable[[list[str]], np.ndarray], texts: Sequence[str]) -> list[np.ndarray | None]:
    """For each passage text, its sentences' unit vectors (None for a one-sentence passage), embedded
    in one call of `encode` (the embedder the passages were embedded with)."""
    split = [stored_sentences(t) for t in texts]
    flat = [s for pieces in split for s in pieces]
    matrix = encode(flat) if flat else np.zeros((0, 0), dtype=np.float32)
    out: list[np.ndarray | None] = []
    start = 0
    for pieces in split:
        out.append(matrix[start:start + len(pieces)] if pieces else None)
        start += len(pieces)
    return out


def to_blob(matrix: np.ndarray) -> bytes:
    """A passage's sentence vectors as stored: each row's scale (float32, its largest magnitude / 127), then
    the rows as int8 (row-major). A quarter of float32's bytes; on the UN set's dev half the ranking is the
    same as with float16 (README, "Search quality")."""
    rows = np.asarray(matrix, dtype=np.float32)
    scale = np.abs(rows).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    quantised = np.clip(np.round(rows / scale), -127, 127).astype(np.int8)
    return scale.astype(np.float32).tobytes() + quantised.tobytes()


def from_blob(blob: bytes, dimension: int) -> np.ndarray:
    """The stored sentence vectors of one passage, float32, one row per sentence."""
    rows = len(blob) // (dimension + 4)
    scale = np.frombuffer(blob, dtype=np.float32, count=rows).reshape(rows, 1)
    quantised = np.frombuffer(blob, dtype=np.int8, offset=4 * rows).reshape(rows, dimension)
    return quantised.astype(np.float32) * scale


def best_sentence_cosines(query_vector: np.ndarray, stored: Mapping[int, np.ndarray]) -> dict[int, float]:
    """For each passage with stored sentences, the highest cosine between the query and one of them."""
    query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
    return {chunk_id: float((matrix @ query).max()) for chunk_id, matrix in stored.items() if len(matrix)}


def evidence(ids: Iterable[int], best: Mapping[int, float], own: Mapping[int, float]) -> dict[int, float]:
    """Each passage's sentence evidence: its best sentence's cosine, or its own cosine (one sentence, or
    no sentences stored); a passage with neither is left out (it gets nothing)."""
    out = {}
    for chunk_id in ids:
        value = best.get(chunk_id, own.get(chunk_id))
        if value is not None:
            out[chunk_id] = value
    return out


def rescored(fused: Fused, found: Mapping[int, float], weight: float) -> Fused:
    """Candidates with weight x their sentence evidence added (those in `found`: the head of the
    ranking that was scored; the rest get nothing), sorted again."""
    return sorted((Candidate(c.chunk_id, c.score + weight * found.get(c.chunk_id, 0.0), c.retrievers) for c in fused),
                  key=lambda c: -c.score)


def closest(hits: Sequence[tuple[int, float]], best: Mapping[int, float]) -> list[tuple[int, float]]:
    """(id, cosine) hits, each scored by the higher of its own cosine and its best sentence's (`best`),
    best first; ties keep the hits' order."""
    scored = [(chunk_id, max(cosine, best.get(chunk_id, cosine))) for chunk_id, cosine in hits]
    return sorted(scored, key=lambda item: -item[1])
