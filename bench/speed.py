"""Speed and scale of coopsearch: ingest throughput by stage, HTTP query latency at the real corpus size and
at 100k and 1M chunks, memory and disk, embedding precision (speed against SciFact nDCG@10), and HNSW
recall@10 against exact search on real embeddings.

    python bench/speed.py                      # the full run; writes bench/results/speed.json
    python bench/speed.py --quick              # a few minutes; writes bench/results/speed-quick.json
    python bench/speed.py --only latency,recall  # some sections; the others are kept from the last run

Each section's result is merged into the JSON file as soon as it is done. Built indexes and vectors
are cached under bench/.cache/speed/ (gitignored): a rerun reuses them (--rebuild to start over).

At 100k and 1M chunks the index is synthetic, built so that FAISS and SQLite work at that scale: each
synthetic document is a copy of a real one (same chunk texts, so SQLite and FTS5 hold real text), and
each synthetic vector is a real chunk's embedding plus Gaussian noise, renormalised (cosine ~0.9 to
its source), so the vectors keep the real embeddings' distribution instead of uniform random points.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import embed_speed  # noqa: E402 - bench/ is put on the path just above

from index.backends import BackendConfig  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
CACHE = ROOT / "bench" / ".cache" / "speed"
RESULTS = ROOT / "bench" / "results"
FOLDERS = {"un-pdfs": SHARED / "un-pdfs", "ungdc-ssc": SHARED / "ungdc-ssc"}
SCIFACT = SHARED / "scifact"
SPLIT_SAMPLE = {"un-pdfs": 3, "ungdc-ssc": 20}  # files timed in one process to split read from clean/chunk
NOISE_SIGMA = 0.48  # |noise| ~ 0.48: cosine ~ 1/sqrt(1 + 0.48^2) = 0.9 to the source vector


@dataclass(frozen=True)
class Plan:
    """How big each part of the run is."""

    quick: bool
    files_per_folder: dict[str, int | None]  # None: every file
    sizes: tuple[int, ...]  # synthetic index sizes (chunks)
    queries: int  # HTTP queries per run
    concurrency: tuple[int, ...]
    precision_docs: int  # SciFact documents embedded per precision
    precision_queries: int  # SciFact test queries (their judged documents are always in)
    speed_passages: int  # passages timed per precision
    recall_queries: int
    run_budget_s: float = 600.0  # a run of queries stops here even if queries are left (reported)

    @property
    def tag(self) -> str:
        return "quick" if self.quick else "full"


def make_plan(args: argparse.Namespace) -> Plan:
    files = {name: args.files.get(name, args.files.get("*")) for name in FOLDERS}
    if args.quick:
        return Plan(True, {name: files[name] or 4 for name in FOLDERS}, tuple(args.sizes or (20_000,)),
                    args.queries or 100, (1, 8), 100, 30, 24, 100)
    return Plan(False, files, tuple(args.sizes or (100_000, 1_000_000)), args.queries or 1000, (1, 8), 200, 100, 96,
                300)


# -- small helpers ---------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def generation_files(index_dir: Path) -> dict[str, int]:
    from index.manifest import read_manifest

    directory = read_manifest(index_dir).generation_dir(index_dir)
    files = {p.name: p.stat().st_size for p in sorted(directory.iterdir()) if p.is_file()}
    return {**files, **{p.name + "/": folder_bytes(p) for p in sorted(directory.iterdir()) if p.is_dir()}}


def rss_of(pid: int) -> dict[str, float]:
    """Resident and peak resident memory of a process, MiB (Linux /proc)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def environment() -> dict[str, object]:
    import faiss
    import sentence_transformers
    import torch

    from index.embedder import resolve_device, usable_cores

    device = resolve_device("auto")
    name = torch.cuda.get_device_name(0) if device.startswith("cuda") else platform.processor() or _cpu_model()
    return {"device": device, "device_name": name, "cpu_count": os.cpu_count(), "usable_cores": usable_cores(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "torch": torch.__version__, "faiss": faiss.__version__,
            "sentence_transformers": sentence_transformers.__version__, "numpy": np.__version__,
            "platform": platform.platform()}


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def save_section(path: Path, name: str, value: object) -> None:
    """Merge one section into the results file (written to a .tmp, then renamed)."""
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(CACHE.parent / (path.name + ".lock"))):  # runs of different sections may overlap
        data = json.loads(path.read_text()) if path.exists() else {}
        data[name] = value
        data["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
        os.replace(tmp, path)


def load_embedder(precision: str = "fp32"):
    from index.embedder import Embedder, default_model_path

    return Embedder(default_model_path(), precision=precision)


# -- 1. ingest -------------------------------------------------------------------------------------
def folder_files(folder: Path, plan: Plan) -> list[Path]:
    from index.build import IngestReport, collect_files

    files = collect_files([folder], IngestReport())
    limit = plan.files_per_folder.get(folder.name)
    return files if limit is None else files[:limit]


def read_versus_chunk(files: list[Path]) -> dict[str, float]:
    """Seconds (one process) to extract text (the reader) and to parse it whole; the rest is clean/chunk."""
    from ingest.pipeline import parse_bytes
    from ingest.readers import read_bytes

    extract = total = 0.0
    for path in files:
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            read_bytes(data, path.suffix)
            middle = time.perf_counter()
            parse_bytes(data, path)
        except Exception:  # a file the ingest reports as failed: not part of the split
            continue
        ended = time.perf_counter()
        extract += middle - started
        total += ended - middle
    return {"read_s": round(extract, 3), "clean_chunk_s": round(max(total - extract, 0.0), 3)}


def bench_ingest(plan: Plan, embedder, index_dir: Path) -> dict[str, object]:
    """Ingest both folders into one index (the real corpus), timing each stage.

    The read stage runs in worker processes and includes parsing; its split into read (text extraction)
    and clean/chunk comes from timing a sample of the same files in one process."""
    from index.build import IngestOptions, ingest_paths
    from index.embedder import usable_cores

    shutil.rmtree(index_dir, ignore_errors=True)
    results: dict[str, object] = {}
    for name, folder in FOLDERS.items():
        files = folder_files(folder, plan)
        log(f"ingest {name}: {len(files)} files")
        split = read_versus_chunk(files[:SPLIT_SAMPLE[name]])  # one process, a sample: not a second full pass
        started = time.perf_counter()
        report = ingest_paths(index_dir, files, embedder, IngestOptions(workers=usable_cores()), progress=_progress)
        wall = time.perf_counter() - started
        row = ingest_row(report, split, wall, len(files))
        results[name] = row
        log(f"ingest {name}: {row['chunks']} chunks, {wall:.0f} s")
    return results


def _progress(items, total: int, desc: str):
    from tqdm import tqdm

    return tqdm(items, total=total, desc=desc, file=sys.stderr, mininterval=30)


def ingest_row(report, split: dict[str, float], wall: float, files: int) -> dict[str, object]:
    """Seconds and pages/s, chunks/s per stage. The read stage (worker processes) is split into read and
    clean/chunk in proportion to the single-process measurement of the same files."""
    seconds = dict(report.seconds)
    share = split["read_s"] / max(split["read_s"] + split["clean_chunk_s"], 1e-9)
    stages = {
        "read": seconds.get("read", 0.0) * share,
        "clean_chunk": seconds.get("read", 0.0) * (1 - share),
        "embed": seconds.get("embed", 0.0),
        "write": seconds.get("write", 0.0) + seconds.get("commit", 0.0) + seconds.get("copy", 0.0),
        "total": wall,
    }
    pages, chunks = report.pages_read, report.chunks_added
    return {"files": files, "failed": len(report.failed), "pages": pages, "chunks": chunks,
            "load_average_after": round(os.getloadavg()[0], 2),
            "product_seconds": seconds, "single_process_split_s": split,
            "stages": {stage: {"seconds": round(s, 2), "pages_per_s": round(pages / s, 1) if s else None,
                               "chunks_per_s": round(chunks / s, 1) if s else None}
                       for stage, s in stages.items()}}


# -- 2. embedding precision: speed against SciFact nDCG@10 ----------------------------------------
def scifact_subset(n_docs: int, n_queries: int, seed: int = 11
                   ) -> tuple[list[str], list[str], list[tuple[str, str]], dict]:
    """(doc ids, doc texts, queries, qrels): the first `n_queries` test queries, every document judged for
    them, then random other abstracts up to `n_docs` (the same subset for every precision)."""
    qrels: dict[str, dict[str, int]] = {}
    for line in (SCIFACT / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, doc, score = line.split("\t")
        qrels.setdefault(qid, {})[doc] = int(score)
    qrels = dict(list(qrels.items())[:n_queries])
    texts = {json.loads(line)["_id"]: json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").open()}
    corpus: dict[str, str] = {}
    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            corpus[row["_id"]] = f"{row['title']} {row['text']}".strip()
    judged = sorted({doc for docs in qrels.values() for doc in docs if doc in corpus})
    others = sorted(set(corpus) - set(judged))
    rng = np.random.default_rng(seed)
    ids = judged + list(rng.choice(others, size=max(0, min(len(others), n_docs - len(judged))), replace=False))
    return ids, [corpus[i] for i in ids], [(qid, texts[qid]) for qid in qrels], qrels


def ndcg_at_10(scores: np.ndarray, doc_ids: list[str], queries: list[tuple[str, str]], qrels: dict) -> float:
    """Mean nDCG@10 (BEIR's definition: gain = relevance, log2 discount)."""
    values = []
    for row, (qid, _) in zip(scores, queries, strict=True):
        top = np.argsort(-row, kind="stable")[:10]
        gains = [qrels[qid].get(doc_ids[i], 0) for i in top]
        dcg = sum(g / np.log2(r + 2) for r, g in enumerate(gains))
        ideal = sorted(qrels[qid].values(), reverse=True)[:10]
        idcg = sum(g / np.log2(r + 2) for r, g in enumerate(ideal))
        values.append(dcg / idcg if idcg else 0.0)
    return float(np.mean(values))


def cached_vectors(path: Path, compute: Callable[[], np.ndarray]) -> np.ndarray:
    if path.exists():
        return np.load(path)
    vectors = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path.with_suffix(".tmp.npy"), vectors)
    os.replace(path.with_suffix(".tmp.npy"), path)
    return vectors


def sample_passages(real_index: Path, count: int) -> list[str]:
    """Real chunk texts from the real index (or from the speeches when it is not built yet)."""
    if (real_index / "manifest.json").exists():
        from index.manifest import read_manifest
        from index.store import Store

        store = Store(read_manifest(real_index).generation_dir(real_index) / "store.sqlite", read_only=True)
        rows = store.conn.execute("SELECT text FROM chunks ORDER BY id").fetchall()
        texts = [row[0] for row in rows]
    else:
        texts = [p for f in sorted(FOLDERS["ungdc-ssc"].glob("*.txt"))[:20] for p in f.read_text().split("\n\n")]
    rng = np.random.default_rng(5)
    return [texts[i] for i in sorted(rng.choice(len(texts), size=min(count, len(texts)), replace=False))]


def bench_precision(plan: Plan, cache: Path, real_index: Path) -> dict[str, object]:
    """Passages/s on real chunks and SciFact nDCG@10 (semantic, whole abstracts) for each precision."""
    from index.embedder import resolve_device

    doc_ids, doc_texts, queries, qrels = scifact_subset(plan.precision_docs, plan.precision_queries)
    passages = sample_passages(real_index, plan.speed_passages)
    device = resolve_device("auto")
    rows: dict[str, dict[str, object]] = {}
    reference: tuple[np.ndarray, np.ndarray] | None = None
    reference_passages: np.ndarray | None = None
    for precision in ("fp32", "bf16", "fp16", "int8"):
        if precision == "fp16" and not device.startswith("cuda"):
            rows[precision] = {"skipped": "fp16 needs a GPU"}
            continue
        if precision == "bf16" and not device.startswith("cuda"):  # 0.62 passages/s on this CPU: 10 min a run
            rows[precision] = {"skipped": "bf16 on a CPU without bf16 units is 4x slower than fp32"}
            continue
        if precision == "int8" and device != "cpu":
            rows[precision] = {"skipped": "int8 runs on the CPU (ONNX Runtime)"}
            continue
        embedder = load_embedder(precision)
        embedder.encode(passages[:4])
        started = time.perf_counter()
        passage_vectors = embedder.encode(passages)
        speed = len(passages) / (time.perf_counter() - started)
        log(f"precision {precision}: {speed:.1f} passages/s; embedding {len(doc_texts)} SciFact abstracts")
        tag = f"{precision}-{embedder.info.fingerprint}-{len(doc_ids)}"
        docs = cached_vectors(cache / f"scifact-docs-{tag}.npy", partial(embedder.encode, doc_texts))
        query_vectors = cached_vectors(cache / f"scifact-queries-{tag}.npy",
                                       partial(embedder.encode, [q for _, q in queries]))
        scores = query_vectors @ docs.T
        row: dict[str, object] = {"passages_per_s": round(speed, 2), "ndcg_at_10": round(
            ndcg_at_10(scores, doc_ids, queries, qrels), 4), **embedder.describe()}
        if reference is None:
            reference = (docs, scores)
            reference_passages = passage_vectors
        else:
            passage_cosine = np.sum(passage_vectors * reference_passages, axis=1)
            row["passages_mean_cosine_to_fp32"] = round(float(passage_cosine.mean()), 5)
            row["passages_min_cosine_to_fp32"] = round(float(passage_cosine.min()), 5)
            row["mean_cosine_to_fp32"] = round(float(np.mean(np.sum(docs * reference[0], axis=1))), 5)
            row["min_cosine_to_fp32"] = round(float(np.min(np.sum(docs * reference[0], axis=1))), 5)
            row["top1_agreement_with_fp32"] = round(float(np.mean(
                np.argmax(scores, axis=1) == np.argmax(reference[1], axis=1))), 4)
        rows[precision] = row
    base = rows["fp32"]
    eligible = [p for p, r in rows.items() if "ndcg_at_10" in r
                and r["ndcg_at_10"] >= base["ndcg_at_10"] - 0.005]  # type: ignore[operator]
    best = max(eligible, key=lambda p: float(rows[p]["passages_per_s"]))  # type: ignore[arg-type]
    return {"scifact_docs": len(doc_ids), "scifact_queries": len(queries), "passages_timed": len(passages),
            "rule": "fastest precision whose nDCG@10 is within 0.005 of fp32", "chosen_default": best,
            "by_precision": rows}


# -- 3. synthetic indexes at scale -----------------------------------------------------------------
def real_corpus(real_index: Path):
    """(documents, chunks by document, vectors by chunk id) of the real index."""
    from index.manifest import read_manifest
    from index.store import Store
    from index.vectors import VectorIndex

    manifest = read_manifest(real_index)
    directory = manifest.generation_dir(real_index)
    store = Store(directory / "store.sqlite", read_only=True)
    documents = store.list_documents()
    chunks = {d.id: store.document_chunks(d.id) for d in documents}
    ids, vectors = VectorIndex.load(directory / "vectors.faiss", manifest.model.dimension).live_vectors()
    by_id = dict(zip(ids.tolist(), range(len(ids)), strict=True))
    store.close()
    return manifest, documents, chunks, vectors, by_id


def perturbed(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(vectors.shape).astype(np.float32) * (NOISE_SIGMA / np.sqrt(vectors.shape[1]))
    out = vectors + noise
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def build_synthetic(real_index: Path, size: int, target: Path, backend: BackendConfig | None = None) -> Path:
    """An index of `size` chunks: the real documents, then perturbed copies of them (see the module doc); on
    the milvus backend its collection lives in `backend.uri` (`size` = the real index's chunks: a copy of it
    with the same vectors)."""
    from dataclasses import replace

    from index.generation import GenerationWriter
    from index.manifest import read_manifest

    backend = backend or BackendConfig()
    if (target / "manifest.json").exists() and read_manifest(target).chunks == size and engine_holds(target, backend):
        return target
    shutil.rmtree(target, ignore_errors=True)
    manifest, documents, chunks, vectors, by_id = real_corpus(real_index)
    writer = GenerationWriter(target, manifest.model, backend=backend)
    rng = np.random.default_rng(size)
    total, copy, started = 0, 0, time.perf_counter()
    while total < size:
        for document in documents:
            stored = chunks[document.id][: size - total]
            if not stored:
                break
            doc = document if copy == 0 else replace(document, id=f"{document.id}~{copy}",
                                                      source=f"{document.source}~{copy}")
            rows = vectors[[by_id[c.id] for c in stored]]
            ids = writer.add_document(doc, [replace(c.chunk, doc_id=doc.id) for c in stored],
                                      rows if copy == 0 else perturbed(rows, rng))
            total += len(ids)
        copy += 1
        log(f"synthetic {size} ({backend.kind}): {total} chunks ({time.perf_counter() - started:.0f} s)")
    writer.store.commit()
    fit = "Milvus flush" if backend.kind == "milvus" else (
        "HNSW build" if size > writer.vector_config.flat_max else "flat")
    log(f"synthetic {size} ({backend.kind}): committing (fit: {fit})")
    writer.commit()
    log(f"synthetic {size} ({backend.kind}): done in {time.perf_counter() - started:.0f} s")
    return target


def engine_holds(index_dir: Path, backend: BackendConfig) -> bool:
    """Whether a cached index's engine still holds its chunks (a Milvus file deleted since: rebuild)."""
    if backend.kind == "embedded":
        return True
    from index.backends.milvus import MilvusBackend
    from index.errors import CoopsearchError
    from index.manifest import read_manifest

    manifest = read_manifest(index_dir)
    try:
        return MilvusBackend(backend).collection_for(index_dir, manifest).count("id >= 0") >= manifest.chunks > 0
    except CoopsearchError:
        return False


# -- 4. HNSW recall@10 against exact, on real embeddings -------------------------------------------
def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the exact top k, the k-th score) for each query."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    scores, ids = flat.search(queries, k)
    return ids, scores[:, k - 1]


def hnsw_sweep(ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, index, efs: Sequence[int]) -> list[dict]:
    """recall@10 and ms/query for each efSearch of a built VectorIndex."""
    import faiss

    top, tenth = exact_top(vectors, queries)
    truth = ids[top]
    inner = faiss.downcast_index(index.index.index)
    rows = []
    for ef in efs:
        inner.hnsw.efSearch = ef  # type: ignore[attr-defined]
        started = time.perf_counter()
        found = [index.search(q, 10) for q in queries]
        ms = (time.perf_counter() - started) * 1000 / len(queries)
        recall = np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for (_, f), t in zip(found, truth, strict=True)])
        # near-ties: a result within 0.01 cosine of the exact 10th is as good a neighbour (synthetic copies)
        close = np.mean([np.sum(s >= limit - 0.01) / 10 for (s, _), limit in zip(found, tenth, strict=True)])
        rows.append({"ef_search": ef, "recall_at_10": round(float(recall), 4),
                     "within_0.01_of_exact_10th": round(float(close), 4), "ms_per_query": round(ms, 3)})
    return rows


