"""Retrieval quality of the product's own ingest and search, on BEIR SciFact and the cooperation set.

    python bench/quality.py                          # keyword, semantic, hybrid on every set, both halves
    python bench/quality.py --half dev --levers      # and the variants tried, on the dev half (tuning)
    python bench/quality.py --only un --only scifact # some sets (scifact, un, speeches)
    python bench/quality.py --backend milvus         # the same, built into Milvus Lite (bench/.cache/milvus.db)

Prints one table (nDCG@10 per kind, then nDCG@10, Recall@100, MRR@10 over all queries) for each half
of the judged sets (`un`: corpus/ + the 34 UN PDFs; `speeches`: corpus/ + the 524 General Debate
speeches) and SciFact, and writes bench/results/quality.json. Indexes are
built with `index.build.ingest_paths` into bench/.cache/ and reused while the model and the code
that decides what is stored are unchanged; embeddings are cached by text, so a rebuild after an
ingest change embeds only the passages whose text changed.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
SHARED = ROOT.parent / "shared"
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results" / "quality.json"
SCIFACT = SHARED / "data" / "scifact"
UN_PDFS = SHARED / "data" / "un-pdfs"
SPEECHES = SHARED / "data" / "ungdc-ssc"
# Each judged source set is searched in its own index; the seed corpus is in both.
COOP_SOURCES = {"un": [ROOT / "corpus", UN_PDFS], "speeches": [ROOT / "corpus", SPEECHES]}

from embed_cache import CachedEmbedder  # noqa: E402
from judgments import HALVES, KINDS, Query, half, load_all, normalise_for_match, source_set  # noqa: E402
from metrics import mean, mrr, ndcg, recall  # noqa: E402

from index.backends import BackendConfig, make_backend  # noqa: E402
from index.bm25 import Bm25Config  # noqa: E402
from index.build import IngestOptions, ingest_paths  # noqa: E402
from index.embedder import Embedder, default_model_path  # noqa: E402
from index.errors import CoopsearchError  # noqa: E402
from index.fusion import Boosts, FusionConfig  # noqa: E402
from index.manifest import MANIFEST_NAME, read_manifest  # noqa: E402
from index.search import SearchConfig, SearchEngine, SearchRequest  # noqa: E402
from index.snapshot import IndexHolder  # noqa: E402
from index.types import Hit  # noqa: E402
from ingest.types import Chunk, Document  # noqa: E402

PUBLISHED_SCIFACT = {
    "BM25 (BEIR, Anserini)": 0.665,
    "all-MiniLM-L6-v2 (MTEB)": 0.645,
    "bge-small-en-v1.5 (MTEB)": 0.713,
    "MiniLM + BM25, RRF (Qdrant)": 0.718,
    "MiniLM + BM25, DBSF (Qdrant)": 0.732,
}
# The code that decides what an index stores: a change to any of it rebuilds the cached index.
# ("file" hashes a file; "file:name" only the named function or constant, so unrelated edits keep the cache.)
STORED_BY_INDEX = ["index/build.py:embedding_text", "index/store.py:SCHEMA", "index/store.py:Store.add_document",
                   "index/keyword_engine.py:TantivyKeywords.add", "index/sentences.py:stored_sentences",
                   "index/sentences.py:to_blob"]
SCIFACT_CODE = ["ingest/chunking.py", "ingest/paragraphs.py", "ingest/structure.py", "ingest/readers/text.py",
                *STORED_BY_INDEX]
COOP_CODE = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ingest").rglob("*.py")) + STORED_BY_INDEX


@dataclass(frozen=True)
class Variant:
    """One configuration to measure: a search mode and the engine's settings."""

    name: str
    mode: str
    config: SearchConfig = field(default_factory=SearchConfig)
    # another engine than the product's (a prototype under bench/lab): (holder, embedder, config) -> engine
    engine: Callable[[IndexHolder, Embedder, SearchConfig], SearchEngine] | None = None


