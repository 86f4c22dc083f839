"""The embedder: order kept when batches are sorted by length, precision and device settings, query cache."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.embedder import Embedder, resolve_device
from index.errors import ModelLoadError
from index.manifest import MANIFEST_NAME, read_manifest
from support import CORPUS, make_engine

TEXTS = ["cooperation", "technical cooperation among developing countries " * 12, "South-South",
         "capacity building and knowledge sharing between institutions", "a", "triangular cooperation " * 30]


def test_rows_come_back_in_the_callers_order(tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    together = tiny_embedder.encode(TEXTS)
    one_by_one = np.vstack([tiny_embedder.encode([text]) for text in TEXTS])
    assert together.dtype == np.float32 and together.shape == (len(TEXTS), tiny_embedder.dimension)
    assert np.allclose(together, one_by_one, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_device_auto_picks_cuda_only_when_present(tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    import torch

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == "cpu"
    assert tiny_embedder.describe()["device"] == resolve_device("auto")


def test_unknown_or_impossible_precision_is_a_clear_error(tiny_model_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="unknown precision 'int3'"):
        Embedder(tiny_model_dir, precision="int3")
    with pytest.raises(ModelLoadError, match="fp16 needs a CUDA device"):
        Embedder(tiny_model_dir, precision="fp16", device="cpu")


def test_bf16_is_the_same_model_and_close_to_fp32(tmp_path: Path, tiny_model_dir: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    from index.build import IngestOptions, ingest_paths

    bf16 = Embedder(tiny_model_dir, precision="bf16", device="cpu")
    assert bf16.info == tiny_embedder.info and bf16.info.precision == "bf16"  # identity excludes precision
    cosine = np.sum(bf16.encode(TEXTS) * tiny_embedder.encode(TEXTS), axis=1)
    assert cosine.min() > 0.98
    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    index_dir = tmp_path / "index"
    ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1))
    assert read_manifest(index_dir).precision == ("fp32",)
    (docs / "more.txt").write_text("Knowledge sharing among developing countries.\n")
    ingest_paths(index_dir, [docs], bf16, IngestOptions(workers=1))  # accepted: the same model
    assert read_manifest(index_dir).precision == ("bf16", "fp32")
    raw = json.loads((index_dir / MANIFEST_NAME).read_text())
    assert set(raw["model"]) == {"name", "fingerprint", "dimension"} and raw["precision"] == ["bf16", "fp32"]


def test_settings_pass_precision_and_device(tiny_model_dir: Path) -> None:
    from search_api.settings import Settings

    embedder = Settings(model=tiny_model_dir, precision="bf16", device="cpu").make_embedder()
    assert (embedder.precision, embedder.device) == ("bf16", "cpu")


def test_a_query_is_embedded_once(tiny_model_dir: Path, tiny_corpus_index: Path) -> None:
    from index.search import SearchRequest

    embedder = Embedder(tiny_model_dir)
    calls: list[list[str]] = []
    encode = embedder.model.encode

    def counting(texts, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(list(texts))
        return encode(texts, **kwargs)

    embedder.model.encode = counting
    engine = make_engine(tiny_corpus_index, embedder)
    for mode in ("hybrid", "semantic", "hybrid"):
        assert engine.search(SearchRequest("technical cooperation among developing countries", mode=mode)).hits
    assert calls == [["technical cooperation among developing countries"]]
