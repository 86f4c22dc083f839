"""All configuration in one pydantic-settings class (env prefix COOPSEARCH_), built by the edges."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, cast

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from edge.clients import parse_networks
from edge.config import EdgeConfig
from index.backends import BackendConfig, make_backend
from index.build import IngestOptions
from index.embedder import Embedder, ModelInfo, default_model_path, model_fingerprint
from index.fusion import FusionConfig
from index.manifest import precision_for, read_manifest
from index.search import SearchConfig, SearchEngine
from index.snapshot import IndexHolder
from index.vectors import VectorConfig

FusionMethod = Literal["rrf", "dbsf", "minmax"]  # index.fusion.FUSION_METHODS, as a type the settings check


class Settings(BaseSettings):
    """Settings from environment variables; command-line flags override them."""

    model_config = SettingsConfigDict(env_prefix="COOPSEARCH_", extra="ignore")

    index: Path = Field(Path("data/index"), description="Index folder")
    corpus: Path = Field(Path("corpus"), description="Folder `serve` builds from when no index exists")
    model: Path | None = Field(None, description="sentence-transformers model folder; default: the bundled one")
    host: str = "127.0.0.1"
    port: int = 8000
    max_file_bytes: int = Field(IngestOptions.max_bytes, description="Files over this size are refused")
    parse_timeout_s: float = Field(IngestOptions.timeout_s, description="Time limit to read one file")
    workers: int = Field(IngestOptions.workers, description="Worker processes that read files")
    # Hybrid fusion; the defaults are the measured best (README "Search quality").
    fusion_method: FusionMethod = Field(cast(FusionMethod, FusionConfig.method), description="rrf, dbsf or minmax")
    rrf_k: float = Field(FusionConfig.rrf_k, description="k of reciprocal rank fusion (rrf only)")
    keyword_weight: float = FusionConfig.keyword_weight
    semantic_weight: float = FusionConfig.semantic_weight
    semantic_gap: float | None = Field(FusionConfig.semantic_gap, ge=0, description="Hybrid fusion: each query's "
                                       "semantic weight x min(1, (its best cosine - its second) / this); 0: off; "
                                       "unset: the gap calibrated for the model (index.search.SEMANTIC_GAPS)")
    # -- embedding and vector index (see README "Speed and scale") ---------------------------------
    precision: Literal["auto", "fp32", "bf16", "fp16", "int8"] = Field(
        "auto", description="Embedding precision: auto (fp16 on a GPU, else the CPU default, or what the index "
        "was built with), fp32, bf16, fp16 (GPU only) or int8 (CPU only, ONNX Runtime)")
    device: str = Field("auto", description="Embedding device: auto (CUDA when present, else CPU), cpu, cuda, cuda:N")
    vector_flat_max: int = Field(VectorConfig.flat_max,
                                 description="Exact (flat) vector search up to this many chunks; HNSW above")
    vector_compression: Literal["none", "sq8"] = Field("none", description="sq8: 8-bit HNSW vectors (4x smaller)")
    hnsw_ef_search: int = Field(VectorConfig.ef_search, description="HNSW candidates per query (recall against speed)")
    idle_query_threads: int = Field(2, ge=1, description="Threads embedding a query while no other query is "
                                    "being embedded (at most the cores; concurrent ones get one each); 1: always one")
    parallel_retrieval: bool = Field(SearchConfig.parallel_retrieval, description="Hybrid search: run the keyword "
                                     "search in a worker thread while the query is embedded (off: one after the other)")
    # -- sentence-level scoring (index.sentences; README "Search quality") ---------------------------
    sentence_vectors: bool = Field(IngestOptions.sentence_vectors, description="Ingest: embed and store the "
                                   "sentences of passages of more than one sentence (about 1.6 more texts to embed "
                                   "per passage on the UN set); off: faster ingest, those passages get no sentence "
                                   "evidence")
    sentence_rerank: int = Field(SearchConfig.sentence_rerank, ge=0, description="Hybrid search: the first N fused "
                                 "candidates are re-scored by their best stored sentence; 0: off")
    semantic_sentence_rerank: int = Field(SearchConfig.semantic_sentence_rerank, ge=0, description="Semantic "
                                          "search: its first N passages are ranked by the closer of their own "
                                          "vector and their best stored sentence; 0: off")
    # -- the engines behind the index (index.backends; docs/deploy.md) ---------------------------------
    backend: Literal["embedded", "milvus"] = Field(
        "embedded", description="embedded (FAISS + SQLite in the index folder) or milvus (a Milvus collection)")
    milvus_uri: str | None = Field(None, description="Milvus: a local file ending in .db (Milvus Lite, one process) "
                                   "or http://host:19530; default: milvus.db beside the index")
    milvus_token: str | None = Field(None, description="Milvus: user:password or an API key")
    milvus_collection: str | None = Field(None, description="Milvus collection of this index; default: the one "
                                          "the index's manifest names, or one named after the index folder")
    keyword_engine: Literal["tantivy", "fts5"] = Field(
        "tantivy", description="The keyword engine a new index is built with (an index keeps its own): tantivy "
        "(top-k by block-max WAND, fast at a million passages) or fts5 (SQLite's, inside the store file)")
    milvus_index_type: str = Field(BackendConfig.index_type, description="Milvus dense index: AUTOINDEX, FLAT, "
                                   "IVF_FLAT (Milvus Lite accepts these), HNSW on a server")
    # -- HTTP API: access, limits, uploads (see README "HTTP API") --------------------------------
    uploads: Path | None = Field(None, description="Folder uploads are saved into; default: uploads/ beside the index")
    file_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, description="More folders /documents/{id}/file may serve from (comma-separated)")
    keys_file: Path | None = Field(None, description="API keys (hashed); default: api-keys.json beside the index")
    open_reads: bool = Field(True, description="Reads need no key (a key, when sent, must still be valid)")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser (comma-separated)")
    rate_limit_per_s: float = Field(20.0, description="Sustained requests per second per key or address; 0: off")
    rate_limit_burst: int = Field(40, description="Requests a key or address may send at once")
    max_upload_bytes: int = Field(50 * 1024 * 1024, description="Largest upload request (all files together)")
    max_upload_files: int = Field(20, description="Most files in one upload")
    max_upload_chunks: int = Field(3000, description="Most passages one uploaded file may have (else too_large)")
    max_body_bytes: int = Field(256 * 1024, description="Largest request body other than an upload")
    request_timeout_s: float = Field(30.0, description="Time limit for a read request; 0: none")
    public_url: str | None = Field(None, description="Base URL of every absolute link (OpenSearch, Atom, exports)")
    # -- exposing the server (README "Security") -------------------------------------------------
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1"],
        description="Host names whose requests may name themselves in links when public_url is unset")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Proxies (addresses or CIDR) whose X-Forwarded-For is believed")
    rate_limit_loopback: bool = Field(False, description="Rate-limit callers on 127.0.0.1/::1 too")
    frame_ancestors: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["'self'"], description="Origins allowed to frame the pages (CSP frame-ancestors)")
    header_timeout_s: float = Field(10.0, description="Seconds a connection may take to send a request's headers")
    keep_alive_s: float = Field(5.0, description="Seconds an idle keep-alive connection stays open")
    max_connections: int = Field(200, description="Open connections before new ones get 503")
    max_header_bytes: int = Field(64 * 1024, description="Largest request line and headers")

    @field_validator("file_roots", "cors_origins", "allowed_hosts", "trusted_proxies", "frame_ancestors",
                     mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        parse_networks(value)  # a bad entry fails at start-up, naming it
        return value

    def uploads_dir(self) -> Path:
        """Where uploaded files are saved."""
        return self.uploads if self.uploads is not None else self.index.parent / "uploads"

    def keys_path(self) -> Path:
        """The API keys file."""
        return self.keys_file if self.keys_file is not None else self.index.parent / "api-keys.json"

    def allowed_file_roots(self) -> list[Path]:
        """Folders whose files may be served: the corpus, the uploads folder, and `file_roots`."""
        return [self.corpus, self.uploads_dir(), *self.file_roots]

    def edge_config(self) -> EdgeConfig:
        """What the API and the pages need to decide access, client identity and links."""
        wildcard = self.host in ("0.0.0.0", "::", "")
        host = "localhost" if wildcard else self.host
        fallback = f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"
        hosts = {h.lower() for h in self.allowed_hosts} | (set() if wildcard else {self.host.lower()})
        return EdgeConfig(open_reads=self.open_reads, trusted_proxies=tuple(parse_networks(self.trusted_proxies)),
                          limit_loopback=self.rate_limit_loopback, public_url=self.public_url,
                          allowed_hosts=tuple(sorted(hosts)), frame_ancestors=tuple(self.frame_ancestors),
                          fallback_url=fallback)

    def fusion(self) -> FusionConfig:
        """The hybrid fusion these settings ask for."""
        return FusionConfig(rrf_k=self.rrf_k, keyword_weight=self.keyword_weight,
                            semantic_weight=self.semantic_weight, method=self.fusion_method,
                            semantic_gap=self.semantic_gap)

    def make_embedder(self) -> Embedder:
        """Load the configured embedding model (once per process: it takes seconds)."""
        return Embedder(self.model_dir(), device=self.device, precision=precision_for(self.index, self.precision),
                        idle_query_threads=self.idle_query_threads)

    def make_engine(self, embedder: Embedder | None) -> SearchEngine:
        """The search engine over the configured index, with these settings' fusion and vector search.

        Without an embedder it answers keyword searches and document reads without loading the model.
        """
        model = embedder.info if embedder is not None else self.model_identity()
        holder = IndexHolder(self.index, model, self.vector_config(), make_backend(self.backend_config()))
        return SearchEngine(holder, embedder, self.fusion(), self.search_config())

    def search_config(self) -> SearchConfig:
        """What of the ranking these settings choose (the fusion is passed apart: `fusion`)."""
        return SearchConfig(parallel_retrieval=self.parallel_retrieval, sentence_rerank=self.sentence_rerank,
                            semantic_sentence_rerank=self.semantic_sentence_rerank)

    def backend_config(self) -> BackendConfig:
        """Which engines the index uses, and how to reach Milvus."""
        uri = self.milvus_uri or str(self.index.parent / "milvus.db")
        return BackendConfig(kind=self.backend, uri=uri, token=self.milvus_token, collection=self.milvus_collection,
                             index_type=self.milvus_index_type, keyword_engine=self.keyword_engine)

    def model_identity(self) -> ModelInfo:
        """The configured model's identity without loading it (which takes seconds).

        The fingerprint is what identifies a model; the dimension, which only a loaded model tells, is
        taken from the index (a missing index is an IndexNotFound, as when loading it).
        """
        model_dir = self.model_dir()
        dimension = read_manifest(self.index).model.dimension
        return ModelInfo(name=model_dir.name, fingerprint=model_fingerprint(model_dir), dimension=dimension)

    def vector_config(self) -> VectorConfig:
        """How the vector index is laid out (written by ingest) and searched (read by the engine)."""
        return VectorConfig(flat_max=self.vector_flat_max, compression=self.vector_compression,
                            ef_search=self.hnsw_ef_search)

    def ingest_options(self, **choices: Any) -> IngestOptions:
        """Ingest options from these settings; `choices` (passwords, prune, a flag's value) override them."""
        given = {name: value for name, value in choices.items() if value is not None}
        return IngestOptions(**{"max_bytes": self.max_file_bytes, "timeout_s": self.parse_timeout_s,
                                "workers": self.workers, "vectors": self.vector_config(),
                                "sentence_vectors": self.sentence_vectors,
                                "backend": self.backend_config(), **given})

    def model_dir(self) -> Path:
        """The configured model folder, or the bundled all-MiniLM-L6-v2."""
        return self.model if self.model is not None else default_model_path()
