import sys, pickle, os; sys.path.insert(0, "bench/lab"); sys.path.insert(0, "bench")
import numpy as np
from fast import NAMES, export, evaluate, kinds
P = "bench/.cache/lab/feats.pkl"
if os.path.exists(P): data = pickle.load(open(P, "rb"))
else:
    from rank_lab import Lab
    data = export(Lab(), P)
def W(**kv):
    w = np.zeros(len(NAMES)); base = dict(kw=2, sem=1, cov=1, prox=1); base.update(kv)
    for k, v in base.items(): w[NAMES.index(k)] = v
    return w
print("default approx", kinds(data, evaluate(data, W())))
for k in ("mandprior",):
    for v in (0.25, 0.5, 1.0): print(k, v, kinds(data, evaluate(data, W(**{k: v}))))
# coordinate ascent
free = ["kw", "sem", "cov", "prox", "cos", "mandprior", "headcov", "kwrr", "semrr", "both"]
w = W(); best = np.mean(list(evaluate(data, w).values()))
steps = [-0.5, -0.25, -0.1, 0.1, 0.25, 0.5]
for rnd in range(3):
    improved = False
    for name in free:
        i = NAMES.index(name)
        for st in steps:
            t = w.copy(); t[i] = w[i] + st
            if name == "kw" and t[i] <= 0: continue
            v = np.mean(list(evaluate(data, t).values()))
            if v > best + 1e-4:
                best, w, improved = v, t, True
    print("round", rnd, round(best, 4), {n: round(x, 2) for n, x in zip(NAMES, w) if x})
    if not improved: break
print(kinds(data, evaluate(data, w)))
