"""All configuration in one pydantic-settings class (env prefix COOPSEARCH_), built by the edges."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.fusion import FusionConfig


class Settings(BaseSettings):
    """Settings from environment variables; command-line flags override them."""

    model_config = SettingsConfigDict(env_prefix="COOPSEARCH_", extra="ignore")

    index: Path = Field(Path("data/index"), description="Index folder")
    corpus: Path = Field(Path("corpus"), description="Folder `serve` builds from when no index exists")
    model: Path | None = Field(None, description="sentence-transformers model folder; default: the bundled one")
    host: str = "127.0.0.1"
    port: int = 8000
    max_file_bytes: int = Field(100 * 1024 * 1024, description="Files over this size are refused")
    parse_timeout_s: float = Field(60.0, description="Time limit to read one file")
    workers: int = Field(2, description="Worker processes that read files")
    # Hybrid fusion; the defaults are the measured best (README "Search quality").
    fusion_method: Literal["rrf", "dbsf", "minmax"] = Field(FusionConfig.method, description="rrf, dbsf or minmax")
    rrf_k: float = Field(FusionConfig.rrf_k, description="k of reciprocal rank fusion (rrf only)")
    keyword_weight: float = FusionConfig.keyword_weight
    semantic_weight: float = FusionConfig.semantic_weight
    # -- embedding and vector index (see README "Speed and scale") ---------------------------------
    precision: Literal["auto", "fp32", "bf16", "fp16", "int8"] = Field(
        "auto", description="Embedding precision: auto (fp16 on a GPU, else the CPU default, or what the index "
        "was built with), fp32, bf16, fp16 (GPU only) or int8 (CPU only, ONNX Runtime)")
    device: str = Field("auto", description="Embedding device: auto (CUDA when present, else CPU), cpu, cuda, cuda:N")
    vector_flat_max: int = Field(50_000, description="Exact (flat) vector search up to this many chunks; HNSW above")
    vector_compression: Literal["none", "sq8"] = Field("none", description="sq8: 8-bit HNSW vectors (4x smaller)")
    hnsw_ef_search: int = Field(96, description="HNSW candidates per query (recall against speed)")
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
    max_body_bytes: int = Field(256 * 1024, description="Largest request body other than an upload")
    request_timeout_s: float = Field(30.0, description="Time limit for a read request; 0: none")
    public_url: str | None = Field(None, description="Base URL named in /opensearch.xml; default: the request's")

    @field_validator("file_roots", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
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

    def fusion(self) -> FusionConfig:
        """The hybrid fusion these settings ask for."""
        return FusionConfig(rrf_k=self.rrf_k, keyword_weight=self.keyword_weight,
                            semantic_weight=self.semantic_weight, method=self.fusion_method)

    def make_embedder(self):  # type: ignore[no-untyped-def]
        """Load the configured embedding model (once per process: it takes seconds)."""
        from index.embedder import Embedder
        from index.manifest import precision_for

        return Embedder(self.model_dir(), device=self.device, precision=precision_for(self.index, self.precision))

    def vector_config(self):  # type: ignore[no-untyped-def]
        """How the vector index is laid out and searched (index.vectors.VectorConfig)."""
        from index.vectors import VectorConfig

        return VectorConfig(flat_max=self.vector_flat_max, compression=self.vector_compression,
                            ef_search=self.hnsw_ef_search)

    def model_dir(self) -> Path:
        """The configured model folder, or the bundled all-MiniLM-L6-v2."""
        if self.model is not None:
            return self.model
        from index.embedder import default_model_path

        return default_model_path()
