import sys, pickle, os; sys.path.insert(0, "bench/lab"); sys.path.insert(0, "bench")
import numpy as np
from fast import NAMES, export, evaluate, kinds
P = "bench/.cache/lab/feats2.pkl"
if os.path.exists(P): data = pickle.load(open(P, "rb"))
else:
    from rank_lab import Lab
    data = export(Lab(), P)
def W(**kv):
    w = np.zeros(len(NAMES)); base = dict(kw=2, sem=1, cov=1, prox=1); base.update(kv)
    for k, v in base.items(): w[NAMES.index(k)] = v
    return w
print("default", kinds(data, evaluate(data, W())))
print("kw unclipped", kinds(data, evaluate(data, W(kw=0, kwu=2))))
print("both unclipped", kinds(data, evaluate(data, W(kw=0, kwu=2, sem=0, semu=1))))
print("kw unclipped + mand .5", kinds(data, evaluate(data, W(kw=0, kwu=2, mandprior=.5))))
for wp in (0.1, 0.25, 0.5, 1.0):
    print("prf", wp, kinds(data, evaluate(data, W(prf=wp))))
