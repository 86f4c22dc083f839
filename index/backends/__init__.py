"""The backend seam: what search and ingest need from the engines that retrieve passages.

The SQLite store (index.store) is the document and metadata store on every backend: documents, the
chunks' text and labels, symbols, references, mandates and facets are relational and small. A backend
owns the two retrieval engines: keyword search and vector search, both with the product's filters.

- `embedded`: FTS5 inside the generation's SQLite file and a FAISS file beside it (index.backends.embedded).
- `milvus`: one Milvus collection (dense vectors, BM25 over the stems, scalar filter fields) shared by
  every generation; the committed SQLite generation decides which of its rows exist (index.backends.milvus).

Everything that ranks (fusion, boosts, symbols first, duplicates, highlights, facets) runs above the seam
once (index.search), so both backends answer the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from index.query import QueryAnalysis
from index.types import Filters
from ingest.types import Chunk, Document

if TYPE_CHECKING:
    from index.embedder import ModelInfo
    from index.manifest import Manifest
    from index.store import Store
    from index.vectors import VectorConfig

BackendKind = Literal["embedded", "milvus"]
BACKENDS: tuple[str, ...] = ("embedded", "milvus")
KEYWORD_ENGINES: tuple[str, ...] = ("tantivy", "fts5")  # index.keyword_engine.ENGINES
Scored = list[tuple[int, float]]  # (chunk id, score, higher is better), best first


@dataclass(frozen=True)
class BackendConfig:
    """Which backend an index uses and how to reach it (settings: COOPSEARCH_BACKEND, COOPSEARCH_MILVUS_*)."""

    kind: str = "embedded"
    uri: str | None = None  # Milvus: a local file (Milvus Lite) or http://host:19530
    token: str | None = None  # Milvus: "user:password" or an API key
    collection: str | None = None  # Milvus: None = the one the manifest names, else derived from the folder
    index_type: str = "AUTOINDEX"  # Milvus dense index: AUTOINDEX, FLAT, IVF_FLAT (Lite), HNSW (a server)
    # the store's keyword engine for a new index (an existing one keeps its own): index.keyword_engine
    keyword_engine: str = "tantivy"

    def __post_init__(self) -> None:
        if self.kind not in BACKENDS:
            raise ValueError(f"unknown backend {self.kind!r}; use one of {', '.join(BACKENDS)}")
        if self.keyword_engine not in KEYWORD_ENGINES:
            raise ValueError(f"unknown keyword engine {self.keyword_engine!r}; use one of {', '.join(KEYWORD_ENGINES)}")


class Retrieval(Protocol):
    """What search reads from one committed generation's engines (ids are the chunks' SQLite row ids)."""

    def keyword_search(self, analysis: QueryAnalysis, k: int, filters: Filters,
                       weights: tuple[float, float, float]) -> Scored:
        """The best k passages matching the analysed query's words, with its required, excluded and
        title phrases applied (a passage without a required phrase is not returned)."""
        ...

    def keyword_count(self, analysis: QueryAnalysis, filters: Filters) -> int:
        """How many passages the analysed query matches by keyword (counted up to a cap)."""
        ...

    def vector_search(self, vector: np.ndarray, k: int, filters: Filters,
                      excluded_ids: Sequence[int] = ()) -> Scored:
        """The k nearest passages by cosine that pass the filters, leaving out `excluded_ids`."""
        ...

    def get(self, chunk_id: int) -> np.ndarray:
        """The stored vector of a passage (KeyError when the generation does not hold it)."""
        ...

    def count(self) -> int:
        """Vectors held for this generation."""
        ...

    def check(self) -> None:
        """Raise index.errors.EngineUnavailable when the engines cannot answer now (readiness, GET /ready)."""
        ...


@dataclass(frozen=True)
class EngineCommit:
    """What a writer's engine adds to the manifest: its files in the generation folder, counts, layout."""

    files: tuple[str, ...]
    vectors: int
    describe: str
    record: dict[str, object]
    linked: tuple[str, ...] = ()  # of `files`, those hard-linked unchanged from the previous generation


class EngineWriter(Protocol):
    """The engines' side of one generation being written (index.generation.GenerationWriter drives it)."""

    def next_id(self) -> int | None:
        """The id the next chunk must take (None: the store's own next row id)."""
        ...

    def add(self, document: Document, chunks: Sequence[Chunk], ids: Sequence[int], vectors: np.ndarray) -> None:
        """Index a document's chunks, stored under `ids`, with their vectors."""
        ...

    def remove(self, ids: Sequence[int]) -> None:
        """Take these chunks out of the engines (or schedule it for when the generation is published)."""
        ...

    def save(self, directory: Path) -> EngineCommit:
        """Make the changes durable before the manifest switch; files written go in `directory`."""
        ...

    def published(self) -> None:
        """The manifest names the new generation: finish what had to wait for it."""
        ...


class Backend(Protocol):
    """A kind of engine: opens the retrieval of a committed generation, and the writer of a new one."""

    kind: str

    def reader(self, directory: Path, manifest: Manifest, store: Callable[[], Store], config: VectorConfig
               ) -> Retrieval:
        """The retrieval of the committed generation in `directory` (`store`: this thread's read-only store)."""
        ...

    def writer(self, index_dir: Path, previous: Manifest | None, store: Store, model: ModelInfo,
               config: VectorConfig) -> EngineWriter:
        """The engines' writer for the generation after `previous` (None: a new index), repairing what a
        crashed writer left in a shared engine."""
        ...

    def check(self, manifest: Manifest, index_dir: Path) -> None:
        """Refuse an index built on another backend or collection (index.errors.BackendMismatch)."""
        ...


def make_backend(config: BackendConfig) -> Backend:
    """The backend these settings name (Milvus is imported only when asked for)."""
    if config.kind == "milvus":
        from index.backends.milvus import MilvusBackend

        return MilvusBackend(config)
    from index.backends.embedded import EmbeddedBackend

    return EmbeddedBackend()