def variants(levers: bool) -> list[Variant]:
    """The three modes with the defaults, then (with `levers`) the alternatives tried on the dev half."""
    base = SearchConfig()
    out = [Variant("keyword", "keyword"), Variant("semantic", "semantic"), Variant("hybrid", "hybrid")]
    if not levers:
        return out
    boost = base.boosts
    tried = [
        ("hybrid dbsf 1:1", replace(base, fusion=replace(base.fusion, keyword_weight=1.0))),
        ("hybrid dbsf 3:1", replace(base, fusion=replace(base.fusion, keyword_weight=3.0))),
        ("hybrid rrf k=10 2:1", replace(base, fusion=FusionConfig(10, 2, 1, "rrf"))),
        ("hybrid minmax 2:1", replace(base, fusion=replace(base.fusion, method="minmax"))),
        ("hybrid depth 50", replace(base, depth=50)),
        ("hybrid depth 200", replace(base, depth=200)),
        ("hybrid no duplicate collapse", replace(base, collapse_duplicates=False)),
        ("hybrid no semantic floor", replace(base, semantic_floor=-1.0)),
        ("hybrid fields 1/1/1", replace(base, field_weights=(1.0, 1.0, 1.0))),
        ("hybrid fields 1/0.2/0.2", replace(base, field_weights=(1.0, 0.2, 0.2))),
        ("keyword fields 1/1/1", replace(base, field_weights=(1.0, 1.0, 1.0))),
        ("hybrid no boosts", replace(base, boosts=Boosts())),
    ]
    for name, value in (("adaptive", 0.5), ("adaptive", 1.0), ("adaptive", 2.0), ("coverage", 0.5),
                        ("coverage", 1.0), ("coverage", 2.0), ("proximity", 0.25), ("proximity", 0.5),
                        ("proximity", 1.0)):
        tried.append((f"hybrid {name} {value}", replace(base, boosts=replace(boost, **{name: value}))))
    for coverage, proximity in ((1.0, 1.0), (2.0, 1.0), (1.0, 0.5)):
        tried.append((f"hybrid rarity-weighted coverage {coverage} proximity {proximity}",
                      replace(base, boosts=Boosts(coverage=coverage, proximity=proximity, rarity=True))))
    tried.append(("hybrid boosts, adaptive 0.5", replace(base, boosts=replace(boost, adaptive=0.5))))
    for coverage, proximity, weight in ((1.0, 0.5, 2.0), (1.0, 0.25, 2.0), (2.0, 0.5, 2.0), (1.0, 1.0, 2.0),
                                        (1.0, 0.5, 1.0), (1.0, 0.5, 1.5), (0.5, 0.5, 2.0)):
        tried.append((f"hybrid coverage {coverage} proximity {proximity} dbsf {weight}:1",
                      replace(base, boosts=Boosts(coverage=coverage, proximity=proximity),
                              fusion=replace(base.fusion, keyword_weight=weight))))
    for mandate in (0.0, 0.25, 1.0):  # the mandate prior (default 0.5): resolutions' paragraphs for mandate questions
        tried.append((f"hybrid mandate prior {mandate}", replace(base, boosts=replace(boost, mandate=mandate))))
    # sentence-level semantic scoring of the best candidates, from the sentence vectors stored at ingest
    tried.append(("hybrid no sentence scoring", replace(base, sentence_rerank=0)))
    for top, weight, how in ((5, 1.0, "add"), (10, 1.0, "add"), (15, 1.0, "add"), (20, 1.0, "add"),
                             (30, 1.0, "add"), (50, 1.0, "add"), (15, 0.5, "add"), (15, 1.5, "add"),
                             (15, 2.0, "add"), (30, 0.5, "add"), (30, 1.5, "add"), (15, 0.5, "dbsf"),
                             (15, 1.0, "dbsf"), (30, 1.0, "dbsf"), (100, 1.0, "dbsf"), (100, 0.5, "dbsf"),
                             (20, 1.0, "dbsf"), (30, 0.75, "dbsf"), (30, 1.5, "dbsf"), (50, 1.0, "dbsf"),
                             (20, 1.5, "add")):
        tried.append((f"hybrid sentence {how} {top} x{weight}", replace(base, sentence_rerank=top,
                                                                      sentence_weight=weight, sentence_fusion=how)))
    # the head re-ordered by the learned linear ranker (index.rerank; fitted by bench/lab/ltr.py on the dev half)
    tried.append(("hybrid learned rerank", replace(base, learned_rerank=True)))
    out += [Variant(name, "keyword" if name.startswith("keyword") else "hybrid", config) for name, config in tried]
    # semantic mode's first N passages scored by the closer of their own vector and their best sentence
    out += [Variant(f"semantic best sentence {top}", "semantic", replace(base, semantic_sentence_rerank=top))
            for top in (0, 10, 20, 30, 50)]
    out += sentence_retriever_variants(base)
    out += bm25_variants(base)
    out += context_variants(base)
    out += detitled_variants(base)
    out += dense_prf_variants(base)
    return out


def detitled_variants(base: SearchConfig) -> list[Variant]:
    """Semantic cosines with beta x the passage's context line (title and heading) removed
    (bench/lab/detitled.py; issue 11): hybrid and semantic mode."""
    sys.path.insert(0, str(BENCH / "lab"))
    from detitled import DetitledEngine

    out = []
    for mode, beta in (("hybrid", 0.25), ("hybrid", 0.5), ("semantic", 0.25), ("semantic", 0.5), ("semantic", 1.0)):
        def make(holder: IndexHolder, embedder: Embedder, config: SearchConfig, beta: float = beta) -> SearchEngine:
            return DetitledEngine(holder, embedder, config, beta)

        out.append(Variant(f"{mode} detitled {beta}", mode, base, make))
    return out


