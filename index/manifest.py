"""The index folder's JSON manifest: format version, model, current generation and counts.

The manifest is the commit point: a new generation becomes visible only when `manifest.json`
is atomically replaced, so readers and a crash both see either the old or the new index whole.
"""
from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from index.embedder import ModelInfo, precision_family, precision_for_index
from index.errors import CorruptIndex, IndexNotFound, ModelMismatch, PrecisionMismatch

# 2: the keyword table holds Snowball stems (index.query), not words
# 3: a generation may hold a Tantivy keyword folder (index.keyword_engine) and layered vectors
#    (index.vector_layers); a version-2 folder is a version-3 one without them, so both are read
#    A store's `chunks.features` column (index.passage_features, issue 15) came later within version 3: a
#    store without it, or with NULLs there, is read by computing the features, and older code ignores it
# 4: the store may hold sentence vectors (`chunk_sentences`, index.sentences), which a writer must delete with
#    their passages (a version-3 writer would leave them behind): older coopsearch refuses the folder; a
#    version-2 or 3 folder is a version-4 one without them (its passages get no sentence evidence), so all are read
FORMAT_VERSION = 4
READABLE_VERSIONS = (2, 3, 4)
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
    # How the vectors were computed (fp32, bf16, ...): not part of the model's identity; several
    # values when generations were added to with different settings.
    precision: tuple[str, ...] = ("fp32",)
    # name -> {"bytes": size, "crc32": hex}: a reader refuses a file that changed since the commit.
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    # The engines behind the generations (index.backends): "embedded" (files in each generation folder) or
    # "milvus", whose record names the collection and the highest chunk id handed out so far.
    backend: str = "embedded"
    engine: dict[str, object] = field(default_factory=dict)

    def generation_dir(self, index_dir: Path) -> Path:
        """The folder holding this generation's store and vectors."""
        return index_dir / self.generation


def now_iso() -> str:
    """UTC time in ISO 8601, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_manifest(index_dir: Path) -> Manifest:
    """Load and validate `manifest.json`; raises IndexNotFound or CorruptIndex naming the file."""
    path = index_dir / MANIFEST_NAME
    if not path.exists():
        raise IndexNotFound(f"no index at {index_dir} (missing {MANIFEST_NAME}); run `coopsearch ingest`")
    try:
        raw = json.loads(path.read_text())
        model = ModelInfo(**{key: raw["model"][key] for key in ("name", "fingerprint", "dimension")},
                          precision=(raw.get("precision") or ["fp32"])[-1])
        manifest = Manifest(**{**raw, "model": model, "precision": tuple(raw.get("precision") or ["fp32"])})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorruptIndex(f"manifest {path} is unreadable: {exc}") from exc
    if manifest.format_version not in READABLE_VERSIONS:
        raise CorruptIndex(f"manifest {path} has format version {manifest.format_version}; "
                           f"this coopsearch reads versions {', '.join(map(str, READABLE_VERSIONS))}: "
                           "rebuild the index")
    return manifest


def precision_for(index_dir: Path, requested: str) -> str:
    """The precision to embed with for the index at `index_dir` (none yet: `requested` as it is).

    `auto` follows an int8 index, whose vectors never mix with float ones (embedder.precision_for_index).
    """
    built = read_manifest(index_dir).precision if (index_dir / MANIFEST_NAME).exists() else ()
    return precision_for_index(requested, built)


def write_manifest(index_dir: Path, manifest: Manifest, before_switch: Callable[[], None] | None = None) -> None:
    """Atomically replace the manifest (write, fsync, rename, fsync the folder).

    `before_switch` runs between the fsync of the new file and the rename (a seam for crash tests).
    """
    path = index_dir / MANIFEST_NAME
    tmp = index_dir / (MANIFEST_NAME + ".tmp")
    data = asdict(manifest)
    data["model"].pop("precision")  # recorded once, at the top level: it is not the model's identity
    with open(tmp, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    if before_switch is not None:
        before_switch()
    os.replace(tmp, path)
    fsync_dir(index_dir)


def file_record(path: Path) -> dict[str, object]:
    """Size and CRC-32 of a file, as the manifest records them."""
    crc = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            crc = zlib.crc32(block, crc)
    return {"bytes": path.stat().st_size, "crc32": f"{crc:08x}"}


# Files whose checksum this process verified, by (device, inode, size, mtime): a generation hard-links the
# previous one's vector base (1.7 GB at a million passages), which is then not read whole again at each reload.
_VERIFIED: dict[tuple[int, int, int, int], object] = {}


def verify_files(manifest: Manifest, directory: Path) -> None:
    """Raise CorruptIndex naming the first file whose size or checksum differs from the manifest's."""
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.exists():
            raise CorruptIndex(f"index file missing: {path} (named by the manifest)")
        size = path.stat().st_size
        if size != expected.get("bytes"):
            raise CorruptIndex(f"index file {path} is {size:,} bytes but the manifest recorded "
                               f"{expected.get('bytes')}: truncated or changed since it was written")
        stat = path.stat()
        identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if _VERIFIED.get(identity) == expected.get("crc32"):
            continue  # the same file (a generation's hard link to it) passed this check already
        if file_record(path)["crc32"] != expected.get("crc32"):
            raise CorruptIndex(f"index file {path} fails its checksum (manifest crc32 {expected.get('crc32')}): "
                               "corrupt or changed since it was written")
        _remember_verified(path, expected.get("crc32"))


def _remember_verified(path: Path, crc: object) -> None:
    stat = path.stat()
    _VERIFIED[(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)] = crc


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
    check_precision(manifest, model, index_dir)


def check_precision(manifest: Manifest, model: ModelInfo, index_dir: Path) -> None:
    """Refuse to mix int8 vectors with float ones (fp32, bf16, fp16) in one index, or to query across them.

    Float precisions agree within cosine 0.999 and may share an index; int8 vectors differ from them by
    about 0.01 in cosine, enough to reorder close neighbours, so an index and its queries use one family.
    """
    built = sorted({precision_family(precision) for precision in manifest.precision}) if manifest.vectors else []
    if built and model.precision and precision_family(model.precision) not in built:
        raise PrecisionMismatch(
            f"index at {index_dir} holds vectors computed in {', '.join(manifest.precision)}, but the embedder "
            f"runs in {model.precision}; int8 and float (fp32, bf16, fp16) vectors never mix: use precision "
            f"{'int8' if built == ['int8'] else 'fp32'} (or auto) with this index, or rebuild it into a new folder")
