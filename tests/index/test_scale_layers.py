"""Generations that share their large files (issue 15 point 5): the vector base and the Tantivy segments are
hard-linked, never rewritten, and each generation still answers with exactly its own documents; the
Tantivy keyword engine matches what the FTS5 one matches."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from index.embedder import ModelInfo
from index.generation import GenerationWriter
from index.keyword_engine import KEYWORDS_DIR
from index.manifest import read_manifest
from index.query import analyse
from index.snapshot import IndexSnapshot
from index.store import Store
from index.types import Filters
from index.vector_layers import BASE_NAME, DELTA_NAME, LayeredVectors
from index.vectors import VectorConfig
from ingest.types import Chunk, Document

MODEL = ModelInfo("layers-test", "0123456789abcdef", 16)
CONFIG = VectorConfig(flat_max=60)  # HNSW from 61 vectors: small enough to build in a test
WORDS = ["cooperation", "technical", "south", "triangular", "capacity", "finance", "climate", "health", "trade",
         "education", "water", "energy"]


def _document(number: int, body: str = "General Assembly") -> tuple[Document, list[Chunk]]:
    doc_id = f"doc-{number}"
    document = Document(id=doc_id, source=f"/nowhere/{doc_id}.txt", sha256=str(number), title=f"Report {number}",
                        doc_type="report" if number % 2 else "resolution", body=body, date=f"{2000 + number}-01-01",
                        symbol=f"A/{number}/1")
    rng = np.random.default_rng(number)
    chunks = [Chunk(doc_id=doc_id, ordinal=i, kind="paragraph" if i % 3 else "heading",
                    text=" ".join(rng.choice(WORDS, size=12)) + f" passage {i} of document {number}",
                    heading_path=("Annex",) if i % 2 else (), countries=("BR",) if i % 4 == 0 else ())
              for i in range(6)]
    return document, chunks


def _vectors(ids: list[int]) -> np.ndarray:
    rows = np.stack([np.random.default_rng(i).standard_normal(MODEL.dimension) for i in ids]).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _write(index_dir: Path, add: list[int], remove: list[int], engine: str = "tantivy") -> None:
    writer = GenerationWriter(index_dir, MODEL, CONFIG, keyword_engine=engine)
    for number in remove:
        writer.vectors.remove(np.asarray(writer.store.remove_document(f"doc-{number}")))
    for number in add:
        ids = writer.store.add_document(*_document(number))
        writer.vectors.add(np.asarray(ids), _vectors(ids))
    writer.commit()


def _open(index_dir: Path) -> IndexSnapshot:
    return IndexSnapshot(index_dir, read_manifest(index_dir), CONFIG)


def test_a_small_change_links_the_vector_base_and_keyword_segments_and_each_generation_keeps_its_own(
        tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _write(index_dir, list(range(20)), [])  # 120 vectors: an HNSW base
    first = _open(index_dir)
    first_dir = first.manifest.generation_dir(index_dir)
    assert first.vectors.kind == "hnsw" and not (first_dir / DELTA_NAME).exists()

    _write(index_dir, [20], [3])
    second = _open(index_dir)
    second_dir = second.manifest.generation_dir(index_dir)
    # the base and the old segments are the same files (hard links), the change is a delta
    assert (second_dir / BASE_NAME).stat().st_ino == (first_dir / BASE_NAME).stat().st_ino
    assert (second_dir / DELTA_NAME).exists()
    old_segments = {p.name: p.stat().st_ino for p in (first_dir / KEYWORDS_DIR).iterdir() if p.suffix == ".idx"}
    assert old_segments and all((second_dir / KEYWORDS_DIR / name).stat().st_ino == inode
                                for name, inode in old_segments.items())
    assert second.manifest.vector_index.startswith("hnsw") and "+delta" in second.manifest.vector_index

    # each generation answers with its own documents: the removal and the addition are the second's only
    for snapshot, present, absent in ((first, "doc-3", "doc-20"), (second, "doc-20", "doc-3")):
        assert snapshot.store.count_chunks() == snapshot.vectors.count() == snapshot.manifest.chunks
        found = {c.chunk.doc_id for c in snapshot.store.get_chunks(
            [i for i, _ in snapshot.store.keyword_search(analyse("passage"), 500)]).values()}
        assert present in found and absent not in found
        ids = [c.id for c in snapshot.store.document_chunks(present)]
        scores, hits = snapshot.vectors.search(_vectors(ids[:1])[0], 3)
        assert int(hits[0]) == ids[0] and scores[0] == pytest.approx(1.0, abs=1e-4)
    removed_ids = [c.id for c in first.store.document_chunks("doc-3")]
    with pytest.raises(KeyError):
        second.vectors.reconstruct(removed_ids[0])
    live = second.vectors.live_vectors()[0]
    assert set(live.tolist()) == {c.id for d in second.store.list_documents()
                                  for c in second.store.document_chunks(d.id)}


def test_layers_merge_when_removals_pass_their_share_and_search_matches_exact(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _write(index_dir, list(range(20)), [])
    _write(index_dir, [20, 21], [0])  # 6 of 120 removed: kept apart
    layered = _open(index_dir).vectors
    assert "+delta" in layered.describe()
    query = _vectors([999])[0]
    ids, vectors = layered.live_vectors()
    exact = ids[np.argsort(-(vectors @ query))[:5]]
    assert layered.search(query, 5)[1].tolist() == exact.tolist()
    allowed = ids[::3]
    exact_allowed = allowed[np.argsort(-(vectors[::3] @ query))[:4]]
    assert layered.search(query, 4, allowed_ids=allowed)[1].tolist() == exact_allowed.tolist()

    _write(index_dir, [], [1, 2])  # 18 of 120 removed: past 10%, one base again
    merged = _open(index_dir)
    assert "+delta" not in merged.manifest.vector_index
    assert not (merged.manifest.generation_dir(index_dir) / DELTA_NAME).exists()
    assert merged.vectors.count() == merged.store.count_chunks() == 17 * 6 + 12


def test_small_indexes_stay_one_flat_file(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _write(index_dir, [0, 1], [])
    _write(index_dir, [2], [0])
    snapshot = _open(index_dir)
    assert snapshot.manifest.vector_index == "flat"
    assert isinstance(snapshot.vectors, LayeredVectors) and snapshot.vectors.count() == 12
    assert sorted(snapshot.manifest.files) == ["changes.pickle", "store.sqlite", "vectors.faiss"]


QUERIES = ["cooperation", "south technical", '"technical cooperation"', "capacity -finance", "energy NOT water",
           '"south south" OR "trade finance"', "title:report climate", "passage 3", "health education trade"]
FILTERS = [Filters(), Filters(doc_type="REPORT"), Filters(body="General Assembly", year_from=2005),
           Filters(country="br"), Filters(kind="heading", year_to=2010), Filters(symbol="a/7/1"),
           Filters(doc_id="doc-4")]


@pytest.mark.parametrize("query", QUERIES)
def test_tantivy_matches_the_passages_fts5_matches(tmp_path: Path, query: str) -> None:
    stores = {}
    for engine in ("fts5", "tantivy"):
        directory = tmp_path / engine
        directory.mkdir()
        store = Store(directory / "store.sqlite", keyword_engine=engine)
        for number in range(16):
            store.add_document(*_document(number))
        store.commit()
        stores[engine] = store
    analysis = analyse(query)
    for filters in FILTERS:
        fts5, tantivy = (stores[e].keyword_search(analysis, 500, filters) for e in ("fts5", "tantivy"))
        assert {i for i, _ in tantivy} == {i for i, _ in fts5}, filters
        assert stores["tantivy"].keyword_count(analysis, filters) == len(fts5)
    assert stores["fts5"].keyword_search(analysis, 500)  # every query matches something: the test can fail


def test_later_generations_bring_the_spare_store_forward_instead_of_copying(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import index.generation as generation

    index_dir = tmp_path / "index"
    plan = [(list(range(8)), []), ([8], [1]), ([9], [2]), ([10, 2], [3]), ([11], [10]), ([12], [])]
    for number, (add, remove) in enumerate(plan):
        if number >= 3:  # from the fourth generation on a spare exists: a whole copy would be a regression
            assert list(index_dir.glob("spare-gen-*.sqlite"))
            monkeypatch.setattr(generation, "copy_store", lambda *_: pytest.fail("copied the whole store"))
        _write(index_dir, add, remove)
    snapshot = _open(index_dir)
    expected = {f"doc-{n}" for n in [0, 2, 4, 5, 6, 7, 8, 9, 11, 12]}
    assert {d.id for d in snapshot.store.list_documents()} == expected
    assert snapshot.store.count_chunks() == snapshot.vectors.count() == snapshot.manifest.chunks == 6 * len(expected)
    # the replayed store holds the same rows, with the same chunk ids, as the vectors and keyword index
    ids = {c.id for d in expected for c in snapshot.store.document_chunks(d)}
    assert set(snapshot.vectors.live_vectors()[0].tolist()) == ids
    assert {i for i, _ in snapshot.store.keyword_search(analyse("passage"), 500)} == ids
    assert snapshot.store.similar_words("passage", 7, 7) == [("passage", 6 * len(expected))]


def test_a_grown_delta_is_inserted_into_the_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import index.vector_layers as layers

    monkeypatch.setattr(layers, "DELTA_MIN", 5)  # 12 added to 120: past 5 and 5 % of the base
    index_dir = tmp_path / "index"
    _write(index_dir, list(range(20)), [])
    _write(index_dir, [20, 21], [4])
    snapshot = _open(index_dir)
    directory = snapshot.manifest.generation_dir(index_dir)
    assert snapshot.manifest.vector_index.startswith("hnsw") and "+delta" not in snapshot.manifest.vector_index
    assert not (directory / DELTA_NAME).exists()
    assert snapshot.vectors.tombstones() == 6  # the removed document's slots: the graph was not rebuilt
    live = set(snapshot.vectors.live_vectors()[0].tolist())
    assert live == {c.id for d in snapshot.store.list_documents() for c in snapshot.store.document_chunks(d.id)}
    added = [c.id for c in snapshot.store.document_chunks("doc-21")]
    assert int(snapshot.vectors.search(_vectors(added[:1])[0], 1)[1][0]) == added[0]


KILLED_WRITER = """
import os, signal, sys
sys.path[:0] = [sys.argv[2]]
import index.generation as generation
generation._step = lambda name: os.kill(os.getpid(), signal.SIGKILL) if name == sys.argv[3] else None
import test_scale_layers as t
t._write(__import__("pathlib").Path(sys.argv[1]), [30], [5])
"""


@pytest.mark.parametrize("step", ["copied", "store-closed", "vectors-saved", "manifest-written"])
def test_a_writer_killed_after_taking_the_spare_leaves_the_index_and_the_next_writer_copies(
        tmp_path: Path, step: str) -> None:
    import signal
    import subprocess
    import sys

    index_dir = tmp_path / "index"
    for add, remove in ((list(range(8)), []), ([8], []), ([9], [0])):
        _write(index_dir, add, remove)
    assert list(index_dir.glob("spare-gen-*.sqlite"))  # the killed writer takes it
    script = tmp_path / "killed.py"
    script.write_text(KILLED_WRITER)
    done = subprocess.run([sys.executable, str(script), str(index_dir), str(Path(__file__).parent), step],
                          capture_output=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    assert not list(index_dir.glob("spare-gen-*.sqlite"))
    before = _open(index_dir)
    assert {d.id for d in before.store.list_documents()} == {f"doc-{n}" for n in range(1, 10)}
    _write(index_dir, [31], [6])  # no spare: a whole copy, then the usual commit
    after = _open(index_dir)
    assert {d.id for d in after.store.list_documents()} == {f"doc-{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9, 31)}
    assert after.store.count_chunks() == after.vectors.count() == after.manifest.chunks == 6 * 9


def test_a_spare_store_shared_with_a_hard_linked_copy_of_the_index_is_not_written(tmp_path: Path) -> None:
    """`cp -al` of an index shares its store files: bringing the shared spare forward would change the copy."""
    index_dir = tmp_path / "index"
    for add, remove in [(list(range(4)), []), ([4], [0]), ([5], [1])]:
        _write(index_dir, add, remove)
    spare = next(index_dir.glob("spare-gen-*.sqlite"))
    elsewhere = tmp_path / "copy.sqlite"
    os.link(spare, elsewhere)
    before = elsewhere.read_bytes()
    _write(index_dir, [6], [2])
    assert elsewhere.read_bytes() == before
    snapshot = _open(index_dir)
    assert {d.id for d in snapshot.store.list_documents()} == {f"doc-{n}" for n in [3, 4, 5, 6]}


@pytest.mark.parametrize("engine", ["tantivy", "fts5"])
def test_the_keyword_engine_setting_reaches_a_new_index_and_an_index_keeps_its_own(
        tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from index.backends import BackendConfig
    from search_api.settings import Settings

    monkeypatch.setenv("COOPSEARCH_KEYWORD_ENGINE", engine)
    backend = Settings(index=tmp_path / "index").ingest_options().backend
    assert backend.kind == "embedded" and backend.keyword_engine == engine
    index_dir = tmp_path / "index"
    other = BackendConfig(keyword_engine="fts5" if engine == "tantivy" else "tantivy")
    for number, config in enumerate([backend, other]):
        writer = GenerationWriter(index_dir, MODEL, CONFIG, config)
        ids = writer.store.add_document(*_document(number))
        writer.vectors.add(np.asarray(ids), _vectors(ids))
        writer.commit()
        snapshot = _open(index_dir)
        assert (snapshot.manifest.generation_dir(index_dir) / KEYWORDS_DIR).is_dir() == (engine == "tantivy")
        assert len(snapshot.store.keyword_search(analyse("passage"), 100)) == 6 * (number + 1)
    with pytest.raises(ValueError, match="keyword engine"):
        BackendConfig(keyword_engine="lucene")