def flat_ms(vectors: np.ndarray, queries: np.ndarray, threads: int) -> float:
    from index.vectors import VectorConfig, VectorIndex

    index = VectorIndex(vectors.shape[1], config=VectorConfig(flat_max=10**12, search_threads=threads))
    index.add(np.arange(1, len(vectors) + 1), vectors)
    index.search(queries[0], 10)
    started = time.perf_counter()
    for query in queries:
        index.search(query, 10)
    return round((time.perf_counter() - started) * 1000 / len(queries), 3)


def other_real_vectors(fingerprint: str) -> dict[Path, np.ndarray]:
    """Vectors of other indexes cached under bench/.cache built with the same model (e.g. by bench/quality.py's
    SciFact and cooperation runs): more real embeddings of real text, when they are there."""
    from index.errors import IndexUnavailable
    from index.manifest import read_manifest
    from index.vectors import VectorIndex

    found: dict[Path, np.ndarray] = {}
    for manifest_path in sorted(CACHE.parent.glob("*/*/manifest.json")):
        folder = manifest_path.parent
        try:
            manifest = read_manifest(folder)
            if manifest.model.fingerprint != fingerprint or manifest.chunks < 1000:
                continue
            path = manifest.generation_dir(folder) / "vectors.faiss"
            found[folder.relative_to(ROOT)] = VectorIndex.load(path, manifest.model.dimension).live_vectors()[1]
        except (IndexUnavailable, OSError, ValueError):
            continue
    return found


