"""Embedding throughput against its ceilings: the product's Embedder at its defaults and at its best, the
tokenizer alone, the forward pass alone, and the vectors' cosine to fp32. Runs on any CUDA machine in a
few minutes, and on the CPU with a small --n (the same table).

    python bench/gpu_embed.py prepare                       # real passages -> bench/.cache/passages.json.gz
    python bench/gpu_embed.py run --n 200                   # on this machine (CPU: keep --n small)
    python bench/gpu_embed.py run --passages P --model M --out $OUT/gpu_embed.json   # on a GPU host

`prepare` needs the project (its parser and `embedding_text`); `run` needs only torch, transformers,
tokenizers, sentence-transformers and this repository's `index` package, so it runs on a bare GPU host.
The model folder may hold `model.safetensors` (used as is), `model.fp16.safetensors` (the real weights
stored in half the bytes to travel; upcast to fp32 here) or no weights (random ones from config.json:
the same speed, but then the cosines only measure the arithmetic, not the real model).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SPEECHES = ROOT.parent / "shared" / "data" / "ungdc-ssc"
PASSAGES = ROOT / "bench" / ".cache" / "passages.json.gz"
RESULTS = ROOT / "bench" / "results"
COSINE_SAMPLE = 20_000  # passages compared with fp32 (the fp32 run is the slow one)
REFERENCE_SAMPLE = 20_000  # passages through the pre-issue-14 path (sentence-transformers encode, fp32, batch 32)


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the table."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- prepare: real passages as the product embeds them ----------------------------------------------
def prepare(target: Path, folders: Sequence[Path]) -> int:
    """Parse every file of `folders` with the product's parser (in its worker processes) and write each
    chunk's `embedding_text`, in the order an ingest embeds them."""
    from index.build import IngestReport, collect_files, embedding_text
    from index.embedder import usable_cores
    from ingest.batch import ParseJob, parse_many

    files = [path for path in collect_files(list(folders), IngestReport()) if not path.name.startswith("UNGDC")]
    texts: list[str] = []
    for outcome in parse_many([ParseJob(path) for path in files], workers=usable_cores(), timeout_s=600):
        if outcome.parsed is not None:
            texts.extend(embedding_text(outcome.parsed.document, chunk) for chunk in outcome.parsed.chunks)
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(target, "wt", encoding="utf-8") as handle:
        json.dump(texts, handle)
    return len(texts)


def load_passages(path: Path, count: int) -> list[str]:
    """`count` passages: the file's, repeated as often as needed (the tokenizer caches nothing); 0: the file's."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        texts: list[str] = json.load(handle)
    return [texts[i % len(texts)] for i in range(count or len(texts))]


# -- the model folder ---------------------------------------------------------------------------------
def model_folder(source: Path, work: Path) -> tuple[Path, str]:
    """A loadable model folder and where its weights came from (real, real-fp16-stored or random)."""
    if (source / "model.safetensors").exists():
        return source, "real"
    import torch
    from safetensors.torch import load_file, save_file

    target = work / "model"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.safetensors"))
    half = source / "model.fp16.safetensors"
    if half.exists():
        save_file({name: tensor.float() for name, tensor in load_file(str(half)).items()},
                  str(target / "model.safetensors"))
        return target, "real weights stored in fp16, upcast to fp32"
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    BertModel(BertConfig.from_json_file(str(source / "config.json"))).save_pretrained(str(target))
    return target, "random (config.json's shapes)"


# -- the measurements ---------------------------------------------------------------------------------
def synchronize(device: str) -> None:
    """Wait for the GPU, so a timing includes its work."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def timed(device: str, work: Callable[[], Any]) -> tuple[Any, float]:
    """Run `work` once and return its result and wall seconds."""
    synchronize(device)
    started = time.perf_counter()
    result = work()
    synchronize(device)
    return result, time.perf_counter() - started


