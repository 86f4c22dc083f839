"""The fast embedding path (the GPU's, run here on the CPU): length buckets, Rust tokenisation into arrays,
threads ahead of the model, rows in the caller's order; and the ONNX path for int8 and queries."""
from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from tiny_bert import build_tiny_bert

from index.batching import ArrayTokenizer, plan_batches, prefetched
from index.embedder import Embedder

TEXTS = ["cooperation", "technical cooperation among developing countries " * 40, "South-South", "",
         "capacity building and knowledge sharing between institutions", "a", "triangular cooperation " * 9,
         "The Committee recommends that Governments make use of the talent bank database.",
         "Buenos Aires Plan of Action " * 3, "ECOSOC resolution 1992/41 on technical cooperation"] * 3


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BERT sentence-transformers model with the bundled tokenizer, built here."""
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def test_plan_batches_covers_every_text_once_longest_first() -> None:
    rng = random.Random(5)
    texts = [("word " * rng.choice([2, 3, 40, 400])).strip() for _ in range(500)]
    batches = plan_batches(texts, max_tokens=2048, max_batch=64, max_length=256)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(texts)))
    lengths = [len(texts[i]) for i in flat]
    assert lengths == sorted(lengths, reverse=True)
    assert all(1 <= len(batch) <= 64 for batch in batches)
    # the longest texts (256 tokens by estimate, truncated) come 8 to a batch; short ones fill 64
    assert len(batches[0]) == 2048 // 256 and max(len(batch) for batch in batches) == 64


def test_prefetched_keeps_order_and_bounds_the_work_ahead() -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    def work(item: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(random.Random(item).random() / 200)  # later items often finish first
        with lock:
            running[0] -= 1
        return item * item

    assert list(prefetched(range(60), work, threads=4, depth=6)) == [i * i for i in range(60)]
    assert 1 < most[0] <= 4


def test_array_tokenizer_matches_the_models_tokenizer(tiny_bert: Path) -> None:
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(str(tiny_bert))
    arrays = ArrayTokenizer.from_transformers(reference, 64)(TEXTS[:10])
    expected = reference(TEXTS[:10], truncation=True, max_length=64, padding="longest")
    width = max(len(row) for row in expected["input_ids"])
    assert arrays.input_ids.dtype == np.int64 and arrays.input_ids.shape == (10, -(-width // 8) * 8)
    for row, ids in enumerate(expected["input_ids"]):
        assert arrays.input_ids[row, :len(ids)].tolist() == ids
        assert arrays.attention_mask[row].sum() == sum(expected["attention_mask"][row])
        assert not arrays.input_ids[row, len(ids):].any()  # [PAD] is 0


def test_fast_path_rows_match_sentence_transformers_one_by_one(tiny_bert: Path) -> None:
    embedder = Embedder(tiny_bert, device="cpu", batch_size=3)  # 3 a batch: many batches, threads ahead
    assert embedder.fast and embedder.describe()["fast_path"] is True
    together = embedder.encode(TEXTS)
    one_by_one = np.vstack([embedder.model.encode([text], normalize_embeddings=True) for text in TEXTS])
    assert together.dtype == np.float32 and together.shape == (len(TEXTS), embedder.dimension)
    assert np.allclose(together, one_by_one, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_bf16_fast_path_is_close_to_fp32(tiny_bert: Path) -> None:
    fp32 = Embedder(tiny_bert, device="cpu", precision="fp32").encode(TEXTS)
    bf16 = Embedder(tiny_bert, device="cpu", precision="bf16").encode(TEXTS)
    assert np.sum(fp32 * bf16, axis=1).min() > 0.99


def test_onnx_export_is_cached_and_reused(tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import index.onnx_encoder as onnx_encoder

    cache = tmp_path / "onnx"
    first = Embedder(tiny_bert, device="cpu", precision="int8", cache_dir=cache)
    vectors = first.encode(TEXTS)
    built = {path.name: path.stat().st_mtime_ns for path in cache.glob("*.onnx")}
    assert sorted(built) == [f"{first.info.fingerprint}-{p}-r{onnx_encoder.RECIPE}.onnx" for p in ("fp32", "int8")]

    def no_rebuild(*args: object) -> None:
        raise AssertionError("the cached export was built again")

    monkeypatch.setattr(onnx_encoder, "export_fp32", no_rebuild)
    monkeypatch.setattr(onnx_encoder, "quantize_int8", no_rebuild)
    second = Embedder(tiny_bert, device="cpu", precision="int8", cache_dir=cache)
    assert np.array_equal(second.encode(TEXTS), vectors)
    second.encode_query("technical cooperation")  # the fp32 export, cached too
    assert {path.name: path.stat().st_mtime_ns for path in cache.glob("*.onnx")} == built


def test_onnx_query_equals_the_torch_vector(tiny_bert: Path, tmp_path: Path) -> None:
    embedder = Embedder(tiny_bert, device="cpu", cache_dir=tmp_path)
    assert embedder.describe()["query_path"] == "onnx"
    for text in ("south-south cooperation", TEXTS[1]):  # TEXTS[1] is truncated at 64 tokens
        assert float(embedder.encode_query(text) @ embedder.encode([text])[0]) > 0.99999


def test_int8_needs_the_cpu_and_an_exportable_model(tiny_model_dir: Path) -> None:
    from index.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="int8 runs on the CPU"):
        Embedder(tiny_model_dir, precision="int8", device="cuda")
    with pytest.raises(ModelLoadError, match="cannot be exported to ONNX"):
        Embedder(tiny_model_dir, precision="int8", device="cpu")
