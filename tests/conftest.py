"""Shared fixtures: a tiny real embedding model made in the session, the bundled model, built indexes."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from support import CORPUS


def _vocabulary() -> list[str]:
    words: set[str] = set()
    for path in CORPUS.glob("*.txt"):
        words.update(w.lower() for w in re.findall(r"\w+", path.read_text(encoding="utf-8")))
    words.update("script alert img onerror zebra unicorn alpha beta gamma delta".split())
    return sorted(words)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real sentence-transformers model, built here: StaticEmbedding over a word-level tokenizer."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.normalizers import BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer
    import torch

    vocab = {"[UNK]": 0, "[PAD]": 1}
    for word in _vocabulary():
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = BertPreTokenizer()
    generator = torch.Generator().manual_seed(7)
    weights = torch.randn(len(vocab), 32, generator=generator)
    module = StaticEmbedding(tokenizer, embedding_weights=weights)
    model = SentenceTransformer(modules=[module], device="cpu")
    path = tmp_path_factory.mktemp("tiny-model")
    model.save(str(path))
    return path


@pytest.fixture(scope="session")
def tiny_embedder(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    """The tiny model, loaded once."""
    from index.embedder import Embedder

    return Embedder(tiny_model_dir)


@pytest.fixture(scope="session")
def bundled_embedder():  # type: ignore[no-untyped-def]
    """The bundled all-MiniLM-L6-v2, loaded once per session (about 8 s)."""
    from index.embedder import Embedder, default_model_path

    return Embedder(default_model_path())


@pytest.fixture(scope="session")
def tiny_corpus_index(tmp_path_factory: pytest.TempPathFactory, tiny_embedder) -> Path:  # type: ignore[no-untyped-def]
    """The default corpus indexed with the tiny model (read-only for tests: copy it to change it)."""
    from index.build import IngestOptions, ingest_paths

    index_dir = tmp_path_factory.mktemp("tiny-index")
    report = ingest_paths(index_dir, [CORPUS], tiny_embedder, IngestOptions(workers=1))
    assert not report.failed, report.failed
    return index_dir


@pytest.fixture(scope="session")
def bundled_corpus_index(tmp_path_factory: pytest.TempPathFactory, bundled_embedder) -> Path:  # type: ignore[no-untyped-def]
    """The default corpus indexed with the bundled model."""
    from index.build import IngestOptions, ingest_paths

    index_dir = tmp_path_factory.mktemp("bundled-index")
    report = ingest_paths(index_dir, [CORPUS], bundled_embedder, IngestOptions(workers=1))
    assert not report.failed, report.failed
    return index_dir


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One Milvus Lite 2.5.1 server (the Milvus C++ core) for the session, on a free loopback port.

    Each index gets its own collection (named after its folder), so tests share the server, not data.
    """
    from milvus_support import start_milvus

    server, uri = start_milvus(tmp_path_factory.mktemp("milvus") / "milvus.db")
    yield uri
    server.stop()


@pytest.fixture(scope="module", params=["embedded", "milvus"])
def backend(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The backend contract: a test taking this fixture runs on the embedded backend and on Milvus."""
    from index.backends import BackendConfig

    if request.param == "embedded":
        return BackendConfig()
    return BackendConfig(kind="milvus", uri=request.getfixturevalue("milvus_uri"))


@pytest.fixture(scope="session")
def corpus_indexes(tmp_path_factory: pytest.TempPathFactory, tiny_embedder, tiny_corpus_index: Path):  # type: ignore[no-untyped-def]
    """The default corpus indexed with the tiny model, one folder per backend (built on first use)."""
    from index.build import IngestOptions, ingest_paths

    built: dict[str, Path] = {}

    def get(backend) -> Path:  # type: ignore[no-untyped-def]
        if backend.kind == "embedded":
            return tiny_corpus_index
        if backend.kind not in built:
            index_dir = tmp_path_factory.mktemp(f"tiny-index-{backend.kind}") / "index"
            report = ingest_paths(index_dir, [CORPUS], tiny_embedder, IngestOptions(workers=1, backend=backend))
            assert not report.failed, report.failed
            built[backend.kind] = index_dir
        return built[backend.kind]

    return get
