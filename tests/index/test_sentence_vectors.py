"""Sentence vectors stored at ingest (issue 11): written with their passages, brought forward with the store
through the generations, deleted with their document, read back at query time to re-score the head of the
ranking; an index without them (built before them, or with them switched off) searches as before."""
from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support import CORPUS

from index.build import IngestOptions, ingest_paths, remove_documents
from index.embedder import ModelInfo
from index.generation import GenerationWriter
from index.manifest import MANIFEST_NAME, STORE_NAME, file_record, read_manifest
from index.search import SearchConfig, SearchEngine, SearchRequest
from index.sentences import from_blob, sentence_vectors, stored_sentences, to_blob
from index.snapshot import IndexHolder, IndexSnapshot
from index.store import Store
from index.vectors import VectorConfig
from ingest.types import Chunk, Document

MODEL = ModelInfo("sentences-test", "0123456789abcdef", 8)
CONFIG = VectorConfig()


def _document(number: int) -> tuple[Document, list[Chunk]]:
    doc_id = f"doc-{number}"
    document = Document(id=doc_id, source=f"/nowhere/{doc_id}.txt", sha256=str(number), title=f"Report {number}")
    chunks = [Chunk(doc_id=doc_id, ordinal=i, kind="paragraph",
                    text=f"Passage {i} of report {number} says one thing. It then says another thing here."
                    if i % 2 else f"Passage {i} of report {number} is a single sentence.")
              for i in range(4)]
    return document, chunks


