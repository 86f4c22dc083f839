import sys; sys.path.insert(0, "bench")
from rank_lab import Lab, linear, MANDATE_WORDS
from index.query import stems
lab = Lab()
base = lab.per_query("hybrid")
print("default", lab.by_kind(base), flush=True)
def run(name, rescore):
    s = lab.per_query("hybrid", rescore)
    print(f"{name:40}", lab.by_kind(s), flush=True)
    return s
run("linear default", linear({}))
for m in (0.1, 0.25, 0.5):
    run(f"operative prior mandate-q {m}", linear({}, lambda a, f, m=m: m if MANDATE_WORDS.search(a.text) and f.stored.chunk.kind == "operative" else 0.0))
    run(f"oper+pre prior mandate-q {m}", linear({}, lambda a, f, m=m: m if MANDATE_WORDS.search(a.text) and f.stored.chunk.kind in ("operative","preambular") else 0.0))
    run(f"operative prior always {m}", linear({}, lambda a, f, m=m: m if f.stored.chunk.kind == "operative" else 0.0))
for m in (0.25, 0.5):
    run(f"resolution/decision doc prior mandate-q {m}", linear({}, lambda a, f, m=m: m if MANDATE_WORDS.search(a.text) and f.doc_type in ("resolution","decision","draft","declaration") else 0.0))
def headcov(a, f):
    hs = set(stems(" ".join([*f.stored.chunk.heading_path, f.title])))
    return sum(1 for t in a.terms if t in hs) / len(a.terms) if a.terms else 0.0
for m in (0.25, 0.5, 1.0):
    run(f"heading/title coverage {m}", linear({}, lambda a, f, m=m: m * headcov(a, f)))
for kwr in (0.25, 0.5):
    run(f"keyword top-rank bonus {kwr}/rank", linear({}, lambda a, f, m=kwr: m / f.kw_rank if f.kw_rank else 0.0))
for c in (0.5, 1.0):
    run(f"raw cosine {c}", linear({}, lambda a, f, m=c: m * f.cos))
