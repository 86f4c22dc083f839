import sys, pickle, time; sys.path.insert(0, "bench/lab"); sys.path.insert(0, "bench")
import numpy as np
from rank_lab import Lab
from fast import NAMES
from ingest.chunking import _sentences
from index.search import SearchRequest
TOP = 15
data = pickle.load(open("bench/.cache/lab/feats3.pkl", "rb"))
w = np.zeros(len(NAMES))
for k, v in dict(kw=2, sem=1, cov=1, prox=1, mandprior=0.5).items(): w[NAMES.index(k)] = v
lab = Lab()
eng = lab.engine
todo = {}
allsent = []
for qid, text in lab.dataset.queries():
    eng.search(SearchRequest(query=text, k=10, mode="keyword"))
    key = next(k for k in eng.cache if k[0] == text)
    scored, feats = eng.cache[key]
    d = data[qid]
    s = d["X"] @ w
    order = np.argsort(-s, kind="stable")[:TOP]
    items = []
    for i in order:
        f = feats[i]
        sents = [x for x in _sentences(f.stored.chunk.text) if len(x.split()) >= 4] or [f.stored.chunk.text]
        items.append((int(i), sents)); allsent += sents
    todo[qid] = (text, items)
uniq = list(dict.fromkeys(allsent))
print("sentences", len(uniq), flush=True)
t = time.time()
V = lab.embedder.encode(uniq)
print("encoded in", time.time() - t, flush=True)
vec = dict(zip(uniq, V))
out = {}
for qid, (text, items) in todo.items():
    qv = lab.embedder.encode_query(text)
    out[qid] = {i: float(max(vec[x] @ qv for x in sents)) for i, sents in items}
pickle.dump(out, open("bench/.cache/lab/sent.pkl", "wb"))
print("done")
