import sys, pickle, os; sys.path.insert(0, "bench/lab"); sys.path.insert(0, "bench")
import numpy as np
from fast import NAMES, export, evaluate, kinds
P = "bench/.cache/lab/feats3.pkl"
if os.path.exists(P): data = pickle.load(open(P, "rb"))
else:
    from rank_lab import Lab
    data = export(Lab(), P)
def W(**kv):
    w = np.zeros(len(NAMES)); base = dict(kw=2, sem=1, cov=1, prox=1, mandprior=0.5); base.update(kv)
    for k, v in base.items(): w[NAMES.index(k)] = v
    return w
print("default+mand", kinds(data, evaluate(data, W())))
for lam in (0.05, 0.1, 0.2, 0.3, 0.5):
    print("doc diversity", lam, kinds(data, evaluate(data, W(), lam=lam)))
for v in (0.02, 0.05):
    print("kwrr tiebreak", v, kinds(data, evaluate(data, W(kwrr=v))))