# Dense pseudo-relevance feedback settings measured (bench/lab/dense_prf.py; issue 11, UN dev half):
# (source, k, alpha, weights, how, rerank with q'). ("kw", 1, 1.0, …) is q' = q: the product's ranking.
DENSE_PRF = [("kw", 1, 1.0, "uniform", "search", False),
             *(("kw", k, a, "uniform", "search", False) for k in (1, 3, 5, 10) for a in (0.5, 0.7, 0.85)),
             *(("fused", k, a, "uniform", "search", False) for k in (1, 3, 5, 10) for a in (0.7,)),
             # second round: the candidates re-scored by q', q''s list as a third one, weights by score, the
             # head's sentence re-scoring with q' too; then semantic mode alone (its own first list)
             ("kw", 3, 0.7, "uniform", "rescore", False), ("kw", 5, 0.7, "uniform", "rescore", False),
             ("fused", 3, 0.7, "uniform", "rescore", False), ("kw", 3, 0.7, "uniform", "join", False),
             ("kw", 5, 0.85, "uniform", "join", False), ("fused", 3, 0.7, "uniform", "join", False),
             ("kw", 5, 0.7, "score", "search", False), ("kw", 10, 0.7, "score", "search", False),
             ("kw", 3, 0.7, "uniform", "search", True),
             ("sem", 3, 0.7, "uniform", "search", False), ("sem", 5, 0.7, "uniform", "search", False),
             ("sem", 10, 0.85, "uniform", "search", False), ("sem", 5, 0.7, "uniform", "rescore", False)]


def dense_prf_variants(base: SearchConfig) -> list[Variant]:
    """Dense pseudo-relevance feedback (bench/lab/dense_prf.py; issue 11): the semantic side searched (or the
    candidates re-scored) with the query moved towards the first k keyword, fused or semantic passages."""
    sys.path.insert(0, str(BENCH / "lab"))
    from dense_prf import DensePrfEngine, Feedback

    out = []
    for source, k, alpha, weights, how, rerank in DENSE_PRF:
        feedback = Feedback(source, k, alpha, weights, how, rerank)

        def make(holder: IndexHolder, embedder: Embedder, config: SearchConfig,
                 feedback: Feedback = feedback) -> SearchEngine:
            return DensePrfEngine(holder, embedder, config, feedback)

        mode = "semantic" if source == "sem" else "hybrid"
        # a diagnostic, not a product mode: semantic mode's list from q' moved by the first keyword passages
        if (source, k) in (("kw", 3), ("kw", 1)) and (alpha, how, rerank) == (0.7, "search", False):
            out.append(Variant(f"semantic dense-prf {feedback.name()} (diagnostic)", "semantic", base, make))
        out.append(Variant(f"{mode} dense-prf {feedback.name()}", mode, base, make))
    # q''s list alone nears keyword's (the diagnostics), so the fusion's 2 : 1 counts keyword's evidence twice:
    # the same feedback with a lower keyword weight
    for source, k, alpha, keyword_weight in (("kw", 3, 0.7, 1.0), ("kw", 3, 0.7, 1.5), ("kw", 1, 0.85, 1.0)):
        feedback = Feedback(source, k, alpha)
        config = replace(base, fusion=replace(base.fusion, keyword_weight=keyword_weight))

        def lowered(holder: IndexHolder, embedder: Embedder, config: SearchConfig,
                    feedback: Feedback = feedback) -> SearchEngine:
            return DensePrfEngine(holder, embedder, config, feedback)

        out.append(Variant(f"hybrid dense-prf {feedback.name()} dbsf {keyword_weight:g}:1", "hybrid", config,
                           lowered))
    return out


