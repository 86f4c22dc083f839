"""A learned re-ranker of the fused candidates, trained on SciFact's TRAIN queries and the UN dev half (issue 11).

    PYTHONPATH=. python bench/lab/ltr.py export            # features of every query's head, once (pickles)
    PYTHONPATH=. python bench/lab/ltr.py cv [NAME ...]     # 2-fold CV inside UN dev, through the product's search
    PYTHONPATH=. python bench/lab/ltr.py guard NAME ...    # SciFact test + speeches dev for finalists

The product's hybrid search runs unchanged (fusion, boosts, sentence re-scoring); then its first HEAD fused
candidates are re-ordered by a model over features that transfer between collections (DBSF-scaled keyword
and semantic scores, raw cosine, best stored sentence cosine, coverage, proximity, mandate prior,
reciprocal ranks, found-by-both, passage length, the default's own score and rank, per-query statistics).
The rest of the search (symbols first, cited paragraph first, duplicate folding, the page) follows as in
the product, so figures are bench/quality.py's own measure (its `evaluate`).

Training: SciFact train (809 queries; never its 300 test queries) + UN dev fold A, evaluated on UN dev
fold B and vice versa (folds: bench/lab/folds.py's sha1 split). Results: bench/results/quality-ltr.json.
"""
from __future__ import annotations

import contextlib
import json
import math
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "lab"))
sys.path.insert(0, str(BENCH.parent))

import quality as q  # noqa: E402
from embed_cache import CachedEmbedder  # noqa: E402
from folds import fold  # noqa: E402
from judgments import normalise_for_match  # noqa: E402

from index import sentences  # noqa: E402
from index.embedder import Embedder, default_model_path  # noqa: E402
from index.fusion import Candidate, Fused, dbsf_scale  # noqa: E402
from index.search import PassageReads, SearchEngine, SearchRequest  # noqa: E402
from index.snapshot import IndexHolder, IndexSnapshot  # noqa: E402

HEAD = 30  # fused candidates re-ordered (the default's sentence head is 20)
OUT = BENCH / ".cache" / "lab"
RESULTS = BENCH / "results" / "quality-ltr.json"
NAMES = ["kw", "sem", "cos", "cos_rel", "sent", "sent_rel", "cov", "prox", "mandate", "kw_rr", "sem_rr", "both",
         "log_words", "default", "default_rr", "kw_gap", "top_cos", "n_terms"]


