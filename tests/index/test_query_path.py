"""One query's path: unpadded tokens, ONNX on the calling thread, within cosine 0.9999 of torch fp32 for the
bundled model (the fp32 index's own vectors), and ready before the first search when the server starts."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support import CORPUS
from tiny_bert import build_tiny_bert

from index.batching import ArrayTokenizer
from index.embedder import Embedder

QUERIES = ["south-south cooperation", "capacity building for least developed countries",
           "What did ECOSOC resolution 1992/41 ask of the regional commissions?", "TCDC", "a " * 300]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def test_one_text_is_tokenised_without_padding(tiny_bert: Path) -> None:
    embedder = Embedder(tiny_bert, device="cpu", onnx_queries=False)
    tokenizer = ArrayTokenizer.from_transformers(embedder.model[0].tokenizer, 64)
    for text in ("cooperation", "technical cooperation among developing countries", "a " * 200):
        batch, one = tokenizer([text]), tokenizer.one(text)
        length = int(batch.attention_mask.sum())
        assert one.input_ids.shape == (1, length)  # the batch pads to a multiple of 8; one text is not padded
        assert np.array_equal(one.input_ids[0], batch.input_ids[0, :length])
        assert one.attention_mask.all() and not one.token_type_ids.any()


def test_the_app_makes_the_query_path_ready_at_start_up(tiny_bert: Path, tmp_path: Path) -> None:
    from search_api.app import create_app
    from search_api.settings import Settings

    embedder = Embedder(tiny_bert, device="cpu", cache_dir=tmp_path / "onnx")
    assert embedder.onnx_queries and not embedder.query_path_ready
    create_app(Settings(index=tmp_path / "index", model=tiny_bert, corpus=CORPUS, rate_limit_per_s=0), embedder)
    assert embedder.query_path_ready
    assert list((tmp_path / "onnx").glob("*-fp32-*.onnx"))  # exported at start-up, not by the first search


def test_bundled_onnx_queries_stay_within_cosine_0_9999_of_torch(bundled_embedder) -> None:  # type: ignore[no-untyped-def]
    assert bundled_embedder.describe()["query_path"] == "onnx" and bundled_embedder.precision == "fp32"
    torch_vectors = bundled_embedder.model.encode(QUERIES, normalize_embeddings=True, convert_to_numpy=True)
    for text, expected in zip(QUERIES, torch_vectors, strict=True):
        assert float(bundled_embedder._encode_one_query(text) @ expected) > 0.9999, text


def test_concurrent_queries_run_on_one_thread_and_a_query_alone_on_the_faster_session(
        tiny_bert: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import index.embedder as embedder_module

    monkeypatch.setattr(embedder_module, "usable_cores", lambda: 4)
    embedder = Embedder(tiny_bert, device="cpu", cache_dir=tmp_path, idle_query_threads=2)
    embedder.warm_up()
    assert embedder.query_path_ready
    single, idle = embedder._query, embedder._idle_query
    assert single is not None and idle is not None and (single.threads, idle.threads) == (1, 2)
    assert embedder.alone_choice.means == [None, None]  # the warm-up runs are not timed
    ran: list[tuple[str, str]] = []
    second_done = threading.Event()
    single_run, idle_run = single.encode_one, idle.encode_one

    def single_encode(text: str) -> np.ndarray:
        ran.append(("single", text))
        return single_run(text)

    def idle_encode(text: str) -> np.ndarray:
        ran.append(("idle", text))
        assert second_done.wait(30)  # held in flight until the second query has been embedded
        return idle_run(text)

    monkeypatch.setattr(single, "encode_one", single_encode)
    monkeypatch.setattr(idle, "encode_one", idle_encode)
    # the idle session measured faster; so small a mean that the timed run, however fast, raises it
    embedder.alone_choice.means = [1.0, 1e-9]
    first = threading.Thread(target=embedder._encode_one_query, args=(QUERIES[0],))
    first.start()
    while not ran:  # the first query is in flight
        threading.Event().wait(0.01)
    embedder._encode_one_query(QUERIES[1])  # not alone: one thread, whatever was measured
    second_done.set()
    first.join(30)
    assert ran == [("idle", QUERIES[0]), ("single", QUERIES[1])]
    means = embedder.alone_choice.means
    assert means[0] == 1.0 and means[1] is not None and means[1] > 1e-9  # only the alone run was timed
    embedder.alone_choice.means = [0.001, 1.0]  # now one thread measured faster
    embedder._encode_one_query(QUERIES[2])
    assert ran[-1] == ("single", QUERIES[2])
    for text in QUERIES:  # the same vector whichever session embeds it
        assert np.allclose(idle_run(text), single_run(text), atol=1e-5)


def test_idle_query_threads_1_keeps_one_session(tiny_bert: Path, tmp_path: Path) -> None:
    embedder = Embedder(tiny_bert, device="cpu", cache_dir=tmp_path, idle_query_threads=1)
    embedder.warm_up()
    assert embedder.query_path_ready and embedder._idle_query is None
    embedder._encode_one_query("capacity building")
    assert embedder.alone_choice.means == [None, None]  # nothing to choose between
