"""Fusing ranked lists from several retrievers into one."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FusionConfig:
    """Reciprocal rank fusion: score = sum over retrievers of weight / (k + rank)."""

    rrf_k: float = 60.0
    keyword_weight: float = 1.0
    semantic_weight: float = 1.0


def reciprocal_rank_fusion(ranked: dict[str, list[int]], weights: dict[str, float], k: float
                           ) -> list[tuple[int, float, tuple[str, ...]]]:
    """(id, fused score, retrievers that found it), best first; ties keep the first list's order."""
    scores: dict[int, float] = {}
    found: dict[int, list[str]] = {}
    for name, ids in ranked.items():
        weight = weights.get(name, 1.0)
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            found.setdefault(item, []).append(name)
    order = sorted(scores, key=lambda item: -scores[item])
    return [(item, scores[item], tuple(found[item])) for item in order]