class Capturing(SearchEngine):
    """The product's engine; its hybrid head described by features, and (with `model`) re-ordered by it."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.model: Callable[[np.ndarray], np.ndarray] | None = None
        self.last: dict | None = None  # the last search's head: ids, features
        self._scored: dict | None = None
        self._found: dict | None = None
        self._query_vector: np.ndarray | None = None
        self._own: dict[int, float] = {}

    def _boosted(self, snapshot, analysis, scored, reads, prepared):  # type: ignore[no-untyped-def]
        fused = super()._boosted(snapshot, analysis, scored, reads, prepared)
        self._scored = {k: list(v) for k, v in scored.items()}
        # the evidence the boosts used, computed again the same way for every candidate
        candidates = list(dict.fromkeys(i for items in scored.values() for i, _ in items))
        weights = snapshot.store.term_rarity(analysis.terms) if self.config.boosts.rarity else None
        self._found = self._evidence(snapshot, analysis, weights, reads, candidates)
        return fused

    def _sentence_scored(self, snapshot, fused, query_vector, own, prepared=None):  # type: ignore[no-untyped-def]
        self._query_vector = query_vector
        self._own = dict(own)
        return super()._sentence_scored(snapshot, fused, query_vector, own, prepared)

    def _fused(self, snapshot: IndexSnapshot, analysis, mode: str, filters, depth: int,  # type: ignore[override]
               reads: PassageReads, page_end: int = 10, side=None) -> Fused:
        self._scored = self._found = self._query_vector = None
        self.last = None
        fused = super()._fused(snapshot, analysis, mode, filters, depth, reads, page_end, side)
        if mode != "hybrid" or self._scored is None or self._query_vector is None or not fused:
            return fused
        head = fused[:HEAD]
        ids = [c.chunk_id for c in head]
        X = self._features(snapshot, analysis, head, reads)
        self.last = {"ids": ids, "X": X}
        if self.model is None:
            return fused
        s = self.model(X)
        order = np.argsort(-s, kind="stable")
        top = fused[0].score + 1.0
        reordered = [Candidate(head[i].chunk_id, top + (len(head) - r), head[i].retrievers)
                     for r, i in enumerate(order)]
        return reordered + fused[HEAD:]

    def _features(self, snapshot: IndexSnapshot, analysis, head: Fused, reads: PassageReads) -> np.ndarray:
        scored = self._scored or {}
        kw_list = scored.get("keyword", [])
        sem_list = scored.get("semantic", [])
        kw, sem = dict(dbsf_scale(kw_list)), dict(dbsf_scale(sem_list))
        kwr = {i: n for n, (i, _) in enumerate(kw_list, 1)}
        semr = {i: n for n, (i, _) in enumerate(sem_list, 1)}
        ids = [c.chunk_id for c in head]
        query = np.asarray(self._query_vector, dtype=np.float32).reshape(-1)
        stored = snapshot.store.sentence_vectors(ids, int(query.size))
        best = sentences.best_sentence_cosines(query, stored)
        own = dict(self._own)
        for i in ids:
            if i not in own:
                with contextlib.suppress(KeyError):
                    own[i] = float(np.asarray(snapshot.engine.get(i), dtype=np.float32) @ query)
        sent = sentences.evidence(ids, best, own)
        chunks = reads(ids)
        found = self._found or {}
        raw = [s for _, s in kw_list]
        if len(raw) >= 2:
            sd = float(np.std(raw)) or 1.0
            kw_gap = (raw[0] - raw[1]) / sd
        else:
            kw_gap = 0.0
        top_cos = max((s for _, s in sem_list), default=0.0)
        top_sent = max(sent.values(), default=0.0)
        rows = []
        for rank, c in enumerate(head, 1):
            i = c.chunk_id
            ev = found.get(i)
            words = len(chunks[i].chunk.text.split()) if i in chunks else 0
            own_cos = own.get(i, 0.0)
            s_cos = sent.get(i, own_cos)
            rows.append([kw.get(i, 0.0), sem.get(i, 0.0), own_cos, own_cos - top_cos, s_cos, s_cos - top_sent,
                         ev.coverage if ev else 0.0, ev.proximity if ev else 0.0, ev.mandate if ev else 0.0,
                         1 / kwr[i] if i in kwr else 0.0, 1 / semr[i] if i in semr else 0.0,
                         float(i in kwr and i in semr), math.log1p(words), c.score, 1 / rank,
                         kw_gap, top_cos, float(len(analysis.terms))])
        return np.asarray(rows, dtype=np.float64)


# -- the sets ------------------------------------------------------------------------------------
def embedder() -> CachedEmbedder:
    return CachedEmbedder(Embedder(default_model_path()), q.CACHE / "embeddings.sqlite")


def scifact_split(split: str) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in (q.SCIFACT / "qrels" / f"{split}.tsv").read_text().splitlines()[1:]:
        qid, doc, score = line.split("\t")
        qrels.setdefault(qid, {})[doc] = int(score)
    texts = {}
    for line in (q.SCIFACT / "queries.jsonl").read_text().splitlines():
        row = json.loads(line)
        texts[row["_id"]] = row["text"]
    return [(qid, texts[qid]) for qid in qrels], qrels


def engine_for(name: str, emb: CachedEmbedder) -> Capturing:
    if name == "scifact":
        index_dir = q.cached_index("scifact", [q.scifact_documents()], q.SCIFACT_CODE, emb)
    else:
        index_dir = q.cached_index(name, q.COOP_SOURCES[name], q.COOP_CODE, emb)
    return Capturing(IndexHolder(index_dir, emb.info), emb)


def labels_of(engine: Capturing, ids: Sequence[int], judge: Callable[[object, object], float]) -> list[float]:
    snapshot = engine.holder.current()
    chunks = snapshot.store.get_chunks(list(ids))
    docs = snapshot.store.get_documents({c.chunk.doc_id for c in chunks.values()})
    return [judge(chunks[i].chunk, docs[chunks[i].chunk.doc_id]) if i in chunks else 0.0 for i in ids]


def export() -> None:
    """Per query: the head's features and labels (graded: a UN passage holding a judged phrase in its
    document; a SciFact abstract in the qrels), for SciFact train and UN dev."""
    OUT.mkdir(parents=True, exist_ok=True)
    emb = embedder()
    queries, qrels = scifact_split("train")
    engine = engine_for("scifact", emb)
    data = {}
    started = time.perf_counter()
    for qid, text in queries:
        engine.search(SearchRequest(query=text, k=10, mode="hybrid"))
        if engine.last is None:
            continue
        rel = qrels[qid]
        y = labels_of(engine, engine.last["ids"], lambda ch, d, rel=rel: float(rel.get(Path(d.source).stem, 0)))
        data[qid] = {"X": engine.last["X"], "y": np.asarray(y), "n_rel": len(rel)}
    print(f"scifact train: {len(data)} queries, {time.perf_counter() - started:.0f} s", flush=True)
    (OUT / "ltr-scifact-train.pkl").write_bytes(pickle.dumps(data))
    dataset = q.coop_sets("dev")["un"]
    engine = engine_for("un", emb)
    data = {}
    for qid, text in dataset.queries():
        engine.search(SearchRequest(query=text, k=10, mode="hybrid"))
        if engine.last is None:
            continue
        item = dataset.items[qid]

        def judge(ch, d, item=item) -> float:  # type: ignore[no-untyped-def]
            passage = normalise_for_match(" ".join([*ch.heading_path, ch.text]))
            name = Path(d.source).name
            return float(max((j.grade for j in item.relevant if j.doc == name
                              and normalise_for_match(j.phrase) in passage), default=0))
        y = labels_of(engine, engine.last["ids"], judge)
        data[qid] = {"X": engine.last["X"], "y": np.asarray(y), "fold": fold(qid)}
    print(f"un dev: {len(data)} queries", flush=True)
    (OUT / "ltr-un-dev.pkl").write_bytes(pickle.dumps(data))


# -- models --------------------------------------------------------------------------------------
def expand(X: np.ndarray, inter: bool) -> np.ndarray:
    """The features, with (`inter`) the per-query statistics times the candidate's scores."""
    if not inter:
        return X
    n = NAMES.index
    extra = [X[:, n("kw")] * X[:, n("kw_gap")], X[:, n("sem")] * X[:, n("kw_gap")],
             X[:, n("sem")] * X[:, n("top_cos")], X[:, n("sent")] * X[:, n("top_cos")],
             X[:, n("cov")] * X[:, n("n_terms")]]
    return np.column_stack([X, *extra])


