"""Our own BM25 over the keyword candidates' stored stems: the lever "BM25 k1/b and field weights" (issue 11).

Tantivy ranks with fixed k1 = 1.2 and b = 0.75, and weighs a passage's title and headings by repeating the
text in one field (index.keyword_engine). Re-scoring its candidates here lets k1, b, BM25+'s delta and the
field weights vary without rebuilding the index: each candidate's stems are the ids stored at ingest
(index.passage_features: its headings' stems, then its text's), its title's stems are hashed the same way
(one per document, cached), and the document frequencies come from the keyword engine. Nothing is stemmed
again but the titles, once each.

    score(p) = sum over query terms t held by p of  idf(t) * (tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)) + delta)
    idf(t)   = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))            (Lucene's and Tantivy's, never negative)
    tf       = w_text tf_text + w_title tf_title + w_heading tf_heading        (weights as term counts)
    dl       = w_text |text| + w_title |title| + w_heading |headings|

With the weights (2, 1, 1), k1 = 1.2, b = 0.75 and no delta this is the BM25 Tantivy computes on its
combined field (the text twice, then the title and the headings), up to the average length (here from a
sample of the store's passages).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Scored = list[tuple[int, float]]


@dataclass(frozen=True)
class Bm25Config:
    """The parameters of the re-scoring (see the module docstring)."""

    k1: float = 1.2
    b: float = 0.75
    delta: float = 0.0  # BM25+: a matched term adds at least idf x delta, however long the passage
    weights: tuple[float, float, float] = (2.0, 1.0, 1.0)  # text, title, headings: as term counts
    pool: int = 100  # how many of the keyword engine's candidates are re-scored (the list keeps the depth)

    def __post_init__(self) -> None:
        if self.k1 < 0 or not 0 <= self.b <= 1 or self.delta < 0 or min(self.weights) < 0 or self.pool < 1:
            raise ValueError(f"BM25 parameters out of range: {self}")


@dataclass(frozen=True)
class Fields:
    """One passage as the re-scoring sees it: its stem ids as [title | headings | text], in one array."""

    stems: np.ndarray  # int32: its document's title and symbol, its headings, its text (stem ids)
    title: int  # how many of `stems` are the title's
    headings: int  # how many follow as the headings'

    @classmethod
    def of(cls, stems: np.ndarray, headings: int, title: np.ndarray) -> Fields:
        """From a passage's stored stems (its headings' stems, then its text's) and its title's stems."""
        return cls(np.concatenate([title, stems]).astype(np.int32, copy=False), len(title), headings)

    @property
    def text(self) -> int:
        """How many of `stems` are the text's."""
        return len(self.stems) - self.title - self.headings


@dataclass(frozen=True)
class Collection:
    """What BM25 needs of the whole index: its passage count and the mean length of each field."""

    passages: int
    text: float
    title: float
    headings: float

    def average_length(self, weights: tuple[float, float, float]) -> float:
        """The mean weighted length (dl) of a passage."""
        w_text, w_title, w_heading = weights
        return w_text * self.text + w_title * self.title + w_heading * self.headings


def idf(passages: int, holding: int) -> float:
    """Inverse document frequency of a term held by `holding` of `passages` passages."""
    return math.log(1.0 + (passages - holding + 0.5) / (holding + 0.5))


def collection_of(samples: Sequence[Fields], passages: int) -> Collection:
    """The collection's statistics from a sample of its passages."""
    if not samples:
        return Collection(passages, 1.0, 0.0, 0.0)
    return Collection(passages, float(np.mean([f.text for f in samples])), float(np.mean([f.title for f in samples])),
                      float(np.mean([f.headings for f in samples])))


def scores(term_ids: Sequence[int], idfs: Sequence[float], passages: Mapping[int, Fields], collection: Collection,
           config: Bm25Config) -> dict[int, float]:
    """BM25 of each passage for these query terms (distinct stem ids, with their idf), all at once: the
    passages' stems are concatenated, the positions holding a query term found in one pass, and each
    such position counted (with its field's weight) in its passage's row of a passages x terms table."""
    ids = list(passages)
    if not ids:
        return {}
    if not term_ids:
        return dict.fromkeys(ids, 0.0)
    fields = [passages[i] for i in ids]
    title, headings, size = np.array([(f.title, f.headings, len(f.stems)) for f in fields], dtype=np.int64).T
    flat = np.concatenate([f.stems for f in fields])
    start = np.zeros(len(ids), dtype=np.int64)
    start[1:] = np.cumsum(size)[:-1]
    w_text, w_title, w_heading = config.weights
    order = np.argsort(np.asarray(term_ids, dtype=np.int64), kind="stable")
    sorted_terms = np.asarray(term_ids, dtype=np.int64)[order]
    where = np.flatnonzero(np.isin(flat, sorted_terms))
    owner = np.searchsorted(start, where, side="right") - 1
    offset = where - start[owner]
    in_title, in_headings = offset < title[owner], offset < title[owner] + headings[owner]
    weight = np.where(in_title, w_title, np.where(in_headings, w_heading, w_text))
    column = order[np.searchsorted(sorted_terms, flat[where])]
    tf = np.zeros((len(ids), len(term_ids)), dtype=np.float64)
    np.add.at(tf, (owner, column), weight)
    length = w_text * (size - title - headings) + w_title * title + w_heading * headings
    norm = config.k1 * (1.0 - config.b + config.b * length / max(collection.average_length(config.weights), 1e-9))
    matched = tf > 0
    part = np.where(matched, tf * (config.k1 + 1.0) / np.where(matched, tf + norm[:, None], 1.0) + config.delta, 0.0)
    total = part @ np.asarray(idfs, dtype=np.float64)
    return dict(zip(ids, total.tolist(), strict=True))


def rescored(found: Sequence[tuple[int, float]], new: Mapping[int, float]) -> Scored:
    """The same candidates ranked by their new scores (ties keep the engine's order); a candidate without a
    new score (no stored passage) keeps its place after those that have one, scored 0."""
    values = np.fromiter((new.get(item, 0.0) for item, _ in found), dtype=np.float64, count=len(found))
    return [(found[n][0], float(values[n])) for n in np.argsort(-values, kind="stable").tolist()]
