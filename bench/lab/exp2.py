import sys, re, time; sys.path.insert(0, "bench")
import numpy as np
from rank_lab import Lab, linear
from index.query import stems, analyse
from index.build import embedding_text
from ingest.chunking import _sentences
from index.fusion import Candidate
lab = Lab()
base = lab.per_query("hybrid")
print("default", lab.by_kind(base), flush=True)
def run(name, rescore):
    s = lab.per_query("hybrid", rescore)
    print(f"{name:48}", lab.by_kind(s), flush=True)
    return s
MW = re.compile(r"\b(decid|decision|request|recall|call(ed|s)? (up)?on|urg|invit|mandat|resolution|adopt|endors|encourag|reaffirm|recommend|ask|propos|proclaim|proclamation)", re.I)
for m in (0.25, 0.5, 1.0):
    run(f"oper+pre prior broad mandate-q {m}", linear({}, lambda a, f, m=m: m if MW.search(a.text) and f.stored.chunk.kind in ("operative","preambular") else 0.0))
# sentence-level semantic: top-30 by default fused score
from index.search import SearchConfig
emb = lab.embedder
qv = {}
def sent_rescore(w, top=30, ctx=False, mode="max"):
    inner = linear({})
    def rescore(a, scored, feats):
        fused = inner(a, scored, feats)
        byid = {f.chunk_id: f for f in feats}
        head = fused[:top]
        if a.semantic_text not in qv:
            qv[a.semantic_text] = emb.encode_query(a.semantic_text)
        v = qv[a.semantic_text]
        out = []
        for c in head:
            f = byid[c.chunk_id]
            sents = [s for s in _sentences(f.stored.chunk.text) if len(s.split()) >= 4] or [f.stored.chunk.text]
            if ctx:
                pre = f.title.strip()
                sents = [pre + "\n" + s for s in sents]
            M = emb.encode(sents)
            best = float(np.max(M @ v))
            bonus = w * max(0.0, best - f.cos) if mode == "max" else w * best
            out.append(Candidate(c.chunk_id, c.score + bonus, c.retrievers))
        return sorted(out, key=lambda c: -c.score) + fused[top:]
    return rescore
t = time.time()
for w in (1.0, 2.0, 4.0):
    run(f"sentence max-over-passage gain x{w} top30", sent_rescore(w)); print("t", time.time() - t, "computed", emb.computed, flush=True)
for w in (1.0, 2.0):
    run(f"sentence best cos x{w} top30", sent_rescore(w, mode="abs"))