def select(X: np.ndarray, drop: Sequence[str]) -> np.ndarray:
    keep = [k for k, name in enumerate(NAMES) if name not in drop]
    return X[:, keep]


def training(sets: list[tuple[dict, float]], spec: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows, labels, query groups and sample weights (`sets`: (queries, weight per query))."""
    Xs, ys, gs, ws = [], [], [], []
    g = 0
    for data, weight in sets:
        for d in data.values():
            if not (d["y"] > 0).any():
                continue  # nothing relevant in the head: nothing to learn about its order
            Xs.append(expand(select(d["X"], spec.get("drop", ())), spec.get("inter", False)))
            ys.append(d["y"])
            gs.append(np.full(len(d["y"]), g))
            ws.append(np.full(len(d["y"]), weight))
            g += 1
    return np.vstack(Xs), np.concatenate(ys), np.concatenate(gs), np.concatenate(ws)


def fit(spec: dict, sets: list[tuple[dict, float]]) -> Callable[[np.ndarray], np.ndarray]:
    """The model's scoring of one query's head; with spec["mix"], the default's own score (standardised
    within the query) plus mix x the model's (standardised the same way): a nudge, not a replacement."""
    model = fit_model(spec, sets)
    mix = spec.get("mix")
    if mix is None:
        return model

    def nudged(Xq: np.ndarray) -> np.ndarray:
        default, learned = Xq[:, NAMES.index("default")], model(Xq)
        return _z(default) + mix * _z(learned)
    return nudged


def _z(v: np.ndarray) -> np.ndarray:
    sd = float(np.std(v))
    return (v - v.mean()) / sd if sd > 0 else v * 0.0


