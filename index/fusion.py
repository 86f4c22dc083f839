"""Fusing ranked lists from several retrievers into one.

Three methods, chosen by `FusionConfig.method`:

- ``rrf``: reciprocal rank fusion, score = Σ weight / (rrf_k + rank); uses ranks only.
- ``dbsf``: distribution-based score fusion (as Qdrant does it): each retriever's scores are
  scaled to [0, 1] between mean - 3 sigma and mean + 3 sigma of its own list, then summed with weights.
- ``minmax``: each retriever's scores scaled to [0, 1] between its list's minimum and maximum,
  then summed with weights (a convex combination when the weights sum to 1).

A candidate missing from one retriever's list gets 0 from it.

With `FusionConfig.semantic_gap` (by default the gap calibrated for the model; 0 turns it off), each
query's semantic weight also depends on its own semantic list, a query-performance prediction: the list
counts in proportion to how far its best cosine stands above its second, up to `semantic_gap` (then in
full). A flat list means the embedding found nothing the rest of the collection does not match as well
(UN reports: generic passages in the same vocabulary), and those neighbours are what push keyword's
answer down the page.
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import NamedTuple

FUSION_METHODS = ("rrf", "dbsf", "minmax")
Scored = Sequence[tuple[int, float]]  # (id, score), best first, higher is better


class Candidate(NamedTuple):
    """A passage found by one or more retrievers, with its fused score.

    A named tuple, not a frozen dataclass: a hybrid search makes some 400 of them (fused, boosted, re-scored
    by sentences), and a frozen dataclass's __init__ costs five times as much (about 1 us each)."""

    chunk_id: int
    score: float
    retrievers: tuple[str, ...]


Fused = list[Candidate]


@dataclass(frozen=True)
class FusionConfig:
    """How hybrid search combines the keyword and semantic lists (see the module docstring)."""

    rrf_k: float = 60.0  # used by "rrf" only
    keyword_weight: float = 2.0
    semantic_weight: float = 1.0
    method: str = "dbsf"  # measured on SciFact and the cooperation set (README, "Search quality")
    # > 0: per query, the semantic weight x min(1, (best cosine - second cosine) / semantic_gap), when both
    # lists hold candidates (query_weights); 0: off. None: the gap calibrated for the model in use, as the
    # similarity floor is (index.search.SEMANTIC_GAPS; a model not calibrated: off), resolved by the engine.
    semantic_gap: float | None = None

    def __post_init__(self) -> None:
        if self.method not in FUSION_METHODS:
            raise ValueError(f"unknown fusion method {self.method!r}; use one of {', '.join(FUSION_METHODS)}")
        if self.semantic_gap is not None and not self.semantic_gap >= 0:  # also refuses NaN
            raise ValueError(f"semantic_gap must be 0 (off) or more, got {self.semantic_gap!r}")

    def weights(self) -> dict[str, float]:
        """Weight by retriever name."""
        return {"keyword": self.keyword_weight, "semantic": self.semantic_weight}


def query_weights(scored: Mapping[str, Scored], config: FusionConfig) -> dict[str, float]:
    """This query's weight by retriever name: the configured weights, the semantic one scaled by how clearly
    its list's best cosine stands above the second (`semantic_gap`; module docstring). Only when both lists
    hold candidates (alone, a list's weight only scales its scores), and the semantic list two or more."""
    weights = config.weights()
    semantic = scored.get("semantic") or ()
    if config.semantic_gap and scored.get("keyword") and len(semantic) >= 2:  # None (not resolved) or 0: off
        first, second = heapq.nlargest(2, (s for _, s in semantic))
        weights["semantic"] *= min(1.0, (first - second) / config.semantic_gap)
    return weights


def fuse(scored: Mapping[str, Scored], config: FusionConfig) -> Fused:
    """Candidates (id, fused score, retrievers that found it), best first, by the configured method."""
    weights = query_weights(scored, config)
    if config.method == "rrf":
        return reciprocal_rank_fusion({name: [i for i, _ in items] for name, items in scored.items()},
                                      weights, config.rrf_k)
    normalise = dbsf_scale if config.method == "dbsf" else _minmax_scale
    return score_fusion({name: normalise(items) for name, items in scored.items()}, weights)


def reciprocal_rank_fusion(ranked: dict[str, list[int]], weights: dict[str, float], k: float) -> Fused:
    """Candidates, best first; ties keep the first list's order."""
    scores: dict[int, float] = {}
    found: dict[int, list[str]] = {}
    for name, ids in ranked.items():
        weight = weights.get(name, 1.0)
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            found.setdefault(item, []).append(name)
    order = sorted(scores, key=lambda item: -scores[item])
    return [Candidate(item, scores[item], tuple(found[item])) for item in order]


def score_fusion(scaled: dict[str, Scored], weights: dict[str, float]) -> Fused:
    """Weighted sum of already-normalised scores; ties keep the first list's order."""
    scores: dict[int, float] = {}
    found: dict[int, list[str]] = {}
    for name, items in scaled.items():
        weight = weights.get(name, 1.0)
        for item, score in items:
            scores[item] = scores.get(item, 0.0) + weight * score
            found.setdefault(item, []).append(name)
    order = sorted(scores, key=lambda item: -scores[item])
    return [Candidate(item, scores[item], tuple(found[item])) for item in order]