def bench_recall(plan: Plan, cache: Path, real_index: Path, embedder) -> dict[str, object]:
    """HNSW (the product's settings) against exact search: real chunks plus SciFact abstracts, queried by
    SciFact claims and held-out chunks; then the synthetic indexes, and flat search time by size."""
    from index.embedder import usable_cores
    from index.manifest import read_manifest
    from index.vectors import VectorConfig, VectorIndex

    _, _, _, vectors, _ = real_corpus(real_index)
    others = other_real_vectors(embedder.info.fingerprint)
    vectors = np.unique(np.vstack([vectors, *others.values()]), axis=0) if others else vectors
    doc_ids, doc_texts, queries, _ = scifact_subset(plan.precision_docs, plan.precision_queries)
    tag = f"fp32-{embedder.info.fingerprint}-{len(doc_ids)}"
    scifact = cached_vectors(cache / f"scifact-docs-{tag}.npy", lambda: embedder.encode(doc_texts))
    claims = cached_vectors(cache / f"scifact-queries-{tag}.npy", lambda: embedder.encode([q for _, q in queries]))
    rng = np.random.default_rng(3)
    held = rng.choice(len(vectors), size=min(plan.recall_queries // 2, len(vectors) // 10), replace=False)
    keep = np.setdiff1d(np.arange(len(vectors)), held)
    base = np.vstack([vectors[keep], scifact]).astype(np.float32)
    query_set = np.vstack([claims[: plan.recall_queries - len(held)], vectors[held]]).astype(np.float32)
    ids = np.arange(1, len(base) + 1, dtype=np.int64)
    config = VectorConfig(flat_max=0)
    index = VectorIndex(base.shape[1], config=config)
    index.add(ids, base)
    started = time.perf_counter()
    index.fit()
    build_s = time.perf_counter() - started
    efs = (16, 32, 64, 96, 128, 256)
    result: dict[str, object] = {
        "real": {"vectors": len(base), "queries": len(query_set),
                 "sources": {"this benchmark's real index and SciFact sample": None,
                             **{str(k): len(v) for k, v in others.items()}},
                 "hnsw": index.describe(), "build_s": round(build_s, 1),
                 "sweep": hnsw_sweep(ids, base, query_set, index, efs),
                 "flat_ms_1_thread": flat_ms(base, query_set, 1),
                 "flat_ms_all_threads": flat_ms(base, query_set, usable_cores())}}
    log(f"recall real: {result['real']}")
    for size in (n for n in plan.sizes if n > 0):
        folder = cache / f"synthetic-{size}"
        if not (folder / "manifest.json").exists():
            continue
        manifest = read_manifest(folder)
        loaded = VectorIndex.load(manifest.generation_dir(folder) / "vectors.faiss", manifest.model.dimension,
                                  mmap=True)
        syn_ids, syn_vectors = loaded.live_vectors()
        probe = query_set[: min(len(query_set), 200)]
        row = {"vectors": len(syn_ids), "hnsw": loaded.describe(),
               "sweep": (hnsw_sweep(syn_ids, syn_vectors, probe, loaded, (32, 64, 96, 128))
                         if loaded.kind == "hnsw" else []),
               "flat_ms_1_thread": flat_ms(syn_vectors, probe[:50], 1),
               "flat_ms_all_threads": flat_ms(syn_vectors, probe[:50], usable_cores())}
        if size <= 200_000:
            sq8 = VectorIndex(syn_vectors.shape[1], config=VectorConfig(flat_max=0, compression="sq8"))
            sq8.add(syn_ids, syn_vectors)
            sq8.fit()
            row["sq8"] = {"sweep": hnsw_sweep(syn_ids, syn_vectors, probe, sq8, (96,)),
                          "bytes": sq8_bytes(sq8, cache), "flat_float_bytes": int(syn_vectors.nbytes)}
        result[str(size)] = row
        log(f"recall {size}: {row}")
        del loaded, syn_vectors
    return result


def sq8_bytes(index, cache: Path) -> int:
    path = cache / "sq8-probe.faiss"
    index.save(path)
    size = path.stat().st_size
    path.unlink()
    return size


# -- 5. HTTP latency -------------------------------------------------------------------------------
def query_pool(real_index: Path, count: int) -> list[str]:
    """Distinct queries: SciFact claims, then the first words of real passages (every query is new to the
    server, so each request embeds its query)."""
    claims = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").open()]
    pool = list(dict.fromkeys(claims))
    for text in sample_passages(real_index, count * 2):
        words = text.split()[:9]
        if len(words) >= 4:
            pool.append(" ".join(words))
        pool = list(dict.fromkeys(pool))
        if len(pool) >= count:
            break
    return pool[:count]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`coopsearch serve` on 127.0.0.1 in a subprocess."""

    def __init__(self, index_dir: Path, log_path: Path, timeout_s: float = 1200,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = {**os.environ, "COOPSEARCH_RATE_LIMIT_PER_S": "0", "HF_HUB_OFFLINE": "1", **(env or {})}
        self.log = open(log_path, "w")  # noqa: SIM115 - the server writes to it until stop() closes it
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "search_api.cli", "serve", "--index", str(index_dir), "--host", "127.0.0.1",
             "--port", str(self.port)], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.ready_s = self._wait(timeout_s, started)

    def _wait(self, timeout_s: float, started: float) -> float:
        import http.client

        while time.perf_counter() - started < timeout_s:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"server not ready after {timeout_s} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def run_queries(port: int, queries: list[str], mode: str, concurrency: int, budget_s: float) -> dict[str, object]:
    """Send each query once (GET /api/v1/search), `concurrency` at a time over keep-alive connections,
    until the queries or the time budget run out."""
    import http.client
    from urllib.parse import urlencode

    latencies: list[float] = []
    took: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    position = iter(range(len(queries)))
    deadline = time.perf_counter() + budget_s

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            with lock:
                index = next(position, None)
            if index is None:
                break
            path = "/api/v1/search?" + urlencode({"q": queries[index], "mode": mode, "k": 10})
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
            except OSError as exc:
                errors.append(type(exc).__name__)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if response.status == 200:
                    latencies.append(elapsed)
                    took.append(float(json.loads(body)["took_ms"]))
                else:
                    errors.append(str(response.status))
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"mode": mode, "concurrency": concurrency, "requests": len(latencies), "planned": len(queries),
            "budget_s": budget_s, "errors": len(errors),
            "error_kinds": sorted(set(errors)), "p50_ms": round(percentile(latencies, 50), 2),
            "p95_ms": round(percentile(latencies, 95), 2), "p99_ms": round(percentile(latencies, 99), 2),
            "mean_ms": round(float(np.mean(latencies)), 2) if latencies else None,
            "engine_p50_ms": round(percentile(took, 50), 2), "queries_per_s": round(len(latencies) / wall, 1),
            "load_average": round(os.getloadavg()[0], 2)}


LATENCY_METHOD = ("GET /api/v1/search?q=…&mode=…&k=10 on 127.0.0.1, keep-alive, every query distinct (each embeds "
                  "its query)")


def latency_runs(plan: Plan) -> list[tuple[str, int]]:
    return [(mode, c) for mode in ("hybrid", "keyword", "semantic") for c in plan.concurrency]


@dataclass(frozen=True)
class Target:
    """One index served for the latency runs: its backend's label and settings (environment variables)."""

    index_dir: Path
    log_path: Path
    backend: str = "embedded"
    env: dict[str, str] | None = None
    engine_pid: int | None = None  # Milvus Lite's server process when this benchmark started it


def latency_rows(targets: Sequence[Target], pool: list[str], plan: Plan) -> list[dict[str, object]]:
    """Memory, disk and each run's latency of a `coopsearch serve` per target, all started together: each run
    (mode, concurrency) goes to every target in turn with the same queries, so the backends of one size are
    timed under the same load (the pool's first 20 queries warm each up, uncounted)."""
    from index.manifest import read_manifest

    servers: list[Server] = []
    rows: list[dict[str, object]] = []
    try:
        for target in targets:
            manifest = read_manifest(target.index_dir)
            log(f"latency {target.backend}: starting the server on {manifest.chunks} chunks")
            server = Server(target.index_dir, target.log_path, env=target.env)
            servers.append(server)
            rows.append({"backend": target.backend, "chunks": manifest.chunks, "documents": manifest.documents,
                         "vector_index": manifest.vector_index, "ready_s": round(server.ready_s, 1),
                         "disk_bytes": generation_files(target.index_dir),
                         "rss_after_load_mib": rss_of(server.process.pid), "runs": []})
            run_queries(server.port, pool[:20], "hybrid", 1, 120)  # warm-up (Milvus Lite loads the collection)
        used = 20
        for mode, concurrency in latency_runs(plan):
            batch = pool[used:used + plan.queries]
            used += plan.queries
            for target, server, row in zip(targets, servers, rows, strict=True):
                run = run_queries(server.port, batch, mode, concurrency, budget_s=plan.run_budget_s)
                row["runs"].append(run)  # type: ignore[attr-defined]
                log(f"latency {target.backend} {row['chunks']}: {run}")
        for target, server, row in zip(targets, servers, rows, strict=True):
            row["rss_after_queries_mib"] = rss_of(server.process.pid)
            # Milvus Lite is a child process: of the server (a .db URI) or of this benchmark (its TCP server)
            engines = [target.engine_pid] if target.engine_pid else descendants(server.process.pid)
            if engines:
                row["engine_rss_after_queries_mib"] = {str(pid): rss_of(pid) for pid in engines}
    finally:
        for server in servers:
            server.stop()
    return rows


def descendants(pid: int) -> list[int]:
    """The process ids under `pid` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


def bench_latency(plan: Plan, cache: Path, real_index: Path, embedder) -> dict[str, object]:
    """p50/p95/p99 through the HTTP API at each size, with memory and disk."""
    embedder.encode_query("warm-up: builds the cached ONNX export the servers load")
    pool = query_pool(real_index, plan.queries * len(latency_runs(plan)) + 20)
    targets = [("real", real_index)] + [(str(n), build_synthetic(real_index, n, cache / f"synthetic-{n}"))
                                        for n in plan.sizes if n > 0]
    result: dict[str, object] = {"method": LATENCY_METHOD, "backend": "embedded", "sizes": {}}
    for name, index_dir in targets:
        [result["sizes"][name]] = latency_rows([Target(index_dir, cache / f"serve-{name}.log")], pool, plan)  # type: ignore[index]
    return result


# -- 6. one-document add at scale --------------------------------------------------------------------
def one_document_add(index_dir: Path, embedder, scratch: Path, texts: Sequence[str],
                     backend: BackendConfig | None = None) -> list[dict[str, object]]:
    """Ingest one new text file at a time into a hard-linked clone of `index_dir` (`cp -al`: a writer only
    reads the previous generation's files and writes a new folder, so the cached index stays as it was);
    the wall time of each `ingest_paths` call, with its report's split (copy: opening the writable
    generation; parse, embed; commit: fit, save, fsync, switch).

    On Milvus the clone shares the cached index's collection: its rows go above the cached generation's
    high-water mark, which the cached index's readers never see, and are deleted at the end (as the
    cached index's next writer would)."""
    from index.build import IngestOptions, ingest_paths

    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    clone = scratch / "index"
    subprocess.run(["cp", "-al", str(index_dir), str(clone)], check=True)
    (clone / ".lock").unlink(missing_ok=True)  # a fresh lock file, not a link to the cached index's
    rows = []
    try:
        for number, text in enumerate(texts):
            path = scratch / "docs" / f"added-{number}.txt"
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"Added document {number}.\n\n{text}")
            started = time.perf_counter()
            report = ingest_paths(clone, [path], embedder, IngestOptions(workers=1, backend=backend or BackendConfig()))
            wall = time.perf_counter() - started
            manifest = report.manifest
            rows.append({"seconds": round(wall, 2), "split": report.seconds, "chunks_after": manifest.chunks,
                         "vector_index": manifest.vector_index, "load_average": round(os.getloadavg()[0], 2)})
            log(f"add {number}: {rows[-1]}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if backend is not None and backend.kind == "milvus":
            from index.backends.milvus import MilvusBackend
            from index.manifest import read_manifest

            cached = read_manifest(index_dir)
            MilvusBackend(backend).collection_for(index_dir, cached).delete_where(
                f"id > {int(str(cached.engine.get('high_water', 0)))}")
    return rows


ADD_METHOD = ("ingest_paths of one new UN General Debate speech into a cp -al clone of the index (parse, embed, "
              "write a generation, commit)")


ADDS = 5


def add_texts() -> list[str]:
    """UN General Debate speeches, added one after another (`ADDS` of them)."""
    return [p.read_text(errors="replace") for p in sorted((FOLDERS["ungdc-ssc"]).glob("*.txt"))[:ADDS]]


def bench_add(plan: Plan, cache: Path, real_index: Path, embedder) -> dict[str, object]:
    """One document added to each synthetic index, `ADDS` times in a row. The first three copy the store:
    the first two have no spare yet, and the third's spare is the clone's first generation, shared with the
    cached index by `cp -al`, which a writer never writes into. The fourth and later bring the spare forward
    (index.store_changes), as every add to an index that is not such a clone does from its third on."""
    texts = add_texts()
    result: dict[str, object] = {"method": ADD_METHOD, "sizes": {}}
    for size in (n for n in plan.sizes if n > 0):
        index_dir = build_synthetic(real_index, size, cache / f"synthetic-{size}")
        result["sizes"][str(size)] = one_document_add(index_dir, embedder, cache / "add-scratch", texts)  # type: ignore[index]
    return result


# -- 7. the same on Milvus Lite ----------------------------------------------------------------------
MILVUS_MODES = ("file", "server")  # Milvus Lite inside the API server (a .db URI), or its server on 127.0.0.1


@contextmanager
def milvus_server(db_file: Path) -> Iterator[tuple[str, int]]:
    """(URI, process id) of Milvus Lite's server on a loopback port over `db_file`, as the tests start it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from milvus_support import start_milvus

    server, uri = start_milvus(db_file)
    try:
        yield uri, int(server._p.pid)  # the binary milvus_lite.server.Server started
    finally:
        server.stop()


def milvus_indexes(plan: Plan, folder: Path, real_index: Path) -> list[tuple[str, Path, Path, Path]]:
    """(size name, embedded index, Milvus index folder, its Milvus Lite file) for the real index and each
    synthetic size; each size in a file of its own (its disk use), built through Milvus Lite's server."""
    from index.manifest import read_manifest

    sizes = [("real", read_manifest(real_index).chunks)] + [(str(n), n) for n in plan.sizes if n > 0]
    out = []
    for name, size in sizes:
        db_file = folder / f"{name}.db"
        # the embedded index beside it: a copy of the real one (the add clones it with hard links, which must
        # not reach the shared cache) and synthetic sizes of its own (the cache's synthetic-* are another run's)
        embedded = folder / f"embedded-{name}"
        if name == "real" and not (embedded / "manifest.json").exists():
            shutil.rmtree(embedded, ignore_errors=True)
            shutil.copytree(real_index, embedded, ignore=shutil.ignore_patterns(".lock"))
        elif name != "real":
            build_synthetic(real_index, size, embedded)
        with milvus_server(db_file) as (uri, _):
            index_dir = build_synthetic(real_index, size, folder / f"milvus-{name}", BackendConfig("milvus", uri))
        out.append((name, embedded, index_dir, db_file))
    return out


def bench_milvus_latency(plan: Plan, folder: Path, real_index: Path, embedder, modes: Sequence[str]
                         ) -> dict[str, object]:
    """The latency section on Milvus Lite, each size also served embedded in the same run (same queries)."""
    embedder.encode_query("warm-up: builds the cached ONNX export the servers load")
    pool = query_pool(real_index, plan.queries * len(latency_runs(plan)) + 20)
    result: dict[str, object] = {"method": LATENCY_METHOD, "backend": "milvus", "milvus_lite": _version("milvus-lite"),
                                 "pymilvus": _version("pymilvus"), "sizes": {}}
    sizes: dict[str, object] = result["sizes"]  # type: ignore[assignment]
    for name, embedded, index_dir, db_file in milvus_indexes(plan, folder, real_index):
        with contextlib.ExitStack() as stack:
            targets = [Target(embedded, folder / f"serve-{name}-embedded.log")]
            if "file" in modes:
                targets.append(Target(index_dir, folder / f"serve-{name}-file.log", "milvus-lite-file",
                                      {"COOPSEARCH_BACKEND": "milvus", "COOPSEARCH_MILVUS_URI": str(db_file)}))
            if "server" in modes:
                # its own copy of the file: the file mode's server holds the first (Milvus Lite: one process a file)
                served = folder / f"{name}-served.db"
                shutil.copyfile(db_file, served)
                stack.callback(served.unlink, missing_ok=True)  # after the server stops (last in, first out)
                uri, pid = stack.enter_context(milvus_server(served))
                targets.append(Target(index_dir, folder / f"serve-{name}-server.log", "milvus-lite-server",
                                      {"COOPSEARCH_BACKEND": "milvus", "COOPSEARCH_MILVUS_URI": uri}, pid))
            for target, row in zip(targets, latency_rows(targets, pool, plan), strict=True):
                if target.backend != "embedded":
                    row["milvus_db_bytes"] = db_file.stat().st_size
                sizes[f"{name}/{target.backend}"] = row
    return result


def bench_milvus_add(plan: Plan, folder: Path, real_index: Path, embedder) -> dict[str, object]:
    """The one-document add on each size, embedded and into Milvus Lite's server (the bench's own client)."""
    texts = add_texts()
    result: dict[str, object] = {"method": ADD_METHOD, "backend": "milvus", "sizes": {},
                                 "milvus_first_request_s": {}}
    sizes: dict[str, object] = result["sizes"]  # type: ignore[assignment]
    loads: dict[str, float] = result["milvus_first_request_s"]  # type: ignore[assignment]
    for name, embedded, index_dir, db_file in milvus_indexes(plan, folder, real_index):
        sizes[f"{name}/embedded"] = one_document_add(embedded, embedder, folder / "add-scratch", texts)
        with milvus_server(db_file) as (uri, _):
            # a fresh Milvus Lite server loads the collection on its first request: timed apart, not in an add
            started = time.perf_counter()
            engine_holds(index_dir, BackendConfig("milvus", uri))
            loads[name] = round(time.perf_counter() - started, 2)
            sizes[f"{name}/milvus-lite-server"] = one_document_add(
                index_dir, embedder, folder / "add-scratch", texts, BackendConfig("milvus", uri))
    return result


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


# -- table -----------------------------------------------------------------------------------------
def render(data: dict) -> str:
    """The results as plain-text tables."""
    lines: list[str] = []
    env = data.get("environment", {})
    lines.append(f"device {env.get('device')} ({env.get('device_name')}), {env.get('cpu_count')} CPUs, "
                 f"load average at start {env.get('load_average_at_start')}; python {env.get('python')}, "
                 f"torch {env.get('torch')}, faiss {env.get('faiss')}, "
                 f"sentence-transformers {env.get('sentence_transformers')}")
    for folder, row in data.get("ingest", {}).items():
        lines.append(f"\ningest {folder}: {row['files']} files, {row['pages']} pages, {row['chunks']} chunks")
        lines.append(f"  {'stage':<12}{'seconds':>10}{'pages/s':>10}{'chunks/s':>10}")
        for stage, value in row["stages"].items():
            lines.append(f"  {stage:<12}{value['seconds']:>10}{value['pages_per_s']!s:>10}"
                         f"{value['chunks_per_s']!s:>10}")
    precision = data.get("precision")
    if precision:
        lines.append(f"\nprecision (SciFact {precision['scifact_docs']} abstracts, {precision['scifact_queries']} "
                     f"queries; speed on {precision['passages_timed']} real passages): default -> "
                     f"{precision['chosen_default']}")
        for name, row in precision["by_precision"].items():
            lines.append(f"  {name:<6} " + ("  ".join(f"{k} {v}" for k, v in row.items()
                                                      if k in ("passages_per_s", "ndcg_at_10", "mean_cosine_to_fp32",
                                                               "passages_mean_cosine_to_fp32", "min_cosine_to_fp32",
                                                               "top1_agreement_with_fp32", "skipped"))))
    lines.extend(embed_speed.render(data))
    recall = data.get("recall")
    if recall:
        lines.append("\nHNSW recall@10 against exact search [share of results within 0.01 of the exact 10th score]")
        for name, row in recall.items():
            sweep = ", ".join(f"ef {r['ef_search']}: {r['recall_at_10']} [{r.get('within_0.01_of_exact_10th')}] "
                              f"({r['ms_per_query']} ms)"
                              for r in row.get("sweep", []))
            lines.append(f"  {name}: {row['vectors']} vectors, {row.get('hnsw')}; {sweep}; flat "
                         f"{row['flat_ms_1_thread']} ms (1 thread) / {row['flat_ms_all_threads']} ms (all)")
            if "sq8" in row:
                lines.append(f"    sq8: {row['sq8']}")
    latency = data.get("latency")
    if latency:
        lines.append(f"\nHTTP latency ({latency['method']})")
        lines.append(f"  {'size':>9} {'backend':<19}{'mode':<9}{'conc':>5}{'p50':>9}{'p95':>9}{'p99':>9}"
                     f"{'engine p50':>11}{'q/s':>7}{'errors':>7}{'load':>6}{'done':>11}")
        for row in latency["sizes"].values():
            for run in row["runs"]:
                lines.append(f"  {row['chunks']:>9} {row.get('backend', 'embedded'):<19}{run['mode']:<9}"
                             f"{run['concurrency']:>5}{run['p50_ms']:>9}"
                             f"{run['p95_ms']:>9}{run['p99_ms']:>9}{run['engine_p50_ms']:>11}"
                             f"{run['queries_per_s']:>7}{run['errors']:>7}{run.get('load_average', ''):>6}"
                             f"{str(run['requests']) + '/' + str(run.get('planned', '')):>11}")
        for row in latency["sizes"].values():
            disk = sum(row["disk_bytes"].values()) / 2**20
            engine = (f"; Milvus Lite file {row['milvus_db_bytes'] / 2**20:.0f} MiB"
                      if "milvus_db_bytes" in row else "")
            engine += (f"; Milvus Lite process RSS {list(row['engine_rss_after_queries_mib'].values())} after queries"
                       if "engine_rss_after_queries_mib" in row else "")
            lines.append(f"  {row['chunks']:>9} chunks, {row.get('backend', 'embedded')}: {row['vector_index']}, "
                         f"disk {disk:.0f} MiB "
                         f"({', '.join(f'{k} {v / 2**20:.0f} MiB' for k, v in row['disk_bytes'].items())}), "
                         f"server RSS {row['rss_after_load_mib']} after load, {row['rss_after_queries_mib']} after "
                         f"queries, ready in {row['ready_s']} s{engine}")
    add = data.get("add")
    if add:
        lines.append(f"\none-document add ({add['method']})")
        for size, rows in add["sizes"].items():
            for row in rows:
                label = size if "/" in size else f"{size} chunks"  # "real/embedded": a size and its backend
                lines.append(f"  {label:>9}: {row['seconds']} s  {row['split']}  -> {row['vector_index']},"
                             f" load {row['load_average']}")
        for size, seconds in add.get("milvus_first_request_s", {}).items():
            lines.append(f"  {size}: a fresh Milvus Lite server's first request (loads the collection) {seconds} s")
    return "\n".join(lines)


def _files(value: str) -> dict[str, int]:
    if "=" not in value:
        return {"*": int(value)}
    return {name: int(n) for name, _, n in (part.partition("=") for part in value.split(","))}


# -- entry point -----------------------------------------------------------------------------------
# latency builds the synthetic indexes; pipeline and query_embedding are bench/embed_speed.py's
SECTIONS = ("environment", "ingest", "precision", "latency", "add", "recall", "pipeline", "query_embedding")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small settings for a check in minutes")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",") if x != "none") or (0,),
                        help="synthetic sizes, comma-separated ('none': the real index only)")
    parser.add_argument("--queries", type=int, help="HTTP queries per run")
    parser.add_argument("--run-budget", type=float, default=600.0, help="seconds allowed to one run of queries")
    parser.add_argument("--files", type=_files, default={}, metavar="N|FOLDER=N,…",
                        help="ingest only the first N files of each folder (or of the named ones)")
    parser.add_argument("--rebuild", action="store_true", help="ignore cached indexes and vectors")
    parser.add_argument("--out", type=Path, help="results file")
    parser.add_argument("--pipeline-files", type=int, default=6, help="UN PDFs ingested by the pipeline section")
    parser.add_argument("--backend", choices=["embedded", "milvus"], default="embedded",
                        help="milvus: the latency and add sections on Milvus Lite beside the embedded backend "
                             "(writes bench/results/speed-milvus.json)")
    parser.add_argument("--milvus-modes", default=",".join(MILVUS_MODES),
                        help="file: Milvus Lite inside the API server (a .db URI); server: its server on 127.0.0.1")
    args = parser.parse_args(argv)
    plan = replace(make_plan(args), run_budget_s=args.run_budget)
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    cache = CACHE / plan.tag
    if args.rebuild:
        shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    real_index = cache / "real-index"
    if args.backend == "milvus":
        return main_milvus(args, plan, chosen, cache, real_index)
    out = args.out or RESULTS / ("speed-quick.json" if plan.quick else "speed.json")
    save_section(out, "environment",
                 {**environment(), "last_invocation": {"argv": sys.argv[1:], "plan": plan.__dict__}})
    embedder = None
    if "ingest" in chosen:
        embedder = embedder or load_embedder()
        save_section(out, "ingest", bench_ingest(plan, embedder, real_index))
    if "precision" in chosen:
        save_section(out, "precision", bench_precision(plan, cache, real_index))
    if "latency" in chosen:
        embedder = embedder or load_embedder()
        save_section(out, "latency", bench_latency(plan, cache, real_index, embedder))
    if "add" in chosen:
        embedder = embedder or load_embedder()
        save_section(out, "add", bench_add(plan, cache, real_index, embedder))
    if "recall" in chosen:
        embedder = embedder or load_embedder()
        save_section(out, "recall", bench_recall(plan, cache, real_index, embedder))
    if "pipeline" in chosen:
        files = sorted(FOLDERS["un-pdfs"].glob("*.pdf"))[:args.pipeline_files]
        save_section(out, "pipeline", embed_speed.bench_pipeline(files, log))
    if "query_embedding" in chosen:
        save_section(out, "query_embedding", embed_speed.bench_query_embedding(
            query_pool(real_index, args.queries or 200), log))
    print(render(json.loads(out.read_text())))
    log(f"results: {out}")
    return 0


def main_milvus(args: argparse.Namespace, plan: Plan, chosen: list[str], cache: Path, real_index: Path) -> int:
    """`--backend milvus`: the latency and add sections on Milvus Lite (the real index must be built: a run
    of the ingest section), each beside the embedded backend in the same run."""
    modes = [m for m in args.milvus_modes.split(",") if m]
    unknown = sorted(set(modes) - set(MILVUS_MODES)) + sorted(set(chosen) - {"latency", "add", "environment"})
    if unknown:
        raise SystemExit(f"--backend milvus runs the latency and add sections in modes {', '.join(MILVUS_MODES)}; "
                         f"not {', '.join(unknown)}")
    if not (real_index / "manifest.json").exists():
        raise SystemExit(f"no real index at {real_index}: run `python bench/speed.py --only ingest` first")
    out = args.out or RESULTS / ("speed-milvus-quick.json" if plan.quick else "speed-milvus.json")
    folder = cache.parent / f"milvus-{plan.tag}"  # Milvus Lite files and the indexes naming them
    folder.mkdir(parents=True, exist_ok=True)
    save_section(out, "environment", {**environment(), "last_invocation": {
        "argv": sys.argv[1:], "plan": plan.__dict__, "backend": "milvus", "milvus_modes": modes}})
    embedder = load_embedder()
    if "latency" in chosen:
        save_section(out, "latency", bench_milvus_latency(plan, folder, real_index, embedder, modes))
    if "add" in chosen:
        save_section(out, "add", bench_milvus_add(plan, folder, real_index, embedder))
    print(render(json.loads(out.read_text())))
    log(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
