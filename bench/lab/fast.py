"""Fast approximate evaluator: features per candidate exported once; ranking = X @ w; duplicates clustered."""
import sys, re, math, pickle; sys.path.insert(0, "bench")
import numpy as np
from pathlib import Path
from index.duplicates import collapse
from index.query import stems
from metrics import ndcg
MW = re.compile(r"\b(decid|decision|request|recall|call(ed|s)? (up)?on|urg|invit|mandat|resolution|adopt|endors|encourag|reaffirm|recommend|ask|propos|proclaim|proclamation)", re.I)
NAMES = ["kw", "sem", "cov", "prox", "cos", "mandprior", "headcov", "oper", "kwrr", "semrr", "both", "nkw", "kwu", "semu", "prf"]
def export(lab, path="bench/.cache/lab/feats.pkl"):
    from index.search import SearchRequest
    data = {}
    eng = lab.engine
    store = eng.holder.current().store
    for qid, text in lab.dataset.queries():
        eng.search(SearchRequest(query=text, k=100, mode="keyword"))  # fills the cache
        key = next(k for k in eng.cache if k[0] == text)
        scored, feats = eng.cache[key]
        from index.query import analyse
        a = analyse(text)
        rows, match, texts = [], [], []
        kwu = dict(unclipped(scored["keyword"])); semu = dict(unclipped(scored.get("semantic", [])))
        prf = dict(dbsf_scale(prf_list(store, a, scored, feats, 5, 10))) if a.terms and scored["keyword"] else {}
        for f in feats:
            hs = set(stems(" ".join([*f.stored.chunk.heading_path, f.title])))
            hc = sum(1 for t in a.terms if t in hs) / len(a.terms) if a.terms else 0.0
            oper = f.stored.chunk.kind in ("operative", "preambular")
            rows.append([f.kw, f.sem, f.ev.coverage if a.terms else 0, f.ev.proximity if a.terms else 0, f.cos,
                         1.0 if oper and MW.search(text) else 0.0, hc, 1.0 if oper else 0.0,
                         1 / f.kw_rank if f.kw_rank else 0, 1 / f.sem_rank if f.sem_rank else 0,
                         1.0 if f.kw_rank and f.sem_rank else 0.0, 0.0, kwu.get(f.chunk_id, 0.0), semu.get(f.chunk_id, 0.0), prf.get(f.chunk_id, 0.0)])
            item = lab.dataset.items[qid]
            from judgments import normalise_for_match
            passage = normalise_for_match(" ".join([*f.stored.chunk.heading_path, f.stored.chunk.text]))
            name = Path(f.source).name
            match.append(frozenset(i for i, j in enumerate(item.relevant) if j.doc == name and normalise_for_match(j.phrase) in passage))
            texts.append((f.chunk_id, f.stored.chunk.text))
        groups = collapse(texts)
        cluster = {}
        for n, g in enumerate(groups):
            cluster[g.kept] = n
            for d in g.duplicates: cluster[d] = n
        cl = np.array([cluster[i] for i, _ in texts])
        item = lab.dataset.items[qid]
        data[qid] = dict(X=np.array(rows, dtype=float), match=match, cl=cl, ideal=[float(j.grade) for j in item.relevant],
                         grades=[j.grade for j in item.relevant], kind=item.kind, text=text, nkw=len(a.terms), docs=[f.stored.chunk.doc_id for f in feats if True])
    pickle.dump(data, open(path, "wb"))
    return data
def evaluate(data, w, qids=None, lam=0.0):
    out = {}
    for qid, d in data.items():
        if qids and qid not in qids: continue
        X = d["X"]
        if not len(X): out[qid] = 0.0; continue
        s = X @ w
        order = np.argsort(-s, kind="stable")
        if lam:
            docs = d["docs"]; count = {}; picked = []; pool = list(order[:60]); 
            while pool and len(picked) < 30:
                best = max(pool, key=lambda i: s[i] - lam * count.get(docs[i], 0))
                pool.remove(best); picked.append(best); count[docs[best]] = count.get(docs[best], 0) + 1
            order = picked
        seen_cl, credited, gains = set(), set(), []
        clmatch = {}
        for i, c in enumerate(d["cl"]):
            clmatch.setdefault(c, set()).update(d["match"][i])
        for i in order:
            c = d["cl"][i]
            if c in seen_cl: continue
            seen_cl.add(c)
            new = [j for j in clmatch[c] if j not in credited]
            credited.update(new)
            gains.append(float(max((d["grades"][j] for j in new), default=0)))
            if len(gains) >= 10: break
        out[qid] = ndcg(gains, d["ideal"], 10)
    return out
def kinds(data, scores):
    k = {}
    for q, v in scores.items():
        k.setdefault(data[q]["kind"], []).append(v); k.setdefault("all", []).append(v)
    return {a: round(float(np.mean(b)), 4) for a, b in sorted(k.items())}

from collections import Counter
from dataclasses import replace
from index.fusion import dbsf_scale
from index.query import STOPWORDS
STOP = {stems(w)[0] for w in STOPWORDS if stems(w)}
idf_cache = {}
def unclipped(items):
    if not items: return []
    v = np.array([s for _, s in items]); mu, sd = v.mean(), v.std()
    if sd == 0: return [(i, 1.0) for i, _ in items]
    return [(i, (s - (mu - 3 * sd)) / (6 * sd)) for i, s in items]
def prf_list(store, a, scored, feats, k, n):
    byid = {f.chunk_id: f for f in feats}
    top = [i for i, _ in scored["keyword"][:k] if i in byid]
    tf = Counter()
    for i in top:
        st = [s for s in stems(byid[i].stored.chunk.text) if len(s) > 2 and not s.isdigit() and s not in STOP and s not in a.terms]
        if not st: continue
        for t, v in Counter(st).items(): tf[t] += v / len(st)
    cand = [t for t, _ in tf.most_common(60)]
    miss = [t for t in cand if t not in idf_cache]
    if miss: idf_cache.update(store.term_rarity(miss))
    ranked = sorted(cand, key=lambda t: -tf[t] * idf_cache[t])[:n]
    return store.keyword_search(replace(a, terms=tuple(ranked), required=(), expansions=(), in_title=(), excluded=()), 100) if ranked else []