def context_variants(base: SearchConfig) -> list[Variant]:
    """Passage context and document evidence (bench/lab/context.py; issue 11): + a x the best (or mean)
    score of the passages beside it ("nbr-…", from the keyword or fused list), + b x its document's best (or
    summed) keyword score ("doc-max", "doc-sum"), - b x the gap to its document's best keyword score
    ("doc-gap"), + b to that best passage ("doc-best"), or (1 - a) x the score of a passage whose own text
    holds no query term ("own-term"), or none beyond its document's title and headings ("title-only");
    "pre": before the head's sentence re-scoring, "post": after it."""
    sys.path.insert(0, str(BENCH / "lab"))
    from context import ContextEngine

    settings = [(lever, weight, stage, "kw") for lever in ("doc-max", "doc-sum") for weight in (0.1, 0.25, 0.5)
                for stage in ("pre", "post")]
    settings += [(lever, weight, "pre", source) for lever in ("nbr-max", "nbr-mean") for source in ("kw", "fused")
                 for weight in (0.1, 0.25, 0.5)]
    settings += [("own-term", weight, stage, "kw") for weight in (0.1, 0.25, 0.5) for stage in ("pre", "post")]
    # second round: within the document, keyword evidence decides (the dev losses: a passage of the same
    # document as keyword's answer, semantically closer to the question's generic words, ranks above it)
    settings += [(lever, weight, stage, "kw") for lever in ("doc-gap", "doc-best") for weight in (0.1, 0.25, 0.5)
                 for stage in ("pre", "post")]
    # third: a passage whose own text holds none of the query's terms beyond its title's and headings'
    settings += [("title-only", weight, stage, "kw") for weight in (0.1, 0.25, 0.5) for stage in ("pre", "post")]
    out = []
    for lever, weight, stage, source in settings:
        name = f"hybrid context {lever}{' ' + source if lever.startswith('nbr') else ''} x{weight} {stage}"

        def make(holder: IndexHolder, embedder: Embedder, config: SearchConfig, lever: str = lever,
                 weight: float = weight, stage: str = stage, source: str = source) -> SearchEngine:
            return ContextEngine(holder, embedder, config, lever, weight, stage, source)

        out.append(Variant(name, "hybrid", base, make))
    # fourth: the round's near-misses together (document evidence lifts practice and definition, title-only fact)
    for stage, combination in (("post", (("doc-max", 0.25, "kw"), ("title-only", 0.1, "kw"))),
                               ("post", (("doc-max", 0.25, "kw"), ("own-term", 0.25, "kw"))),
                               ("pre", (("doc-max", 0.25, "kw"), ("nbr-mean", 0.1, "kw"))),
                               ("post", (("title-only", 0.1, "kw"), ("nbr-mean", 0.1, "kw")))):
        name = "hybrid context " + " + ".join(f"{lever} x{weight}" for lever, weight, _ in combination) + f" {stage}"

        def combined(holder: IndexHolder, embedder: Embedder, config: SearchConfig, stage: str = stage,
                     combination: tuple[tuple[str, float, str], ...] = combination) -> SearchEngine:
            (lever, weight, source), *also = combination
            return ContextEngine(holder, embedder, config, lever, weight, stage, source, tuple(also))

        out.append(Variant(name, "hybrid", base, combined))
    return out


def bm25_variants(base: SearchConfig) -> list[Variant]:
    """The keyword candidates re-scored by our own BM25 over their stored stems (index.bm25; issue 11's
    "BM25 k1/b and field weights"), keyword alone and hybrid: "w=2/1/1" are the text/title/heading weights
    as term counts (2/1/1 is what Tantivy's combined field scores), "pool" the candidates re-scored."""
    settings: list[Bm25Config] = [Bm25Config()]
    settings += [Bm25Config(k1=k1, b=b) for k1 in (0.6, 0.9, 1.2, 1.5, 2.0) for b in (0.3, 0.5, 0.75, 0.9)
                 if (k1, b) != (1.2, 0.75)]
    settings += [Bm25Config(weights=w) for w in ((1.0, 0.5, 0.5), (2.0, 0.0, 0.0), (2.0, 0.5, 0.5), (2.0, 2.0, 2.0),
                                                  (2.0, 1.0, 0.5), (2.0, 0.5, 1.0), (2.0, 2.0, 1.0), (2.0, 1.0, 2.0))]
    settings += [Bm25Config(delta=d) for d in (0.25, 0.5, 1.0)]
    settings += [Bm25Config(pool=p) for p in (200,)]
    # second stage, around the first stage's best hybrid (k1 0.6, b 0.5): with BM25+ and heavier titles
    settings += [Bm25Config(k1=0.6, b=0.5, delta=0.5), Bm25Config(k1=0.6, b=0.5, delta=1.0),
                 Bm25Config(k1=0.6, b=0.5, weights=(2.0, 2.0, 2.0)), Bm25Config(k1=0.6, b=0.5, weights=(2.0, 2.0, 1.0)),
                 Bm25Config(k1=0.6, b=0.5, pool=200)]
    out = []
    for config in settings:
        name = f"bm25 k1={config.k1} b={config.b} w={'/'.join(f'{w:g}' for w in config.weights)}"
        name += f" d={config.delta:g}" if config.delta else ""
        name += f" pool {config.pool}" if config.pool != 100 else ""
        out += [Variant(f"{mode} {name}", mode, replace(base, bm25=config)) for mode in ("keyword", "hybrid")]
    return out