def _unit(rows: int, seed: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).standard_normal((rows, MODEL.dimension)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _sentences_of(number: int) -> list[np.ndarray | None]:
    """Two sentence vectors for the odd passages, none for the one-sentence ones."""
    return [_unit(2, 1000 * number + i) if i % 2 else None for i in range(4)]


def _write(index_dir: Path, add: list[int], remove: list[int]) -> None:
    writer = GenerationWriter(index_dir, MODEL, CONFIG)
    for number in remove:
        writer.remove_document(f"doc-{number}")
    for number in add:
        document, chunks = _document(number)
        ids = writer.store.add_document(document, chunks, sentences=_sentences_of(number))
        writer.vectors.add(np.asarray(ids), _unit(len(ids), number))
    writer.commit()


def _stored(index_dir: Path) -> dict[str, list[np.ndarray]]:
    """doc id -> the stored sentence matrices of its passages, in passage order."""
    snapshot = IndexSnapshot(index_dir, read_manifest(index_dir), CONFIG)
    out = {}
    for document in snapshot.store.list_documents():
        chunks = snapshot.store.document_chunks(document.id)
        found = snapshot.store.sentence_vectors([c.id for c in chunks], MODEL.dimension)
        out[document.id] = [found[c.id] for c in chunks if c.id in found]
    return out


def test_blobs_are_int8_rows_with_a_scale_and_only_passages_of_several_sentences_get_them() -> None:
    matrix = _unit(3, 1)
    back = from_blob(to_blob(matrix), MODEL.dimension)
    assert back.dtype == np.float32 and back.shape == (3, MODEL.dimension)
    assert np.abs(back - matrix).max() < 0.01 and len(to_blob(matrix)) == 3 * (MODEL.dimension + 4)
    assert np.allclose(back @ matrix[0], matrix @ matrix[0], atol=0.01)  # cosines move by under 0.01
    assert stored_sentences("The Committee requested the report in 2027. It met twice in Geneva.") == [
        "The Committee requested the report in 2027.", "It met twice in Geneva."]
    assert stored_sentences("The Committee requested the report in 2027.") == []
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return _unit(len(texts), 2)

    found = sentence_vectors(encode, ["One short passage of words.", "First of two sentences. Second one is here."])
    assert found[0] is None and found[1] is not None and found[1].shape == (2, MODEL.dimension)
    assert len(calls) == 1  # one embedding call for the whole group


def test_sentence_rows_are_brought_forward_through_generations_and_deleted_with_their_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import index.generation as generation

    index_dir = tmp_path / "index"
    plan = [([0, 1, 2, 3], []), ([4], [1]), ([5], [2]), ([6, 2], [3]), ([7], [6])]
    for number, (add, remove) in enumerate(plan):
        if number >= 3:  # a spare store exists: the rows must come by replaying the recorded changes
            assert list(index_dir.glob("spare-gen-*.sqlite"))
            monkeypatch.setattr(generation, "copy_store", lambda *_: pytest.fail("copied the whole store"))
        _write(index_dir, add, remove)
    stored = _stored(index_dir)
    assert set(stored) == {f"doc-{n}" for n in (0, 2, 4, 5, 7)}
    for doc_id, matrices in stored.items():
        expected = [m for m in _sentences_of(int(doc_id.split("-")[1])) if m is not None]
        assert len(matrices) == len(expected) == 2
        for got, want in zip(matrices, expected, strict=True):
            assert np.abs(got - want).max() < 0.01
    snapshot = IndexSnapshot(index_dir, read_manifest(index_dir), CONFIG)
    # no row is left behind for a removed document's passages
    assert snapshot.store.count_sentence_vectors() == (2 * len(stored), 4 * len(stored))
    orphans = snapshot.store.conn.execute(
        "SELECT count(*) FROM chunk_sentences WHERE chunk_id NOT IN (SELECT id FROM chunks)").fetchone()[0]
    assert orphans == 0


def test_ingest_stores_sentences_unless_switched_off_and_removal_deletes_them(  # type: ignore[no-untyped-def]
        tmp_path: Path, tiny_embedder) -> None:
    index_dir = tmp_path / "index"
    report = ingest_paths(index_dir, [CORPUS], tiny_embedder, IngestOptions(workers=1))
    store = Store(read_manifest(index_dir).generation_dir(index_dir) / STORE_NAME, read_only=True)
    passages, vectors = store.count_sentence_vectors()
    several = [c.id for d in store.list_documents() for c in store.document_chunks(d.id)
               if len(stored_sentences(c.chunk.text)) > 1]
    assert passages == len(several) > 0 and vectors == report.sentences_added > passages
    assert "embed_sentences" in report.seconds
    doc_id = next(d.id for d in store.list_documents()
                  if set(several) & {c.id for c in store.document_chunks(d.id)})  # one with sentence rows
    store.close()
    remove_documents(index_dir, [doc_id], tiny_embedder)
    store = Store(read_manifest(index_dir).generation_dir(index_dir) / STORE_NAME, read_only=True)
    kept = store.conn.execute("SELECT count(*) FROM chunk_sentences JOIN chunks ON chunks.id = chunk_id").fetchone()[0]
    assert 0 < store.count_sentence_vectors()[0] == kept < passages
    store.close()

    off = tmp_path / "off"
    report = ingest_paths(off, [CORPUS], tiny_embedder, IngestOptions(workers=1, sentence_vectors=False))
    store = Store(read_manifest(off).generation_dir(off) / STORE_NAME, read_only=True)
    assert store.count_sentence_vectors() == (0, 0) and report.sentences_added == 0
    store.close()


def _as_old_index(source: Path, target: Path) -> Path:
    """A copy of an index whose store has no chunk_sentences table, as one built before it was."""
    shutil.copytree(source, target)
    manifest = read_manifest(target)
    path = manifest.generation_dir(target) / STORE_NAME
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE chunk_sentences")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    import json

    raw = json.loads((target / MANIFEST_NAME).read_text())
    raw["files"][STORE_NAME] = file_record(path)  # the manifest checks the store's size and CRC
    raw["format_version"] = 3  # the format before sentence vectors
    (target / MANIFEST_NAME).write_text(json.dumps(raw))
    return target


def test_an_index_without_the_sentence_table_searches_as_before_and_takes_new_documents(  # type: ignore[no-untyped-def]
        tmp_path: Path, tiny_embedder, tiny_corpus_index: Path) -> None:
    index_dir = _as_old_index(tiny_corpus_index, tmp_path / "old")
    holder = IndexHolder(index_dir, tiny_embedder.info)
    assert "chunk_sentences" not in {r[0] for r in sqlite3.connect(
        read_manifest(index_dir).generation_dir(index_dir) / STORE_NAME).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    on = SearchEngine(holder, tiny_embedder)  # sentence scoring on by default
    off = SearchEngine(holder, tiny_embedder, config=replace(SearchConfig(), sentence_rerank=0))
    for query in ("technical cooperation among developing countries", "training management in Brasilia"):
        hits = on.search(SearchRequest(query, k=10)).hits
        assert hits and [(h.chunk_id, h.score) for h in hits] == [
            (h.chunk_id, h.score) for h in off.search(SearchRequest(query, k=10)).hits]
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "note.txt").write_text("A new note on cooperation. It has two sentences about triangular work.\n")
    report = ingest_paths(index_dir, [extra], tiny_embedder, IngestOptions(workers=1))
    assert report.added and report.sentences_added == 2
    store = Store(read_manifest(index_dir).generation_dir(index_dir) / STORE_NAME, read_only=True)
    assert store.count_sentence_vectors() == (1, 2)  # the writer made the table; the new passage has its rows
    assert read_manifest(index_dir).format_version == 4
    store.close()


def test_sentence_scoring_reorders_the_head_of_a_real_ranking(  # type: ignore[no-untyped-def]
        bundled_corpus_index: Path, bundled_embedder) -> None:
    """On the seed corpus with the real model: the passage whose best sentence is closer to the question
    passes the one it followed; nothing but the query is embedded."""
    holder = IndexHolder(bundled_corpus_index, bundled_embedder.info)
    query = "what is triangular cooperation"
    on = SearchEngine(holder, bundled_embedder, config=replace(SearchConfig(), sentence_rerank=10))
    off = SearchEngine(holder, bundled_embedder, config=replace(SearchConfig(), sentence_rerank=0))
    ranked_on = [h.chunk_id for h in on.search(SearchRequest(query, k=5)).hits]
    ranked_off = [h.chunk_id for h in off.search(SearchRequest(query, k=5)).hits]
    assert ranked_on != ranked_off and set(ranked_on[:3]) == set(ranked_off[:3]), (ranked_on, ranked_off)
    first = next(n for n, (a, b) in enumerate(zip(ranked_on, ranked_off, strict=True)) if a != b)
    moved_up, passed = ranked_on[first], ranked_off[first]
    snapshot = holder.current()
    vector = bundled_embedder.encode_query(query)
    stored = snapshot.store.sentence_vectors([moved_up, passed], len(vector))

    def evidence(chunk_id: int) -> float:
        matrix = stored.get(chunk_id)
        return float((matrix @ vector).max()) if matrix is not None else float(snapshot.engine.get(chunk_id) @ vector)

    assert stored and evidence(moved_up) > evidence(passed)
    calls: list[int] = []
    encode = bundled_embedder.encode
    bundled_embedder.encode = lambda texts, **kw: calls.append(len(texts)) or encode(texts, **kw)  # type: ignore[method-assign]
    try:
        on.search(SearchRequest(query, k=5))
    finally:
        del bundled_embedder.encode
    assert not calls  # the sentences were read from the store, not embedded


def test_sentence_vectors_live_in_the_store_on_every_backend(  # type: ignore[no-untyped-def]
        backend, corpus_indexes, tiny_embedder) -> None:
    """The Milvus backend keeps the SQLite store too: the sentence rows are there, and the head's passages
    without any get their own cosine from the backend's vectors."""
    from index.backends import make_backend

    holder = IndexHolder(corpus_indexes(backend), tiny_embedder.info, backend=make_backend(backend))
    assert holder.current().store.count_sentence_vectors()[0] > 0
    query = "technical cooperation among developing countries"
    on = SearchEngine(holder, tiny_embedder, config=replace(SearchConfig(), sentence_rerank=20))
    off = SearchEngine(holder, tiny_embedder, config=replace(SearchConfig(), sentence_rerank=0))
    ranked_on = [h.chunk_id for h in on.search(SearchRequest(query, k=20)).hits]
    ranked_off = [h.chunk_id for h in off.search(SearchRequest(query, k=20)).hits]
    assert ranked_on and set(ranked_on) == set(ranked_off)  # the same passages, re-scored


def test_closest_takes_the_higher_of_a_passage_and_its_best_sentence() -> None:
    from index.sentences import closest

    hits = [(1, 0.60), (2, 0.55), (3, 0.50), (4, 0.40)]
    assert closest(hits, {3: 0.70, 2: 0.30}) == [(3, 0.70), (1, 0.60), (2, 0.55), (4, 0.40)]
    assert closest(hits, {}) == hits


def test_semantic_mode_ranks_by_the_closer_of_passage_and_best_sentence(  # type: ignore[no-untyped-def]
        bundled_corpus_index: Path, bundled_embedder) -> None:
    """Semantic mode on the seed corpus with the real model: its passages come in the order of
    max(own cosine, best stored sentence's cosine), which is not the order of their own cosines."""
    holder = IndexHolder(bundled_corpus_index, bundled_embedder.info)
    query = "how should agencies answer incoming requests for cooperation"
    on = SearchEngine(holder, bundled_embedder, config=replace(SearchConfig(), semantic_sentence_rerank=100))
    off = SearchEngine(holder, bundled_embedder, config=replace(SearchConfig(), semantic_sentence_rerank=0))
    ranked_on = [h.chunk_id for h in on.search(SearchRequest(query, k=10, mode="semantic")).hits]
    ranked_off = [h.chunk_id for h in off.search(SearchRequest(query, k=10, mode="semantic")).hits]
    snapshot = holder.current()
    vector = bundled_embedder.encode_query(query)
    stored = snapshot.store.sentence_vectors(ranked_on, len(vector))

    def closeness(chunk_id: int) -> float:
        own = float(np.asarray(snapshot.engine.get(chunk_id), dtype=np.float32) @ vector)
        matrix = stored.get(chunk_id)
        return max(own, float((matrix @ vector).max())) if matrix is not None else own

    values = [closeness(i) for i in ranked_on]
    assert values == sorted(values, reverse=True), values
    assert ranked_on != ranked_off
