import sys, pickle, re; sys.path.insert(0, "bench/lab"); sys.path.insert(0, "bench")
import numpy as np
from fast import NAMES, evaluate, kinds
data = pickle.load(open("bench/.cache/lab/feats2.pkl", "rb"))
NAMES2 = NAMES + ["sem_named"]
NAMED = re.compile(r"\b[A-Z]{2,}[a-z]?\b|\b\d{1,4}/\d+|\(\w+\)")
for d in data.values():
    flag = 1.0 if NAMED.search(d["text"]) else 0.0
    d["X"] = np.hstack([d["X"][:, :len(NAMES)], d["X"][:, [1]] * flag]) if len(d["X"]) else d["X"]
def W(**kv):
    w = np.zeros(len(NAMES2)); base = dict(kw=2, sem=1, cov=1, prox=1); base.update(kv)
    for k, v in base.items(): w[NAMES2.index(k)] = v
    return w
print(sum(1 for d in data.values() if NAMED.search(d["text"])), "named queries of", len(data))
for v in (-0.25, -0.5, -0.75):
    print("sem x named", v, kinds(data, evaluate(data, W(sem_named=v))))
    print("  + mand .5", kinds(data, evaluate(data, W(sem_named=v, mandprior=.5))))