def sentence_retriever_variants(base: SearchConfig) -> list[Variant]:
    """Sentences as a retriever of their own (bench/lab/sentret.py; issue 11): the query's top-M stored
    sentences, each mapped to its passage, as a third fused list ("list", its weight) or folded into the
    semantic list as max(passage, best sentence) cosine ("max"); with and without the head's re-scoring."""
    sys.path.insert(0, str(BENCH / "lab"))
    from sentret import SentenceRetrievalEngine

    out = []
    for how, sentences, weight, rerank in (("list", 50, 1.0, True), ("list", 100, 1.0, True),
                                           ("list", 200, 1.0, True), ("list", 100, 0.5, True),
                                           ("list", 100, 2.0, True), ("list", 100, 1.0, False),
                                           ("max", 50, 1.0, True), ("max", 100, 1.0, True),
                                           ("max", 200, 1.0, True), ("max", 100, 1.0, False),
                                           ("list", 100, 0.25, True), ("add", 100, 1.0, True)):
        config = base if rerank else replace(base, sentence_rerank=0)
        name = (f"hybrid sentence-retriever {how} {sentences}" + (f" x{weight}" if how == "list" else "")
                + ("" if rerank else " no rerank"))

        def make(holder: IndexHolder, embedder: Embedder, config: SearchConfig, how: str = how,
                 sentences: int = sentences, weight: float = weight) -> SearchEngine:
            return SentenceRetrievalEngine(holder, embedder, config, how, sentences, weight)

        out.append(Variant(name, "hybrid", config, make))
    # the folded semantic list is stronger: the fusion's keyword weight (2:1) and the head's re-scoring again
    for name, config in (("kw 1:1", replace(base, fusion=replace(base.fusion, keyword_weight=1.0))),
                         ("kw 3:1", replace(base, fusion=replace(base.fusion, keyword_weight=3.0))),
                         ("rerank x0.5", replace(base, sentence_weight=0.5)),
                         ("no rerank kw 1.5:1", replace(base, sentence_rerank=0,
                                                        fusion=replace(base.fusion, keyword_weight=1.5)))):
        out.append(Variant(f"hybrid sentence-retriever max 100 {name}", "hybrid", config,
                           lambda holder, embedder, config: SentenceRetrievalEngine(holder, embedder, config, "max",
                                                                                    100)))
    # the semantic retriever alone, its list folded with the sentences' (does it find more by itself?)
    for how, sentences in (("max", 1), ("max", 50), ("max", 100), ("max", 200), ("add", 100)):
        def alone(holder: IndexHolder, embedder: Embedder, config: SearchConfig, how: str = how,
                  sentences: int = sentences) -> SearchEngine:
            return SentenceRetrievalEngine(holder, embedder, config, how, sentences)

        out.append(Variant(f"semantic sentence-retriever {how} {sentences}", "semantic", base, alone))
    return out


# -- building the indexes -------------------------------------------------------------------------
def code_hash(parts: Iterable[str]) -> str:
    """A short hash of the named files, or of named functions and constants ("file.py:Class.name")."""
    digest = hashlib.sha256()
    for part in parts:
        name, _, attribute = part.partition(":")
        path = ROOT / name
        source = path.read_text(encoding="utf-8") if path.exists() else ""
        if attribute:
            source = _source_of(name, attribute)
        digest.update(part.encode() + b"\0" + source.encode())
    return digest.hexdigest()[:12]


def _source_of(file_name: str, attribute: str) -> str:
    import importlib
    import inspect

    module = importlib.import_module(file_name.removesuffix(".py").replace("/", "."))
    value: object = module
    for piece in attribute.split("."):
        value = getattr(value, piece)
    return value if isinstance(value, str) else inspect.getsource(value)  # type: ignore[arg-type]


