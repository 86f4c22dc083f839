import sys, pickle; sys.path.insert(0, "bench/lab"); sys.path.insert(0, "bench")
import numpy as np
from fast import NAMES, evaluate, kinds
data = pickle.load(open("bench/.cache/lab/feats3.pkl", "rb"))
sent = pickle.load(open("bench/.cache/lab/sent.pkl", "rb"))
N = len(NAMES)
for qid, d in data.items():
    X = d["X"]
    if not len(X): continue
    best = np.zeros(len(X)); gain = np.zeros(len(X))
    for i, v in sent[qid].items():
        best[i] = v; gain[i] = max(0.0, v - X[i, 4]) if X[i, 4] > 0 else 0.0
    d["X"] = np.hstack([X[:, :N], best[:, None], gain[:, None]])
def W(**kv):
    w = np.zeros(N + 2); base = dict(kw=2, sem=1, cov=1, prox=1, mandprior=0.5); base.update(kv)
    names = NAMES + ["sbest", "sgain"]
    for k, v in base.items(): w[names.index(k)] = v
    return w
print("default+mand", kinds(data, evaluate(data, W())))
for v in (0.5, 1.0, 2.0, 4.0):
    print("sentence gain over passage cos", v, kinds(data, evaluate(data, W(sgain=v))))
for v in (0.25, 0.5, 1.0):
    print("best sentence cos", v, kinds(data, evaluate(data, W(sbest=v))))
