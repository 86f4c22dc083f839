"""The index folder's JSON manifest: format version, model, current generation and counts.

The manifest is the commit point: a new generation becomes visible only when `manifest.json`
is atomically replaced, so readers and a crash both see either the old or the new index whole.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from index.embedder import ModelInfo
from index.errors import CorruptIndex, IndexNotFound, ModelMismatch

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
STORE_NAME = "store.sqlite"
VECTORS_NAME = "vectors.faiss"


@dataclass(frozen=True)
class Manifest:
    """What a person (and a loader) needs to know about an index folder."""

    format_version: int
    model: ModelInfo
    generation: str
    documents: int
    chunks: int
    vectors: int
    vector_index: str
    updated_at: str

    def generation_dir(self, index_dir: Path) -> Path:
        """The folder holding this generation's store and vectors."""
        return index_dir / self.generation


def now_iso() -> str:
    """UTC time in ISO 8601, to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_manifest(index_dir: Path) -> Manifest:
    """Load and validate `manifest.json`; raises IndexNotFound or CorruptIndex naming the file."""
    path = index_dir / MANIFEST_NAME
    if not path.exists():
        raise IndexNotFound(f"no index at {index_dir} (missing {MANIFEST_NAME}); run `coopsearch ingest`")
    try:
        raw = json.loads(path.read_text())
        model = ModelInfo(**raw["model"])
        manifest = Manifest(**{**raw, "model": model})
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptIndex(f"manifest {path} is unreadable: {exc}") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise CorruptIndex(f"manifest {path} has format version {manifest.format_version}; "
                           f"this coopsearch reads version {FORMAT_VERSION}: rebuild the index")
    return manifest


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    """Atomically replace the manifest (write, fsync, rename, fsync the folder)."""
    path = index_dir / MANIFEST_NAME
    tmp = index_dir / (MANIFEST_NAME + ".tmp")
    with open(tmp, "w") as handle:
        json.dump(asdict(manifest), handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(index_dir)


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_model(manifest: Manifest, model: ModelInfo, index_dir: Path) -> None:
    """Refuse an index built with another model."""
    if manifest.model.fingerprint != model.fingerprint or manifest.model.dimension != model.dimension:
        raise ModelMismatch(
            f"index at {index_dir} was built with model '{manifest.model.name}' "
            f"(dimension {manifest.model.dimension}, fingerprint {manifest.model.fingerprint}) but the configured "
            f"model is '{model.name}' (dimension {model.dimension}, fingerprint {model.fingerprint}); "
            "use the same model or rebuild the index into a new folder")
