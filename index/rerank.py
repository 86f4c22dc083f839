"""A learned re-ordering of hybrid search's head (issue 11; SearchConfig.learned_rerank, off by default).

The product's hybrid ranking (fusion, boosts, sentence re-scoring) is kept; its first `head` candidates are
then re-ordered by a linear model over per-candidate features that say how each retriever saw the passage
and how much of the query it holds (FEATURES). The model is a pairwise logistic regression (a RankNet-style
linear ranker, strongly regularised) fitted on the UN set's dev half by bench/lab/ltr.py and shipped as
`learned_rerank.json` (the features' names, their standardisation, the coefficients). Measured in README,
"Search quality" ("Learned re-ranker").
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.errors import CoopsearchError
from index.fusion import Candidate, Evidence, Fused, dbsf_scale

MODEL_PATH = Path(__file__).with_name("learned_rerank.json")
# In this order: the columns of head_features' matrix.
FEATURES = ("kw", "sem", "cos", "cos_rel", "sent", "sent_rel", "cov", "prox", "mandate", "kw_rr", "sem_rr", "both",
            "log_words", "default", "default_rr", "kw_gap", "top_cos", "n_terms")


class RerankModelError(CoopsearchError):
    """The learned re-ranker's model file is missing or malformed."""


@dataclass(frozen=True)
class LinearRanker:
    """score = ((x - mean) / scale) @ coef, over the features named in `features`."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    head: int

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        columns = [FEATURES.index(name) for name in self.features]
        return ((matrix[:, columns] - self.mean) / self.scale) @ self.coef


@lru_cache(maxsize=4)
def load_ranker(path: Path = MODEL_PATH) -> LinearRanker:
    """The model in `path` (bench/lab/ltr.py's `ship` writes it); a clear error naming what is wrong."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RerankModelError(f"cannot read the learned re-ranker's model {path}: {error}") from error
    try:
        features = tuple(str(n) for n in raw["features"])
        arrays = [np.asarray(raw[key], dtype=np.float64) for key in ("mean", "scale", "coef")]
        head = int(raw["head"])
    except (KeyError, TypeError, ValueError) as error:
        raise RerankModelError(f"{path}: the model needs features, mean, scale, coef and head ({error})") from error
    unknown = [n for n in features if n not in FEATURES]
    if unknown:
        raise RerankModelError(f"{path}: unknown features {', '.join(unknown)}; known: {', '.join(FEATURES)}")
    if any(a.shape != (len(features),) for a in arrays) or head < 2 or not np.all(arrays[1] > 0):
        raise RerankModelError(f"{path}: mean, scale and coef must each hold one number per feature "
                               f"({len(features)}), scale must be positive and head at least 2")
    return LinearRanker(features, arrays[0], arrays[1], arrays[2], head)


def head_features(head: Fused, terms: int, keyword: Sequence[tuple[int, float]], semantic: Sequence[tuple[int, float]],
                  evidence: Mapping[int, Evidence], sentence: Mapping[int, float], own: Mapping[int, float],
                  words: Mapping[int, int]) -> np.ndarray:
    """One row per head candidate, the columns in FEATURES' order. `keyword` / `semantic`: the retrievers'
    (id, raw score) lists, best first; `evidence`: the boosts' evidence; `sentence`: the head's best stored
    sentence's cosine (else its own; index.sentences.evidence); `own`: its own cosine; `words`: its text's
    length; `terms`: the query's term count."""
    kw, sem = dict(dbsf_scale(keyword)), dict(dbsf_scale(semantic))
    kw_rank = {i: n for n, (i, _) in enumerate(keyword, 1)}
    sem_rank = {i: n for n, (i, _) in enumerate(semantic, 1)}
    raw = [s for _, s in keyword]
    spread = float(np.std(raw)) if len(raw) >= 2 else 0.0
    kw_gap = (raw[0] - raw[1]) / (spread or 1.0) if len(raw) >= 2 else 0.0  # how clearly keyword's first leads
    top_cos = max((s for _, s in semantic), default=0.0)
    top_sent = max(sentence.values(), default=0.0)
    rows = []
    for rank, candidate in enumerate(head, 1):
        i = candidate.chunk_id
        found = evidence.get(i, Evidence(0.0, 0.0))
        cosine = own.get(i, 0.0)
        best = sentence.get(i, cosine)
        rows.append([kw.get(i, 0.0), sem.get(i, 0.0), cosine, cosine - top_cos, best, best - top_sent,
                     found.coverage, found.proximity, found.mandate,
                     1 / kw_rank[i] if i in kw_rank else 0.0, 1 / sem_rank[i] if i in sem_rank else 0.0,
                     float(i in kw_rank and i in sem_rank), math.log1p(words.get(i, 0)), candidate.score, 1 / rank,
                     kw_gap, top_cos, float(terms)])
    return np.asarray(rows, dtype=np.float64).reshape(len(head), len(FEATURES))


def reordered(fused: Fused, scores: np.ndarray) -> Fused:
    """The first len(scores) candidates in the order of `scores` (ties keep their order), scored above the
    rest, which follow as they were."""
    head = fused[:len(scores)]
    order = np.argsort(-np.asarray(scores), kind="stable")
    top = (fused[0].score if fused else 0.0) + 1.0
    return [Candidate(head[k].chunk_id, top + (len(head) - r), head[k].retrievers)
            for r, k in enumerate(order)] + fused[len(scores):]