def product(model_dir: Path, texts: Sequence[str], **options: Any) -> tuple[np.ndarray, float, dict[str, Any]]:
    """The product's Embedder with `options`: vectors, passages/s, and how it ran."""
    from index.embedder import Embedder

    _free()  # what the previous measurement left on the GPU
    embedder = Embedder(model_dir, **options)
    embedder.encode(texts[:min(2048, max(16, len(texts) // 10))])  # warm-up: kernels, allocator, threads
    vectors, seconds = timed(embedder.device, lambda: embedder.encode(texts))
    described = embedder.describe()
    return vectors, len(texts) / seconds, described


def reference(model_dir: Path, texts: Sequence[str], device: str) -> float:
    """The path before this work: sentence-transformers' own encode, fp32, batch 32, sorted by length."""
    from sentence_transformers import SentenceTransformer

    _free()
    model = SentenceTransformer(str(model_dir), device=device)
    model.encode(list(texts[:min(256, max(16, len(texts) // 10))]), batch_size=32)
    _, seconds = timed(device, lambda: model.encode(list(texts), batch_size=32, normalize_embeddings=True))
    return len(texts) / seconds


def tokenizer_alone(model_dir: Path, texts: Sequence[str], *, batch: int, threads: int) -> float:
    """The product's tokenisation (Rust, into padded arrays) in its threads, with nothing else running."""
    from transformers import AutoTokenizer

    from index.batching import ArrayTokenizer, plan_batches, prefetched

    tokenizer = ArrayTokenizer.from_transformers(AutoTokenizer.from_pretrained(str(model_dir)), 256)
    batches = plan_batches(texts, max_tokens=batch * 256, max_batch=batch, max_length=256)

    def run() -> int:
        done = 0
        for arrays in prefetched(batches, lambda rows: tokenizer([texts[i] for i in rows]), threads=threads,
                                 depth=2 * threads):
            done += len(arrays.input_ids)
        return done

    _, seconds = timed("cpu", run)
    return len(texts) / seconds


def forward_alone(model_dir: Path, texts: Sequence[str], device: str, precision: str, batch: int) -> float:
    """The model's forward pass with mean pooling on batches tokenised beforehand and already on the device."""
    import torch
    from sentence_transformers import SentenceTransformer

    from index.batching import ArrayTokenizer, plan_batches

    _free()
    model = SentenceTransformer(str(model_dir), device=device)
    if precision in ("fp16", "bf16"):
        model.to(torch.float16 if precision == "fp16" else torch.bfloat16)
    model.eval()
    tokenizer = ArrayTokenizer.from_transformers(model[0].tokenizer, 256)
    batches = [{name: torch.from_numpy(array).to(device) for name, array in
                tokenizer([texts[i] for i in rows]).as_dict().items()}
               for rows in plan_batches(texts, max_tokens=batch * 256, max_batch=batch, max_length=256)]

    def run() -> None:
        with torch.inference_mode():
            for features in batches:
                model(dict(features))["sentence_embedding"]

    with torch.inference_mode():
        model(dict(batches[-1]))  # warm-up
    _, seconds = timed(device, run)
    return len(texts) / seconds


def _free() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def cosine(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean and minimum row cosine of two sets of unit vectors."""
    values = np.sum(a * b, axis=1)
    return {"mean": round(float(values.mean()), 6), "min": round(float(values.min()), 6)}


def environment(device: str) -> dict[str, object]:
    """The machine and the libraries."""
    import sentence_transformers
    import tokenizers
    import torch
    import transformers

    env: dict[str, object] = {"python": platform.python_version(), "torch": torch.__version__,
                              "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                              "sentence_transformers": sentence_transformers.__version__,
                              "cpu_cores": os.cpu_count(), "device": device,
                              "load_average": [round(x, 2) for x in os.getloadavg()]}
    if device.startswith("cuda"):
        env["gpu"] = torch.cuda.get_device_name(0)
    return env


def attempt(rows: list[dict[str, Any]], what: str, passages: int, measure: Callable[[], dict[str, Any]]) -> None:
    """Append one row; a row that fails records its error and the others still run (one GPU call, no reruns)."""
    log(what)
    try:
        rows.append({"what": what, "passages": passages, **measure()})
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
        rows.append({"what": what, "passages": passages, "passages_per_s": None,
                     "error": f"{type(exc).__name__}: {exc}"})


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every row of the table, measured in this process."""
    from index.embedder import resolve_device

    device = resolve_device("auto")
    cuda = device.startswith("cuda")
    texts = load_passages(args.passages, args.n)
    words = sum(len(text.split()) for text in texts) / len(texts)
    log(f"{len(texts):,} passages ({words:.0f} words on average) on {device}")
    rows: list[dict[str, Any]] = []
    sample = texts[:min(len(texts), COSINE_SAMPLE)]
    kept: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as work:
        model_dir, weights = model_folder(args.model, Path(work))
        ref_texts = texts[:min(len(texts), REFERENCE_SAMPLE)]
        attempt(rows, "before: sentence-transformers encode, fp32, batch 32", len(ref_texts),
                lambda: {"passages_per_s": round(reference(model_dir, ref_texts, device), 1)})

        def default() -> dict[str, Any]:
            vectors, speed, described = product(model_dir, texts)
            kept["default"] = vectors[:len(sample)]
            kept["best"] = (speed, described)
            return {"passages_per_s": round(speed, 1), "settings": described}

        attempt(rows, "product default (Embedder(model): device and precision auto)", len(texts), default)
        for batch, threads in ([(512, 4), (2048, 8)] if cuda else [(64, 1)]):
            def variant(batch: int = batch, threads: int = threads) -> dict[str, Any]:
                _, speed, described = product(model_dir, texts, batch_size=batch, tokenize_threads=threads)
                if speed > kept.get("best", (0.0, {}))[0]:
                    kept["best"] = (speed, described)
                return {"passages_per_s": round(speed, 1), "settings": described}

            attempt(rows, f"product, batch_size={batch}, tokenize_threads={threads}", len(texts), variant)
        if "best" in kept:
            speed, described = kept["best"]
            rows.append({"what": f"product best (batches of <= {described['batch_size']}, "
                                 f"{described['tokenize_threads']} tokenizer threads, {described['precision']})",
                         "passages": len(texts), "passages_per_s": round(speed, 1), "settings": described})
        threads = 8 if cuda else 1
        attempt(rows, f"tokenizer alone (Rust, into arrays, batch 1,024, {threads} threads)", len(texts),
                lambda: {"passages_per_s": round(tokenizer_alone(model_dir, texts, batch=1024, threads=threads), 1)})
        precision = "fp16" if cuda else "fp32"
        attempt(rows, f"forward alone ({precision}, mean pooling, pre-tokenised, on the device, batch 1,024)",
                len(texts), lambda: {"passages_per_s": round(
                    forward_alone(model_dir, texts, device, precision, 1024 if cuda else 64), 1)})
        fidelity: dict[str, Any] = {}
        try:
            log("cosine to fp32")
            fp32, _, _ = product(model_dir, sample, precision="fp32")
            if "default" in kept:
                fidelity["default"] = cosine(kept["default"], fp32)
            for other in (["bf16"] if cuda else []):
                vectors, _, _ = product(model_dir, sample, precision=other)
                fidelity[other] = cosine(vectors, fp32)
        except Exception as exc:
            fidelity["error"] = f"{type(exc).__name__}: {exc}"
    return {"environment": environment(device), "weights": weights, "passages": len(texts),
            "words_per_passage": round(words, 1), "rows": rows, "cosine_to_fp32": fidelity,
            "cosine_passages": len(sample)}


def render(data: dict[str, Any]) -> str:
    """The table, as printed."""
    env = data["environment"]
    where = env.get("gpu") or f"CPU, {env['cpu_cores']} cores, load {env['load_average']}"
    lines = [f"embedding throughput on {where} (torch {env['torch']}, transformers {env['transformers']}); "
             f"{data['passages']:,} real passages, {data['words_per_passage']} words on average; "
             f"weights: {data['weights']}", "",
             f"| {'what ran':<86} | passages | passages/s |", f"|{'-' * 88}|----------|------------|"]
    for row in data["rows"]:
        speed = "failed" if row["passages_per_s"] is None else f"{row['passages_per_s']:,.0f}"
        lines.append(f"| {row['what']:<86} | {row['passages']:>8,} | {speed:>10} |")
    lines.append("")
    lines.extend(f"{row['what']}: {row['error']}" for row in data["rows"] if row.get("error"))
    for name, value in data["cosine_to_fp32"].items():
        if name == "error":
            lines.append(f"cosine to fp32 failed: {value}")
            continue
        lines.append(f"cosine to fp32 ({name}, {data['cosine_passages']:,} passages): "
                     f"mean {value['mean']:.6f}, min {value['min']:.6f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`prepare` or `run`; see the module's docstring."""
    from index.embedder import default_model_path

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("prepare", help="write the real passages file")
    make.add_argument("--out", type=Path, default=PASSAGES)
    make.add_argument("--folder", type=Path, action="append", help=f"repeatable (default: {SPEECHES})")
    go = sub.add_parser("run", help="measure and print the table")
    go.add_argument("--passages", type=Path, default=PASSAGES)
    go.add_argument("--model", type=Path, default=None, help="model folder (default: the bundled model)")
    go.add_argument("--n", type=int, default=212_800, help="passages to embed (the file's, repeated)")
    go.add_argument("--out", type=Path, default=RESULTS / "gpu_embed.json")
    vectors = sub.add_parser("vectors", help="embed a passages file with the product (fp32) and save the matrix")
    vectors.add_argument("--passages", type=Path, required=True)
    vectors.add_argument("--model", type=Path, default=None)
    vectors.add_argument("--out", type=Path, required=True, help=".npy file")
    fill = sub.add_parser("fill-cache", help="store `vectors` output in bench/embed_cache.py's cache, by text")
    fill.add_argument("--passages", type=Path, required=True)
    fill.add_argument("--vectors", type=Path, required=True)
    fill.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache" / "embeddings.sqlite")
    args = parser.parse_args(argv)
    if args.command == "fill-cache":  # then an ingest through CachedEmbedder embeds nothing on this CPU
        sys.path.insert(0, str(ROOT / "bench"))
        from embed_cache import CachedEmbedder

        from index.embedder import Embedder

        cached = CachedEmbedder(Embedder(default_model_path(), device="cpu"), args.cache)
        texts, matrix = load_passages(args.passages, 0), np.load(args.vectors)
        cached.conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                [(cached._key(text), row.astype(np.float32).tobytes())
                                 for text, row in zip(texts, matrix, strict=True)])
        cached.conn.commit()
        log(f"{len(texts):,} vectors stored in {args.cache}")
        return 0
    if args.command == "vectors":  # vectors for a benchmark index, computed where a GPU is (bench/speed.py)
        with tempfile.TemporaryDirectory() as work:
            model_dir, weights = model_folder(args.model or default_model_path(), Path(work))
            texts = load_passages(args.passages, 0)
            matrix, speed, described = product(model_dir, texts, precision="fp32")
        np.save(args.out, matrix)
        log(f"{len(texts):,} passages, {speed:,.0f}/s, {described}, weights: {weights}")
        return 0
    if args.command == "prepare":
        folders = args.folder or [SPEECHES]
        if missing := [folder for folder in folders if not folder.exists()]:
            print(f"no folder {missing[0]} (../shared is absent?)", file=sys.stderr)
            return 2
        log(f"wrote {prepare(args.out, folders):,} passages to {args.out}")
        return 0
    if not args.passages.exists():
        print(f"no passages file at {args.passages}: run `python bench/gpu_embed.py prepare` first", file=sys.stderr)
        return 2
    args.model = args.model or default_model_path()
    data = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2) + "\n")
    print(render(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
