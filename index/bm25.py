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
    """One passage as the re-scoring sees it."""

    stems: np.ndarray  # int32 stem ids: its headings' stems, then its text's (PassageFeatures.stems)
    headings: int  # how many of `stems` are its headings'
    title: np.ndarray  # int32 stem ids of its document's title and symbol


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
    headings = float(np.mean([f.headings for f in samples]))
    return Collection(passages, float(np.mean([len(f.stems) for f in samples])) - headings,
                      float(np.mean([len(f.title) for f in samples])), headings)


def scores(term_ids: Sequence[int], idfs: Sequence[float], passages: Mapping[int, Fields], collection: Collection,
           config: Bm25Config) -> dict[int, float]:
    """BM25 of each passage for these query terms (distinct stem ids, with their idf), all at once on the
    passages' concatenated stems: each passage is [title | headings | text], and a term's count in each
    part is a difference of one cumulative sum."""
    ids = list(passages)
    if not ids:
        return {}
    if not term_ids:
        return dict.fromkeys(ids, 0.0)
    fields = [passages[i] for i in ids]
    title_len = np.array([len(f.title) for f in fields], dtype=np.int64)
    heading_len = np.array([f.headings for f in fields], dtype=np.int64)
    text_len = np.array([len(f.stems) for f in fields], dtype=np.int64) - heading_len
    flat = np.concatenate([part for f in fields for part in (f.title, f.stems)]).astype(np.int64, copy=False)
    title_start = np.zeros(len(ids), dtype=np.int64)
    title_start[1:] = np.cumsum(title_len + heading_len + text_len)[:-1]
    heading_start = title_start + title_len
    text_start = heading_start + heading_len
    end = text_start + text_len
    w_text, w_title, w_heading = config.weights
    length = w_text * text_len + w_title * title_len + w_heading * heading_len
    norm = config.k1 * (1.0 - config.b + config.b * length / max(collection.average_length(config.weights), 1e-9))
    total = np.zeros(len(ids), dtype=np.float64)
    for term, weight in zip(term_ids, idfs, strict=True):
        held = np.concatenate([[0], np.cumsum(flat == term)])
        tf = (w_title * (held[heading_start] - held[title_start]) + w_heading * (held[text_start] - held[heading_start])
              + w_text * (held[end] - held[text_start]))
        matched = tf > 0
        part = np.where(matched, tf * (config.k1 + 1.0) / np.where(matched, tf + norm, 1.0) + config.delta, 0.0)
        total += weight * part
    return {i: float(s) for i, s in zip(ids, total.tolist(), strict=True)}


def rescored(found: Sequence[tuple[int, float]], new: Mapping[int, float]) -> Scored:
    """The same candidates ranked by their new scores (ties keep the engine's order); a candidate without a
    new score (no stored passage) keeps its place after those that have one, scored 0."""
    order = {item: n for n, (item, _) in enumerate(found)}
    ranked = sorted(((item, new.get(item, 0.0)) for item, _ in found), key=lambda pair: (-pair[1], order[pair[0]]))
    return ranked
