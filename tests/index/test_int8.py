"""int8 (ONNX Runtime) vectors: close to fp32 with the real model; recorded in the manifest; never mixed
with float vectors in one index or across an index and its queries."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from support import CORPUS, make_engine
from tiny_bert import build_tiny_bert

from index.build import IngestOptions, embedding_text, ingest_paths
from index.embedder import Embedder, default_model_path
from index.errors import PrecisionMismatch
from index.manifest import read_manifest
from ingest.pipeline import parse_file


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BERT sentence-transformers model with the bundled tokenizer, built here."""
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX cache for the module: each model is exported once."""
    return tmp_path_factory.mktemp("onnx")


def test_int8_vectors_of_the_bundled_model_stay_close_to_fp32(onnx_cache: Path) -> None:
    texts = [embedding_text(parsed.document, chunk) for path in sorted(CORPUS.glob("*.txt"))
             for parsed in [parse_file(path)] for chunk in parsed.chunks]
    fp32 = Embedder(default_model_path(), device="cpu", precision="fp32", cache_dir=onnx_cache)
    int8 = Embedder(default_model_path(), device="cpu", precision="int8", cache_dir=onnx_cache)
    assert int8.info == fp32.info and int8.info.precision == "int8"  # the same model, another precision
    cosine = np.sum(fp32.encode(texts) * int8.encode(texts), axis=1)
    assert len(texts) > 50
    # measured: mean 0.987 on real passages (README, "Embedding speed"): close, but not the same vectors
    assert cosine.mean() > 0.98 and cosine.min() > 0.94
    assert cosine.mean() < 0.9999  # it did run quantised


def test_precision_is_recorded_and_a_mixed_index_is_refused(tiny_bert: Path, onnx_cache: Path,
                                                           tmp_path: Path) -> None:
    from index.search import SearchRequest

    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    index_dir = tmp_path / "index"
    int8 = Embedder(tiny_bert, device="cpu", precision="int8", cache_dir=onnx_cache)
    ingest_paths(index_dir, [docs], int8, IngestOptions(workers=1))
    assert read_manifest(index_dir).precision == ("int8",)
    assert make_engine(index_dir, int8).search(SearchRequest("technical cooperation", mode="semantic")).hits

    fp32 = Embedder(tiny_bert, device="cpu", precision="fp32", cache_dir=onnx_cache)
    (docs / "more.txt").write_text("Knowledge sharing among developing countries.\n")
    with pytest.raises(PrecisionMismatch, match="int8 and float"):
        ingest_paths(index_dir, [docs], fp32, IngestOptions(workers=1))
    assert read_manifest(index_dir).precision == ("int8",)  # nothing was written
    with pytest.raises(PrecisionMismatch, match="use precision int8"):
        make_engine(index_dir, fp32).search(SearchRequest("technical cooperation", mode="semantic"))


def test_auto_precision_follows_the_index(tiny_bert: Path, onnx_cache: Path, tmp_path: Path) -> None:
    from search_api.settings import Settings

    index_dir = tmp_path / "index"
    settings = Settings.model_validate({"model": tiny_bert, "index": index_dir, "device": "cpu"})
    assert settings.precision == "auto" and settings.make_embedder().precision == "fp32"  # no index yet
    int8 = Embedder(tiny_bert, device="cpu", precision="int8", cache_dir=onnx_cache)
    ingest_paths(index_dir, [CORPUS], int8, IngestOptions(workers=1))
    assert settings.make_embedder().precision == "int8"
    explicit = Settings.model_validate({"model": tiny_bert, "index": index_dir, "precision": "fp32"})
    assert explicit.make_embedder().precision == "fp32"