def fit_model(spec: dict, sets: list[tuple[dict, float]]) -> Callable[[np.ndarray], np.ndarray]:
    kind = spec["model"]
    if kind in ("pointwise", "pairwise"):
        _, mu, sd, coef = fit_linear(spec, sets)
        return lambda Xq: ((expand(select(Xq, spec.get("drop", ())), spec.get("inter", False)) - mu) / sd) @ coef
    X, y, _, w = training(sets, spec)
    if kind == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(max_leaf_nodes=spec.get("leaves", 4), max_iter=spec.get("iters", 100),
                                               learning_rate=0.05, min_samples_leaf=40, random_state=0)
        model.fit(X, (y > 0).astype(int), sample_weight=w)
        return lambda Xq: model.predict_proba(expand(select(Xq, spec.get("drop", ())),
                                                     spec.get("inter", False)))[:, 1]
    raise ValueError(kind)


def fit_linear(spec: dict, sets: list[tuple[dict, float]]) -> tuple[object, np.ndarray, np.ndarray, np.ndarray]:
    """(model, mean, scale, coefficients) of a pointwise or pairwise logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X, y, g, w = training(sets, spec)
    kind = spec["model"]
    if kind == "pointwise":
        scaler = StandardScaler().fit(X)
        lr = LogisticRegression(C=spec.get("C", 1.0), max_iter=2000)
        lr.fit(scaler.transform(X), (y > 0).astype(int), sample_weight=w)
        coef, mu, sd = lr.coef_[0], scaler.mean_, scaler.scale_
    elif kind == "pairwise":
        scaler = StandardScaler().fit(X)
        Z = scaler.transform(X)
        diffs, wts = [], []
        rng = np.random.default_rng(0)
        for group in np.unique(g):
            idx = np.flatnonzero(g == group)
            pos = [i for i in idx if y[i] > 0]
            pairs = [(a, b) for a in pos for b in idx if y[a] > y[b]]
            if not pairs:
                continue
            if len(pairs) > 60:
                pairs = [pairs[k] for k in rng.choice(len(pairs), 60, replace=False)]
            for a, b in pairs:
                diffs.append(Z[a] - Z[b])
                wts.append(w[a] / len(pairs))
        D = np.asarray(diffs)
        Dx = np.vstack([D, -D])
        Dy = np.concatenate([np.ones(len(D)), np.zeros(len(D))])
        lr = LogisticRegression(C=spec.get("C", 1.0), max_iter=2000, fit_intercept=False)
        lr.fit(Dx, Dy, sample_weight=np.concatenate([wts, wts]))
        coef, mu, sd = lr.coef_[0], scaler.mean_, scaler.scale_
    else:
        raise ValueError(kind)
    return lr, mu, sd, coef


SPECS: dict[str, dict] = {
    "pointwise": {"model": "pointwise"},
    "pointwise C0.1": {"model": "pointwise", "C": 0.1},
    "pointwise inter": {"model": "pointwise", "inter": True},
    "pairwise": {"model": "pairwise"},
    "pairwise C0.1": {"model": "pairwise", "C": 0.1},
    "pairwise inter": {"model": "pairwise", "inter": True},
    "pairwise un x3": {"model": "pairwise", "un_weight": 3.0},
    "pairwise scifact only": {"model": "pairwise", "un_weight": 0.0},
    "pairwise C0.1 un x10": {"model": "pairwise", "C": 0.1, "un_weight": 10.0},
    "pairwise C0.1 un x3 transfer": {"model": "pairwise", "C": 0.1, "un_weight": 3.0,
                                     "drop": ("cos", "sent", "log_words", "n_terms", "top_cos")},
    "pairwise C0.1 un x3 mix 0.3": {"model": "pairwise", "C": 0.1, "un_weight": 3.0, "mix": 0.3},
    "pairwise C0.1 un x3 mix 0.15": {"model": "pairwise", "C": 0.1, "un_weight": 3.0, "mix": 0.15},
    "pairwise C0.1 un x3 mix 0.5": {"model": "pairwise", "C": 0.1, "un_weight": 3.0, "mix": 0.5},
    "pairwise C1 un only": {"model": "pairwise", "C": 1.0, "sci_weight": 0.0},
    "pairwise C0.03 un only": {"model": "pairwise", "C": 0.03, "sci_weight": 0.0},
    "pairwise C0.1 un only": {"model": "pairwise", "C": 0.1, "sci_weight": 0.0},
    "pairwise C0.01 un only": {"model": "pairwise", "C": 0.01, "sci_weight": 0.0},
    "pairwise C0.003 un only": {"model": "pairwise", "C": 0.003, "sci_weight": 0.0},
    "pairwise C0.001 un only": {"model": "pairwise", "C": 0.001, "sci_weight": 0.0},
    "pairwise C0.01 un only mix 1": {"model": "pairwise", "C": 0.01, "sci_weight": 0.0, "mix": 1.0},
    "pairwise C0.01 un x30": {"model": "pairwise", "C": 0.01, "un_weight": 30.0},
    "pairwise C0.01 un x10": {"model": "pairwise", "C": 0.01, "un_weight": 10.0},
    "pairwise C1 un x10": {"model": "pairwise", "C": 1.0, "un_weight": 10.0},
    "pairwise C0.1 un x30": {"model": "pairwise", "C": 0.1, "un_weight": 30.0},
    "pairwise C0.1 un x10 mix 0.5": {"model": "pairwise", "C": 0.1, "un_weight": 10.0, "mix": 0.5},
    "pairwise C0.1 un x10 mix 1": {"model": "pairwise", "C": 0.1, "un_weight": 10.0, "mix": 1.0},
    "hgb 4 leaves un x3": {"model": "hgb", "leaves": 4, "un_weight": 3.0},
    "hgb 4 leaves": {"model": "hgb", "leaves": 4},
    "hgb 8 leaves": {"model": "hgb", "leaves": 8, "iters": 150},
}


def load(name: str) -> dict:
    return pickle.loads((OUT / f"ltr-{name}.pkl").read_bytes())


def per_query(dataset: q.Dataset, engine: Capturing, model, qids: set[str] | None = None) -> dict[str, float]:
    engine.model = model
    out = {}
    for qid, text in dataset.queries():
        if qids is not None and qid not in qids:
            continue
        judged = dataset.judge(qid, q.ranked(engine, text, "hybrid", dataset.unit))
        out[qid] = q.ndcg(judged.gains, judged.ideal, 10)
    engine.model = None
    return out


def summary(values: dict[str, float]) -> dict[str, float]:
    parts: dict[int, list[float]] = {0: [], 1: []}
    for qid, v in values.items():
        parts[fold(qid)].append(v)
    return {"all": round(float(np.mean(list(values.values()))), 4), "fold0": round(float(np.mean(parts[0])), 4),
            "fold1": round(float(np.mean(parts[1])), 4)}


def save(key: str, name: str, entry: dict) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault(key, {})[name] = entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


SHIPPED = "pairwise C0.01 un only"


def ship(name: str = SHIPPED) -> None:
    """The model `name` fitted on all of UN dev (+ SciFact train as its spec weighs it), written as
    index/learned_rerank.json for index.rerank (linear models only)."""
    spec = SPECS[name]
    if spec["model"] not in ("pairwise", "pointwise") or spec.get("inter") or spec.get("mix"):
        raise SystemExit(f"{name!r}: only plain linear models can be shipped")
    sci, un = load("scifact-train"), load("un-dev")
    _, mu, sd, coef = fit_linear(spec, [(sci, spec.get("sci_weight", 1.0)), (un, spec.get("un_weight", 1.0))])
    features = [n for n in NAMES if n not in spec.get("drop", ())]
    path = BENCH.parent / "index" / "learned_rerank.json"
    trained = ("bench/lab/ltr.py ship: coefficients from the UN dev half (220 queries)"
               + (" + SciFact train" if spec.get("sci_weight", 1.0) else "")
               + "; standardisation over SciFact train's and UN dev's heads")
    path.write_text(json.dumps({"model": name, "trained_on": trained,
                                "head": HEAD, "features": features, "mean": [round(float(v), 6) for v in mu],
                                "scale": [round(float(v), 6) for v in sd], "coef": [round(float(v), 6) for v in coef]},
                               indent=1) + "\n")
    print(f"wrote {path}")


def cv(names: list[str]) -> None:
    emb = embedder()
    sci, un = load("scifact-train"), load("un-dev")
    dataset = q.coop_sets("dev")["un"]
    engine = engine_for("un", emb)
    base = per_query(dataset, engine, None)
    print(f"{'model':<26} {'all':>6} {'fold0':>6} {'fold1':>6}   d-all  d-f0   d-f1", flush=True)
    b = summary(base)
    print(f"{'default':<26} {b['all']:6.3f} {b['fold0']:6.3f} {b['fold1']:6.3f}", flush=True)
    save("un_dev_cv", "default", {**b, "per_query": {k: round(v, 4) for k, v in base.items()}})
    for name in names:
        spec = SPECS[name]
        combined: dict[str, float] = {}
        for held in (0, 1):
            train_un = {k: v for k, v in un.items() if v["fold"] != held}
            n_un = max(1, len(train_un))
            weight = spec.get("un_weight", 1.0) * len(sci) / n_un if spec.get("balance") else spec.get("un_weight", 1.0)
            model = fit(spec, [(sci, spec.get("sci_weight", 1.0)), (train_un, weight)])
            qids = {qid for qid, _ in dataset.queries() if fold(qid) == held}
            combined.update(per_query(dataset, engine, model, qids))
        s = summary(combined)
        print(f"{name:<26} {s['all']:6.3f} {s['fold0']:6.3f} {s['fold1']:6.3f}  {s['all'] - b['all']:+.3f} "
              f"{s['fold0'] - b['fold0']:+.3f} {s['fold1'] - b['fold1']:+.3f}", flush=True)
        save("un_dev_cv", name, {**s, "spec": spec, "per_query": {k: round(v, 4) for k, v in combined.items()}})


def guard(names: list[str]) -> None:
    """SciFact test (300 queries) and speeches dev, each model trained on SciFact train + all of UN dev."""
    emb = embedder()
    sci, un = load("scifact-train"), load("un-dev")
    scifact = q.SciFact()
    speeches = q.coop_sets("dev")["speeches"]
    engines = {"scifact": engine_for("scifact", emb), "speeches": engine_for("speeches", emb)}
    for name in ["default", *names]:
        model = None
        if name != "default":
            spec = SPECS[name]
            model = fit(spec, [(sci, spec.get("sci_weight", 1.0)), (un, spec.get("un_weight", 1.0))])
        started = time.perf_counter()
        sf = per_query(scifact, engines["scifact"], model)
        sf_s = time.perf_counter() - started
        sp = per_query(speeches, engines["speeches"], model)
        entry = {"scifact_test": round(float(np.mean(list(sf.values()))), 4),
                 "speeches_dev": round(float(np.mean(list(sp.values()))), 4), "scifact_seconds": round(sf_s, 1)}
        print(f"{name:<26} scifact test {entry['scifact_test']:.3f}  speeches dev {entry['speeches_dev']:.3f}"
              f"  ({sf_s:.0f} s for SciFact)", flush=True)
        save("guards", name, entry)


def head_ndcg(model: Callable[[np.ndarray], np.ndarray] | None, data: dict, qids: Sequence[str]) -> float:
    """Approximate nDCG@10 of the head alone from the exported labels (no duplicate folding, a judgment
    credited at every passage holding it): for choosing a setting inside a training fold only."""
    out = []
    for qid in qids:
        d = data[qid]
        s = model(d["X"]) if model else -np.arange(len(d["y"]))
        gains = d["y"][np.argsort(-s, kind="stable")][:10]
        discounts = 1 / np.log2(np.arange(2, 12))
        ideal = float((np.sort(d["y"])[::-1][:10] * discounts[:min(10, len(d["y"]))]).sum())
        out.append(float((gains * discounts[:len(gains)]).sum()) / ideal if ideal > 0 else 0.0)
    return float(np.mean(out))


def nested() -> None:
    """The UN-only and SciFact-weighted pairwise families with C (and UN weight) chosen INSIDE each training
    fold (an inner 2-fold split by sha1's second byte, approximate head nDCG), then measured through the
    product's search on the held-out fold: the CV figure without the choice among settings made on it."""
    import hashlib

    emb = embedder()
    sci, un = load("scifact-train"), load("un-dev")
    dataset = q.coop_sets("dev")["un"]
    engine = engine_for("un", emb)
    base = summary(per_query(dataset, engine, None))
    families = {
        "nested: pairwise un only, C chosen": [{"model": "pairwise", "C": c, "sci_weight": 0.0}
                                              for c in (0.001, 0.003, 0.01, 0.03, 0.1, 1.0)],
        "nested: pairwise SciFact + un xW, C and W chosen": [{"model": "pairwise", "C": c, "un_weight": w}
                                                            for c in (0.01, 0.1, 1.0) for w in (1.0, 3.0, 10.0, 30.0)],
    }
    for family, grid in families.items():
        combined: dict[str, float] = {}
        chosen = []
        for held in (0, 1):
            train = {k: v for k, v in un.items() if v["fold"] != held}
            inner = {k: hashlib.sha1(k.encode()).digest()[1] % 2 for k in train}

            def inner_score(spec: dict, train: dict = train, inner: dict = inner) -> float:
                total = 0.0
                for part in (0, 1):
                    fitted = fit(spec, [(sci, spec.get("sci_weight", 1.0)),
                                        ({k: v for k, v in train.items() if inner[k] != part},
                                         spec.get("un_weight", 1.0))])
                    total += head_ndcg(fitted, train, [k for k in train if inner[k] == part])
                return total / 2
            best = max(grid, key=inner_score)
            chosen.append(best)
            model = fit(best, [(sci, best.get("sci_weight", 1.0)), (train, best.get("un_weight", 1.0))])
            qids = {qid for qid, _ in dataset.queries() if fold(qid) == held}
            combined.update(per_query(dataset, engine, model, qids))
        s = summary(combined)
        print(f"{family:<50} {s['all']:6.3f} {s['fold0']:6.3f} {s['fold1']:6.3f}  {s['all'] - base['all']:+.4f} "
              f"{s['fold0'] - base['fold0']:+.4f} {s['fold1'] - base['fold1']:+.4f}  chosen {chosen}", flush=True)
        save("un_dev_nested", family, {**s, "chosen": chosen,
                                       "per_query": {k: round(v, 4) for k, v in combined.items()}})


def cost(rounds: int = 2) -> None:
    """What the shipped re-ranker adds per hybrid query on UN dev: the time inside SearchEngine._learned, and
    whole searches with it on and off (alternating, same process; query vectors cached)."""
    from dataclasses import replace

    from index.search import SearchConfig

    emb = embedder()
    dataset = q.coop_sets("dev")["un"]
    index_dir = q.cached_index("un", q.COOP_SOURCES["un"], q.COOP_CODE, emb)
    holder = IndexHolder(index_dir, emb.info)
    spent: list[float] = []

    class Timed(SearchEngine):
        def _learned(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return super()._learned(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - started)

    on = Timed(holder, emb, config=replace(SearchConfig(), learned_rerank=True))
    off = SearchEngine(holder, emb)
    texts = [text for _, text in dataset.queries()]
    for engine in (on, off):  # warm: caches, the model file, query vectors
        for text in texts[:20]:
            engine.search(SearchRequest(query=text, k=10, mode="hybrid"))
    spent.clear()
    took: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(rounds):
        for text in texts:
            for name, engine in (("off", off), ("on", on)):
                took[name].append(engine.search(SearchRequest(query=text, k=10, mode="hybrid")).took_ms)
    print(f"_learned per query: median {1000 * float(np.median(spent)):.2f} ms, p90 "
          f"{1000 * float(np.percentile(spent, 90)):.2f} ms ({len(spent)} calls)")
    for name, values in took.items():
        print(f"hybrid search {name}: median {float(np.median(values)):.1f} ms, "
              f"p90 {float(np.percentile(values, 90)):.1f} ms")


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["cv"]
    if command == "export":
        export()
    elif command == "cv":
        cv(rest or list(SPECS))
    elif command == "nested":
        nested()
    elif command == "cost":
        cost()
    elif command == "ship":
        ship(*rest)
    elif command == "guard":
        guard(rest)
    else:
        raise SystemExit(f"unknown command {command!r}: export, cv or guard")
