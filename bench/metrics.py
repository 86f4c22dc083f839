"""Ranking metrics: nDCG@k, Recall@k and MRR@k over graded gains, as BEIR and TREC compute them."""
from __future__ import annotations

import math
from typing import Sequence


def dcg(gains: Sequence[float], k: int) -> float:
    """Discounted cumulative gain of the first k gains (linear gain, log2(rank + 1) discount, as in BEIR)."""
    return sum(g / math.log2(rank + 2) for rank, g in enumerate(gains[:k]))


def ndcg(gains: Sequence[float], ideal: Sequence[float], k: int = 10) -> float:
    """DCG of the ranking divided by the DCG of the ideal ordering of all relevant items."""
    best = dcg(sorted(ideal, reverse=True), k)
    return dcg(gains, k) / best if best > 0 else 0.0


def recall(found: int, relevant: int) -> float:
    """Share of the relevant items that were found."""
    return found / relevant if relevant else 0.0


def mrr(gains: Sequence[float], k: int = 10) -> float:
    """1 / rank of the first relevant item within the first k, else 0."""
    for rank, g in enumerate(gains[:k], start=1):
        if g > 0:
            return 1.0 / rank
    return 0.0


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; 0 for no values."""
    return sum(values) / len(values) if values else 0.0
