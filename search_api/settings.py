"""All configuration in one pydantic-settings class (env prefix COOPSEARCH_), built by the edges."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    rrf_k: float = 60.0
    keyword_weight: float = 1.0
    semantic_weight: float = 1.0

    def make_embedder(self):  # type: ignore[no-untyped-def]
        """Load the configured embedding model (once per process: it takes seconds)."""
        from index.embedder import Embedder

        return Embedder(self.model_dir())

    def model_dir(self) -> Path:
        """The configured model folder, or the bundled all-MiniLM-L6-v2."""
        if self.model is not None:
            return self.model
        from index.embedder import default_model_path

        return default_model_path()