def _minmax_scale(items: Scored) -> list[tuple[int, float]]:
    if not items:
        return []
    values = [s for _, s in items]
    low, high = min(values), max(values)
    span = high - low
    return [(i, (s - low) / span if span > 0 else 1.0) for i, s in items]


def dbsf_scale(items: Scored) -> list[tuple[int, float]]:
    """Distribution-based score fusion's scaling: each score placed in [mean - 3 sd, mean + 3 sd] of its list,
    clipped to [0, 1] (all equal: 1). Used for the retrievers' lists and the sentence evidence alike."""
    if not items:
        return []
    values = [s for _, s in items]
    mu = sum(values) / len(values)
    sigma = math.sqrt(sum((v - mu) ** 2 for v in values) / len(values))
    if sigma == 0:
        return [(i, 1.0) for i, _ in items]
    low, high = mu - 3 * sigma, mu + 3 * sigma
    return [(i, min(1.0, max(0.0, (s - low) / (high - low)))) for i, s in items]


class Evidence(NamedTuple):
    """How much of the query a passage holds: its terms, and its neighbouring pairs of terms (a named tuple,
    as Candidate: one per candidate of every hybrid search)."""

    coverage: float  # share of the query's terms in the passage
    proximity: float  # share of the query's adjacent term pairs standing together in the passage
    # 1 when the query asks what a body decided or requested and the passage is a resolution's
    # operative or preambular paragraph (the paragraphs that decide, request and recall), else 0
    mandate: float = 0.0
    # 1 when the question asks for an answer of some type (a quantity, a date, a person, countries) and the
    # passage holds one of that type, else 0 (index.answer_types.holds)
    answer: float = 0.0
    # a definition question: the share of its terms that the passage's definitional sentences define
    # ("X is …", "X refers to …"; index.answer_types.definition_match)
    definition: float = 0.0


def evidence(terms: Sequence[str], passage: Sequence[str], weights: Mapping[str, float] | None = None) -> Evidence:
    """The query terms' (stems') coverage and adjacency in a passage's stems; with `weights` (a term's
    rarity), coverage is the share of the query's weight the passage holds."""
    if not terms:
        return Evidence(0.0, 0.0)
    present = set(passage)
    weight = weights or {}
    total = sum(weight.get(t, 1.0) for t in terms)
    coverage = sum(weight.get(t, 1.0) for t in terms if t in present) / total if total else 0.0
    pairs = list(pairwise(terms))
    if not pairs:
        return Evidence(coverage, coverage)
    adjacent = set(pairwise(passage))
    return Evidence(coverage, sum(1 for p in pairs if p in adjacent) / len(pairs))


@dataclass(frozen=True)
class Boosts:
    """Evidence added to fused scores (0 leaves a lever off); measured in README "Search quality"."""

    adaptive: float = 0.0  # keyword weight x (1 + adaptive x coverage of the best keyword passage)
    rarity: bool = False  # coverage weighs each term by its inverse document frequency
    coverage: float = 0.0  # + coverage x share of the query's terms in the passage
    proximity: float = 0.0  # + proximity x share of the query's term pairs standing together
    mandate: float = 0.0  # + mandate x Evidence.mandate (a mandate question, a resolution's paragraph)
    # + answer_type x Evidence.answer: the passage holds an answer of a type the question asks for, of the
    # types named in `answer_types` (index.answer_types.ANSWER_TYPES; measured in README "Search quality")
    answer_type: float = 0.0
    answer_types: tuple[str, ...] = ("quantity", "date", "person", "countries")
    definition: float = 0.0  # + definition x Evidence.definition (a definition question, a defining passage)

    def any(self) -> bool:
        """True when some lever is on."""
        return bool(self.adaptive or self.coverage or self.proximity or self.mandate or self.answer_type
                    or self.definition)


def boosted(scored: Mapping[str, Scored], config: FusionConfig, boosts: Boosts,
            found: Mapping[int, Evidence]) -> Fused:
    """Fuse, trusting keyword search more when its best passage holds the query, then add each
    candidate's evidence (`found`: id -> Evidence of its text) to its fused score."""
    keyword = scored.get("keyword") or []
    if boosts.adaptive and keyword:
        top = found.get(keyword[0][0], Evidence(0.0, 0.0))
        config = replace(config, keyword_weight=config.keyword_weight * (1 + boosts.adaptive * top.coverage))
    fused = fuse(scored, config)
    if not (boosts.coverage or boosts.proximity or boosts.mandate or boosts.answer_type or boosts.definition):
        return fused
    rescored = [Candidate(c.chunk_id, _added(c.score, boosts, found[c.chunk_id]), c.retrievers)
                if c.chunk_id in found else c for c in fused]
    return sorted(rescored, key=lambda c: -c.score)


def _added(score: float, boosts: Boosts, found: Evidence) -> float:
    """A fused score with a candidate's evidence added (summed in this order: the same floats as before the
    answer-type levers, which add 0 when off)."""
    return (score + boosts.coverage * found.coverage + boosts.proximity * found.proximity
            + boosts.mandate * found.mandate + boosts.answer_type * found.answer + boosts.definition * found.definition)