def cached_index(name: str, sources: list[Path], code: list[str], embedder: Embedder,
                 backend: BackendConfig = BackendConfig(), any_code: bool = False) -> Path:
    """The index of `sources` under bench/.cache/NAME/, built if no index for this code and model exists
    (on the milvus backend: a folder of its own, whose collection lives in `backend.uri`); `any_code`:
    an index of this model built by other code will do (measuring a search-time lever without a rebuild)."""
    engine = backend.keyword_engine  # each keyword engine's index is kept apart
    key = f"{embedder.info.fingerprint}-{code_hash(code)}-{engine}"
    suffix = "" if backend.kind == "embedded" else f"-{backend.kind}"
    folder = CACHE / name / f"index-{key}{suffix}"
    if (folder / MANIFEST_NAME).exists() and _engine_holds(folder, embedder, backend):
        return folder
    if any_code:
        for other in sorted((CACHE / name).glob(f"index-{embedder.info.fingerprint}-*-{engine}{suffix}")):
            if (other / MANIFEST_NAME).exists() and _engine_holds(other, embedder, backend):
                print(f"[{name}] reusing {other.relative_to(ROOT)}, built by other code", file=sys.stderr, flush=True)
                return other
    for old in (CACHE / name).glob(f"index-*-{engine}{suffix}"):  # this engine's and backend's older builds
        shutil.rmtree(old, ignore_errors=True)
    started = time.perf_counter()
    print(f"[{name}] building the index into {folder.relative_to(ROOT)} …", file=sys.stderr, flush=True)
    report = ingest_paths(folder, sources, embedder, IngestOptions(workers=2, timeout_s=300, backend=backend))
    for problem in report.failed:
        print(f"[{name}] FAILED {problem.path}: {problem.message}", file=sys.stderr)
    print(f"[{name}] {len(report.added)} documents, {report.chunks_added} passages in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return folder


def _engine_holds(folder: Path, embedder: Embedder, backend: BackendConfig) -> bool:
    """Whether a cached index's engine is still there (a Milvus file deleted since: rebuild)."""
    if backend.kind == "embedded":
        return True
    from index.backends.milvus import MilvusBackend

    try:
        manifest = read_manifest(folder)
        return MilvusBackend(backend).collection_for(folder, manifest).count("id >= 0") >= manifest.chunks > 0
    except CoopsearchError:
        return False


def scifact_documents() -> Path:
    """Each SciFact abstract as a Markdown file (title as heading) in bench/.cache/scifact/docs."""
    folder = CACHE / "scifact" / "docs"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            title = " ".join(row["title"].split()) or row["_id"]
            (folder / f"{row['_id']}.md").write_text(f"# {title}\n\n{row['text'].strip()}\n", encoding="utf-8")
    done.touch()
    return folder


# -- judging ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Judged:
    """Gains of a ranking and what an ideal ranking would hold."""

    gains: list[float]
    ideal: list[float]
    found: int  # relevant items within the first 100


class Dataset(ABC):
    """Queries and how to judge a ranked list of hits."""

    name: str
    unit: str  # "documents" or "passages": what is counted to 100 for Recall@100

    @abstractmethod
    def queries(self) -> list[tuple[str, str]]:
        """(query id, query text) pairs."""

    @abstractmethod
    def judge(self, qid: str, hits: list[Hit]) -> Judged:
        """Gains of the ranked hits for one query."""


class SciFact(Dataset):
    """BEIR SciFact test queries; relevance per document (a passage counts at its document's first rank)."""

    name, unit = "scifact", "documents"

    def __init__(self) -> None:
        self.qrels: dict[str, dict[str, int]] = {}
        for line in (SCIFACT / "qrels" / "test.tsv").read_text().splitlines()[1:]:
            qid, doc, score = line.split("\t")
            self.qrels.setdefault(qid, {})[doc] = int(score)
        texts = {}
        for line in (SCIFACT / "queries.jsonl").read_text().splitlines():
            row = json.loads(line)
            texts[row["_id"]] = row["text"]
        self._queries = [(qid, texts[qid]) for qid in self.qrels]

    def queries(self) -> list[tuple[str, str]]:
        return self._queries

    def judge(self, qid: str, hits: list[Hit]) -> Judged:
        docs = list(dict.fromkeys(Path(h.document.source).stem for h in hits))[:100]
        relevant = self.qrels[qid]
        gains = [float(relevant.get(d, 0)) for d in docs]
        return Judged(gains, [float(v) for v in relevant.values()], sum(1 for d in docs if d in relevant))


class Cooperation(Dataset):
    """Judged cooperation queries of one source set: graded passage judgments by distinctive phrase.

    A phrase may stand in the passage's text or in the headings it is shown under.
    """

    unit = "passages"

    def __init__(self, name: str, queries: list[Query]) -> None:
        self.name = name
        self.items = {q.id: q for q in queries}

    def queries(self) -> list[tuple[str, str]]:
        return [(q.id, q.query) for q in self.items.values()]

    def group(self, qid: str) -> tuple[str, str]:
        """(half, kind) of a query."""
        return half(qid), self.items[qid].kind

    def judge(self, qid: str, hits: list[Hit]) -> Judged:
        query: Query = self.items[qid]
        credited: set[int] = set()
        gains: list[float] = []
        for hit in hits[:100]:
            new: list[int] = []
            for chunk, document in shown_places(hit):
                name = Path(document.source).name
                # A passage is shown under its headings; a resolution's number and title are a heading.
                passage = normalise_for_match(" ".join([*chunk.heading_path, chunk.text]))
                new += [i for i, j in enumerate(query.relevant)
                        if i not in credited and i not in new and j.doc == name
                        and normalise_for_match(j.phrase) in passage]
            credited.update(new)  # a judgment counts once, at the first passage that holds it
            gains.append(float(max((query.relevant[i].grade for i in new), default=0)))
        return Judged(gains, [float(j.grade) for j in query.relevant], len(credited))


def shown_places(hit: Hit) -> list[tuple[Chunk, Document]]:
    """The passage a hit shows, then the duplicates collapsed into it ("also in …"): the page lists them all."""
    return [(hit.chunk, hit.document), *((d.chunk, d.document) for d in getattr(hit, "duplicates", ()))]


def coop_sets(half_wanted: str | None, id_prefix: str = "") -> dict[str, Cooperation]:
    """The judged queries split by source set (`un`: corpus/ + the UN PDFs; `speeches`), optionally one half
    and only the ids starting with `id_prefix` (one writer's file, e.g. "uc-" for bench/judged/un-c.jsonl)."""
    chosen = [q for q in load_all() if half_wanted in (None, half(q.id)) and q.id.startswith(id_prefix)]
    return {name: Cooperation(name, [q for q in chosen if source_set(q) == name]) for name in COOP_SOURCES}


def ranked(engine: SearchEngine, query: str, mode: str, unit: str) -> list[Hit]:
    """Hits, paged through the engine until 100 distinct documents (or passages) or the end."""
    hits: list[Hit] = []
    for offset in range(0, 1000, 100):
        result = engine.search(SearchRequest(query=query, k=100, mode=mode, offset=offset))
        hits.extend(result.hits)
        count = len({h.document.id for h in hits}) if unit == "documents" else len(hits)
        if count >= 100 or len(result.hits) < 100:
            break
    return hits


def _summary(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    return {"ndcg@10": round(mean([r[0] for r in rows]), 4), "recall@100": round(mean([r[1] for r in rows]), 4),
            "mrr@10": round(mean([r[2] for r in rows]), 4), "queries": len(rows)}


def evaluate(dataset: Dataset, engine: SearchEngine, mode: str, limit: int | None, per_query: bool = False) -> dict:
    """Mean nDCG@10, Recall@100 and MRR@10 over the dataset's queries; for the cooperation sets also
    by half and kind (`{"dev": {"all": …, "fact": …}, "test": …}`)."""
    started = time.perf_counter()
    groups: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    rows = []
    for qid, text in dataset.queries()[:limit]:
        judged = dataset.judge(qid, ranked(engine, text, mode, dataset.unit))
        row = (ndcg(judged.gains, judged.ideal, 10), recall(judged.found, len(judged.ideal)), mrr(judged.gains, 10))
        rows.append(row)
        if isinstance(dataset, Cooperation):
            part, kind = dataset.group(qid)
            groups.setdefault((part, kind), []).append(row)
            groups.setdefault((part, "all"), []).append(row)
    out: dict = {**_summary(rows), "seconds": round(time.perf_counter() - started, 1)}
    for (part, kind), values in sorted(groups.items()):
        out.setdefault(part, {})[kind] = _summary(values)
    if per_query:  # each query's nDCG@10, for splits inside a half (bench/lab/folds.py)
        out["per_query"] = {qid: round(row[0], 4) for (qid, _), row in zip(dataset.queries()[:limit], rows,
                                                                            strict=True)}
    return out


# Queries that match nothing in these collections, for the similarity floor's calibration.
NONSENSE = ["xyzzy qwertyuiop", "asdf ghjkl zxcv", "blorft wibble snorkel", "qqq zzz", "lorem ipsum dolor sit amet",
            "purple elephant trampoline recipe", "how to bake sourdough bread", "quantum chromodynamics of gluons",
            "football world cup penalty shootout", "zzyzx kjhgf"]


def calibrate_floor(dataset: Cooperation, index_dir: Path, embedder: Embedder, echo: Callable[[str], None]) -> dict:
    """Cosine similarities of judged passages (found among the first 100) and of nonsense queries' best
    neighbours, on the dev half: the floor goes above the nonsense and below nearly all judged passages."""
    snapshot = IndexHolder(index_dir, embedder.info).current()
    judged: list[float] = []
    for qid, text in dataset.queries():
        scores, ids = snapshot.vectors.search(embedder.encode_query(text), 100, None)
        chunks = snapshot.store.get_chunks([int(i) for i in ids])
        documents = snapshot.store.get_documents(c.chunk.doc_id for c in chunks.values())
        for score, item in zip(scores, ids, strict=True):
            stored = chunks[int(item)]
            hit = Hit(int(item), stored.chunk, documents[stored.chunk.doc_id], float(score), 0)
            if dataset.judge(qid, [hit]).found:
                judged.append(float(score))
    nonsense = [float(snapshot.vectors.search(embedder.encode_query(q), 1, None)[0][0]) for q in NONSENSE]
    judged.sort()
    quantiles = {f"p{p}": round(judged[int(p / 100 * (len(judged) - 1))], 3) for p in (1, 5, 10, 25, 50)}
    out = {"judged_passages": len(judged), "judged_cosine": quantiles,
           "nonsense_best": sorted(round(v, 3) for v in nonsense)}
    echo(f"  {dataset.name}: {out}")
    return out


# -- the run ------------------------------------------------------------------------------------
def _line(dataset: Dataset, variant: Variant, m: dict) -> list[str]:
    """Table rows of one measured variant: one line, or one per half for the cooperation sets."""
    if not isinstance(dataset, Cooperation):
        return [f"  {dataset.name:<9} {'':<5} {variant.name:<34} {'':<34} {m['ndcg@10']:.3f}  {m['recall@100']:.3f}"
                f"  {m['mrr@10']:.3f}  {m['queries']:>4}  ({m['seconds']:.0f} s)"]
    out = []
    for part in HALVES:
        if part not in m:
            continue
        cells = "  ".join(f"{m[part][k]['ndcg@10']:.3f}" if k in m[part] else "  -  " for k in KINDS)
        a = m[part]["all"]
        out.append(f"  {dataset.name:<9} {part:<5} {variant.name:<34} {cells:<34} {a['ndcg@10']:.3f}  "
                   f"{a['recall@100']:.3f}  {a['mrr@10']:.3f}  {a['queries']:>4}")
    return out


def header() -> str:
    """The table's column names."""
    kinds = "  ".join(f"{k[:5]:<5}" for k in KINDS)
    return f"  {'set':<9} {'half':<5} {'variant':<34} {kinds:<34} nDCG@10 R@100 MRR@10 queries"


def run_dataset(dataset: Dataset, index_dir: Path, embedder: Embedder, chosen: list[Variant],
                limit: int | None, echo: Callable[[str], None], backend: BackendConfig = BackendConfig(),
                per_query: bool = False) -> dict[str, dict]:
    """Measure every variant on one dataset."""
    holder = IndexHolder(index_dir, embedder.info, backend=make_backend(backend))
    out = {}
    for variant in chosen:
        engine = (variant.engine(holder, embedder, variant.config) if variant.engine
                  else SearchEngine(holder, embedder, config=variant.config))
        out[variant.name] = evaluate(dataset, engine, variant.mode, limit, per_query)
        for line in _line(dataset, variant, out[variant.name]):
            echo(line)
    return out


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the indexes, measure, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["scifact", *COOP_SOURCES], action="append", help="measure these sets")
    parser.add_argument("--half", choices=HALVES, help="only this half of the judged sets (tune on dev)")
    parser.add_argument("--levers", action="store_true", help="also the variants tried (tune on --half dev)")
    parser.add_argument("--id-prefix", default="", help="only the judged queries whose id starts so (e.g. uc-)")
    parser.add_argument("--limit", type=int, help="first N queries of each set (smoke runs)")
    parser.add_argument("--variant", action="append", help="only the variants with these names")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--per-query", action="store_true",
                        help="also each query's nDCG@10 in the JSON (folds inside a half: bench/lab/folds.py)")
    parser.add_argument("--calibrate-floor", action="store_true", help="print the similarity floor's evidence (dev)")
    parser.add_argument("--backend", choices=["embedded", "milvus"], default="embedded",
                        help="build and search on this backend (milvus: Milvus Lite in --milvus-uri)")
    parser.add_argument("--any-cached-index", action="store_true",
                        help="reuse a cached index built by other code (a search-time lever; no rebuild)")
    parser.add_argument("--milvus-uri", default=str(CACHE / "milvus.db"), help="a .db file (Milvus Lite) or a URL")
    args = parser.parse_args(argv)
    backend = BackendConfig(kind=args.backend, uri=args.milvus_uri if args.backend == "milvus" else None,
                            keyword_engine=os.environ.get("COOPSEARCH_KEYWORD_ENGINE", "tantivy"))
    if args.backend == "milvus" and args.output == RESULTS:
        args.output = RESULTS.with_name("quality-milvus.json")
    inner = Embedder(default_model_path())
    embedder = CachedEmbedder(inner, CACHE / "embeddings.sqlite")
    chosen = [v for v in variants(args.levers) if not args.variant or v.name in args.variant]
    echo = lambda line: print(line, flush=True)  # noqa: E731
    results: dict[str, dict] = {}
    echo(header())
    wanted = args.only or ["scifact", *COOP_SOURCES]
    if "scifact" in wanted:
        index_dir = cached_index("scifact", [scifact_documents()], SCIFACT_CODE, embedder, backend,
                                 args.any_cached_index)
        results["scifact"] = {"unit": "documents", "published_ndcg@10": PUBLISHED_SCIFACT,
                              "runs": run_dataset(SciFact(), index_dir, embedder, chosen, args.limit, echo, backend,
                                                  args.per_query)}
        for name, value in PUBLISHED_SCIFACT.items():
            echo(f"  {'scifact':<9} {'':<5} {'published: ' + name:<34} {'':<34} {value:.3f}")
    if args.calibrate_floor:
        for name, dataset in coop_sets("dev").items():
            if name in wanted:
                calibrate_floor(dataset, cached_index(name, COOP_SOURCES[name], COOP_CODE, embedder), embedder, echo)
        return 0
    for name, dataset in coop_sets(args.half, args.id_prefix).items():
        if name in wanted:
            index_dir = cached_index(name, COOP_SOURCES[name], COOP_CODE, embedder, backend, args.any_cached_index)
            results[name] = {"unit": "passages",
                             "runs": run_dataset(dataset, index_dir, embedder, chosen, args.limit, echo, backend,
                                                 args.per_query)}
    if (args.variant or args.only or args.half) and args.output.exists():  # a partial run updates what it measured
        previous = json.loads(args.output.read_text()).get("sets", {})
        for name, data in results.items():
            entry = previous.setdefault(name, data)
            entry["runs"] = {**entry.get("runs", {}), **data["runs"]}
        results = previous
    payload = {"model": embedder.info.name, "model_fingerprint": embedder.info.fingerprint,
               "defaults": _describe(SearchConfig()), "backend": args.backend,
               "command": "python bench/quality.py" + (" --backend milvus" if args.backend == "milvus" else ""),
               "sets": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2) + "\n")
    echo(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


def _describe(config: SearchConfig) -> dict:
    from dataclasses import asdict

    return asdict(config)


if __name__ == "__main__":
    raise SystemExit(main())
