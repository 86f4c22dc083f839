import sys, pickle, hashlib; sys.path.insert(0, "bench/lab"); sys.path.insert(0, "bench")
import numpy as np
from fast import NAMES, evaluate, kinds
data = pickle.load(open("bench/.cache/lab/feats.pkl", "rb"))
def W(**kv):
    w = np.zeros(len(NAMES)); base = dict(kw=2, sem=1, cov=1, prox=1); base.update(kv)
    for k, v in base.items(): w[NAMES.index(k)] = v
    return w
def m(w, qids): return float(np.mean(list(evaluate(data, w, qids).values())))
def ascend(free, qids, start=None):
    w = W() if start is None else start.copy(); best = m(w, qids)
    for rnd in range(3):
        imp = False
        for name in free:
            i = NAMES.index(name)
            for st in (-0.5, -0.25, -0.1, 0.1, 0.25, 0.5):
                t = w.copy(); t[i] += st
                if name == "kw" and t[i] <= 0: continue
                v = m(t, qids)
                if v > best + 1e-4: best, w, imp = v, t, True
        if not imp: break
    return w
folds = {}
for q in data: folds.setdefault(hashlib.sha256(("cv" + q).encode()).digest()[0] % 2, set()).add(q)
A, B = folds[0], folds[1]
print("fold sizes", len(A), len(B))
sets = {"mandprior": ["mandprior"], "weights+mand": ["kw", "sem", "cov", "prox", "mandprior"],
        "all": ["kw", "sem", "cov", "prox", "cos", "mandprior", "headcov", "kwrr", "semrr", "both"]}
for name, free in sets.items():
    tot = []
    for tr, te in ((A, B), (B, A)):
        w = ascend(free, tr)
        tot.append((m(W(), te), m(w, te)))
        print(f"  {name:14} train->{m(w,tr):.4f} test default {m(W(), te):.4f} fitted {m(w, te):.4f}", {n: round(x, 2) for n, x in zip(NAMES, w) if x})
    print(name, "cv mean gain", round(np.mean([b - a for a, b in tot]), 4), flush=True)
