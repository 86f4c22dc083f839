"""Two sections of bench/speed.py about embedding on the CPU, each measured against its reference in the
same run (the machine's load moves every figure; only side-by-side ratios are worth reading):

- `pipeline`: the product's ingest (parse in workers, embed and write overlapped) against a naive pipeline
  (pypdf page text, paragraphs, sentence-transformers fp32 encode, one after the other), pages/s;
- `query_embedding`: one query's embedding, milliseconds, by path: torch fp32 on one thread (before),
  ONNX Runtime fp32 on one thread (the product's default), ONNX Runtime int8 on one thread.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Log = Callable[[str], None]


def naive_ingest(files: Sequence[Path], model: Any) -> dict[str, float]:
    """The reference: pypdf's text page by page, blank-line paragraphs, fp32 encode in batches of 32."""
    from pypdf import PdfReader

    started = time.perf_counter()
    pages, passages = 0, list[str]()
    for path in files:
        for page in PdfReader(str(path)).pages:
            pages += 1
            passages.extend(p.strip() for p in (page.extract_text() or "").split("\n\n") if len(p.strip()) > 40)
    parsed = time.perf_counter()
    model.encode(passages, batch_size=32, normalize_embeddings=True)
    seconds = time.perf_counter() - started
    return {"pages": pages, "passages": len(passages), "seconds": round(seconds, 2),
            "parse_s": round(parsed - started, 2), "embed_s": round(seconds - (parsed - started), 2),
            "pages_per_s": round(pages / seconds, 2)}


def product_ingest(files: Sequence[Path], embedder: Any, workers: int) -> dict[str, object]:
    """The product's `ingest_paths` into a fresh index folder; its stage seconds as it reports them."""
    from index.build import IngestOptions, ingest_paths

    folder = Path(tempfile.mkdtemp(prefix="coopsearch-bench-"))
    try:
        started = time.perf_counter()
        report = ingest_paths(folder / "index", list(files), embedder, IngestOptions(workers=workers))
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"pages": report.pages_read, "passages": report.chunks_added, "failed": len(report.failed),
            "seconds": round(seconds, 2), "stage_seconds": report.seconds,
            "pages_per_s": round(report.pages_read / seconds, 2), "embedder": embedder.describe()}


def bench_pipeline(files: Sequence[Path], log: Log) -> dict[str, object]:
    """Naive reference, then the product at its CPU default, then the product in int8, on the same files."""
    from index.embedder import Embedder, default_model_path, usable_cores

    log(f"pipeline: {len(files)} PDFs; naive reference first")
    fp32 = Embedder(default_model_path(), device="cpu")
    rows: dict[str, Any] = {"naive": naive_ingest(files, fp32.model)}
    log(f"pipeline: naive {rows['naive']['pages_per_s']} pages/s; the product at its default")
    rows["product"] = product_ingest(files, fp32, usable_cores())
    int8 = Embedder(default_model_path(), device="cpu", precision="int8")
    int8.encode(["warm-up: builds or loads the cached int8 export"])
    log(f"pipeline: product {rows['product']['pages_per_s']} pages/s; the product in int8")
    rows["product_int8"] = product_ingest(files, int8, usable_cores())
    for name in ("product", "product_int8"):
        rows[name]["speedup_over_naive"] = round(rows[name]["pages_per_s"] / rows["naive"]["pages_per_s"], 2)
    return {"files": [path.name for path in files], "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "runs": rows}


def bench_query_embedding(queries: Sequence[str], log: Log) -> dict[str, object]:
    """Milliseconds to embed one new query by each path, the paths taking turns query by query."""
    from index.embedder import Embedder, default_model_path

    model = default_model_path()
    # One query at a time: the default embedder sends each to the faster of its two sessions lately
    # (index.faster_of); the two-thread session is also timed on its own.
    paths = {"torch fp32, 1 thread (before)": Embedder(model, device="cpu", onnx_queries=False),
             "onnx fp32, 1 thread": Embedder(model, device="cpu", idle_query_threads=1),
             "onnx fp32, 2 threads, no spinning": Embedder(model, device="cpu", idle_query_threads=2),
             "onnx fp32, default (alone: the faster)": Embedder(model, device="cpu", idle_query_threads=2),
             "onnx int8, 1 thread": Embedder(model, device="cpu", precision="int8", idle_query_threads=1)}
    for embedder in paths.values():
        embedder.warm_up()  # builds or loads the cached export, and runs each session once
    two_threads = paths["onnx fp32, 2 threads, no spinning"]._query_encoders()[1]
    if two_threads is None:  # a one-core machine: no second session to time
        del paths["onnx fp32, 2 threads, no spinning"]
    run: dict[str, Callable[[str], object]] = {name: embedder.encode_query for name, embedder in paths.items()}
    if two_threads is not None:
        run["onnx fp32, 2 threads, no spinning"] = two_threads.encode_one
    timings: dict[str, list[float]] = {name: [] for name in run}
    log(f"query embedding: {len(queries)} distinct queries by {len(run)} paths")
    for query in queries:
        for name, embed in run.items():
            started = time.perf_counter()
            embed(query)
            timings[name].append((time.perf_counter() - started) * 1000)
    default = paths["onnx fp32, default (alone: the faster)"].alone_choice.means
    return {"queries": len(queries), "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "default_running_means_ms": [None if m is None else round(m * 1000, 2) for m in default],
            "by_path": {name: {"p50_ms": round(float(np.percentile(values, 50)), 2),
                               "p95_ms": round(float(np.percentile(values, 95)), 2)}
                        for name, values in timings.items()}}


def render(data: dict[str, Any]) -> list[str]:
    """Lines of the printed table for both sections (those present)."""
    lines: list[str] = []
    pipeline = data.get("pipeline")
    if pipeline:
        lines.append(f"\ningest pipeline against the naive reference, same run ({len(pipeline['files'])} PDFs, "
                     f"load average after {pipeline['load_average_after']})")
        for name, row in pipeline["runs"].items():
            ratio = f"  {row['speedup_over_naive']}x naive" if "speedup_over_naive" in row else ""
            lines.append(f"  {name:<14}{row['pages']:>6} pages {row['passages']:>6} passages {row['seconds']:>8} s "
                         f"{row['pages_per_s']:>7} pages/s{ratio}")
    queries = data.get("query_embedding")
    if queries:
        lines.append(f"\nquery embedding, one new query ({queries['queries']} queries, "
                     f"load average after {queries['load_average_after']})")
        for name, row in queries["by_path"].items():
            lines.append(f"  {name:<38} p50 {row['p50_ms']:>7} ms  p95 {row['p95_ms']:>7} ms")
        if queries.get("default_running_means_ms"):
            lines.append(f"  (the default's running means at the end, 1 thread / 2 threads: "
                         f"{queries['default_running_means_ms']} ms)")
    return lines
