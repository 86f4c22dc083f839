"""Passages' search features kept in the store at ingest (issue 15, a million chunks): read back they equal
the features computed from the text; a store built before they were kept (no column, NULL, or another
FEATURES_VERSION) still gives the computed ones, and `fill_features` stores them; a page's documents are
read with their references, symbols and participants in one query per table, each in its own order."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from support import CORPUS

from index.passage_features import FEATURES_VERSION, PassageFeatures, features_of, from_blob, to_blob
from index.store import Store
from index.types import StoredChunk
from ingest.types import Chunk, Document, Reference


def _paragraphs() -> list[str]:
    out = [p.strip() for path in sorted(CORPUS.glob("*.txt"))[:3]
           for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
    return out[:40]


def _same(a: PassageFeatures, b: PassageFeatures, answers: bool = True) -> bool:
    return (np.array_equal(a.stems, b.stems) and a.word_count == b.word_count
            and np.array_equal(a.shingles, b.shingles) and a.key == b.key and (a.answers == b.answers or not answers))


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "s.sqlite"
    store = Store(path, keyword_engine="fts5")
    texts = [*_paragraphs(), "Annex", "", "Co-operation Coopération ﬁnance İstanbul"]
    headings = [(), ("Chapter I", "Co-operation"), ("Résumé",)]
    store.add_document(Document(id="a", source="/x/a.txt", sha256="0" * 64, title="a"),
                       [Chunk("a", n, t, heading_path=headings[n % 3]) for n, t in enumerate(texts)])
    store.commit()
    store.close()
    return path


def _expected(store: Store) -> dict[int, PassageFeatures]:
    return {i: features_of(stored) for i, stored in store.get_chunks(list(range(1, 100))).items()}


def test_stored_features_equal_the_computed_ones(store_path: Path) -> None:
    store = Store(store_path, read_only=True)
    expected = _expected(store)
    assert len(expected) == 43
    blobs = dict(store.conn.execute("SELECT id, features FROM chunks").fetchall())
    assert all(from_blob(blob) is not None for blob in blobs.values())  # written at ingest
    got = store.chunk_features([*expected, 999])
    assert set(got) == set(expected)  # the unknown id is left out
    assert all(_same(got[i], expected[i]) for i in expected)


def test_features_round_trip_through_a_blob() -> None:
    for text in [*_paragraphs()[:10], "", "one two"]:
        features = features_of(StoredChunk(1, Chunk("d", 0, text, heading_path=("Heading",))))
        assert _same(from_blob(to_blob(features)), features)  # type: ignore[arg-type]
    assert from_blob(None) is None and from_blob(b"") is None and from_blob(b"\x00" * 7) is None


def test_the_texts_answer_types_are_stored_and_a_version_1_blob_is_read_without_them() -> None:
    from index.answer_types import holds
    from index.passage_features import STORED_ANSWER_TYPES

    texts = ["Some 54 requests were received in 2024, 12 per cent more.", "It met on 30 July 1992.",
             "The session was chaired by H.E. Mr. Juan Pérez.", "Capacity building in the least developed countries."]
    for text in texts:
        features = features_of(StoredChunk(1, Chunk("d", 0, text)))
        for kind in STORED_ANSWER_TYPES:
            assert features.holds(kind) is holds(kind, text), (text, kind)
        assert features.holds("countries") is None  # not stored: found from the countries ingest kept
        blob = to_blob(features)
        assert _same(from_blob(blob), features)  # type: ignore[arg-type]
        version_1 = (1).to_bytes(4, "little") + blob[4:-4]  # what a store built before answer types holds
        old = from_blob(version_1)
        assert old is not None and old.answers is None and old.holds("quantity") is None
        assert np.array_equal(old.stems, features.stems) and old.key == features.key
        assert from_blob(version_1 + b"\0\0\0\0") is None and from_blob(blob[:-4]) is None  # sizes must agree
    assert [features_of(StoredChunk(1, Chunk("d", 0, t))).answers for t in texts] == [1, 2, 4, 0]


@pytest.mark.parametrize("old", ["no column", "null", "other version", "version 1"])
def test_a_store_without_stored_features_computes_them_and_fill_stores_them(store_path: Path, old: str) -> None:
    conn = sqlite3.connect(store_path)
    if old == "no column":
        conn.execute("ALTER TABLE chunks DROP COLUMN features")
    elif old == "null":
        conn.execute("UPDATE chunks SET features = NULL WHERE id % 2 = 0")
    elif old == "version 1":  # read, without the answer types: fill brings them
        rows = conn.execute("SELECT id, features FROM chunks").fetchall()
        conn.executemany("UPDATE chunks SET features = ? WHERE id = ?",
                         [((1).to_bytes(4, "little") + blob[4:-4], i) for i, blob in rows])
    else:  # a blob made by other rules: never read as features
        rows = conn.execute("SELECT id, features FROM chunks").fetchall()
        stale = [(int(FEATURES_VERSION + 1).to_bytes(4, "little") + blob[4:], i) for i, blob in rows]
        conn.executemany("UPDATE chunks SET features = ? WHERE id = ?", stale)
    conn.commit()
    conn.close()
    reader = Store(store_path, read_only=True)
    expected = _expected(reader)
    got = reader.chunk_features(list(expected))
    assert set(got) == set(expected) and all(_same(got[i], expected[i], answers=old != "version 1") for i in expected)
    assert old != "version 1" or all(got[i].answers is None for i in expected)
    reader.close()
    writer = Store(store_path, keyword_engine="fts5")  # a writer adds the column an old store lacks
    filled = writer.fill_features(batch=7)
    assert filled == (len(expected) // 2 if old == "null" else len(expected))  # the even ids were NULL
    writer.commit()
    blobs = dict(writer.conn.execute("SELECT id, features FROM chunks").fetchall())
    assert all(_same(from_blob(blobs[i]), expected[i]) for i in expected)  # type: ignore[arg-type]
    assert writer.fill_features() == 0


def test_documents_are_read_with_their_own_references_symbols_and_participants(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite", keyword_engine="fts5")
    for n in range(5):
        doc_id = f"d{n}"
        refs = tuple(Reference(f"A/RES/{n}/{m}", f"resolution {n}/{m}", None, m) for m in (3, 1, 2)[:n % 4])
        store.add_document(Document(id=doc_id, source=f"/x/{doc_id}.txt", sha256="0" * 64, title=doc_id,
                                    symbol=f"E/{n}/L.1" if n % 2 else None, symbols=(f"E/HLS/{n}/1", f"E/{n}/Z"),
                                    references=refs, participants=("ZA", "BR", "IN")[:n % 3]),
                           [Chunk(doc_id, 0, f"text {n}")])
    store.commit()
    documents = store.get_documents(["d4", "d1", "d0", "d3", "nope"])
    assert set(documents) == {"d4", "d1", "d0", "d3"}
    for doc_id, document in documents.items():
        n = int(doc_id[1:])
        assert [r.symbol for r in document.references] == [f"A/RES/{n}/{m}" for m in (3, 1, 2)[:n % 4]]
        assert document.symbols == tuple(dict.fromkeys([*([f"E/{n}/L.1"] if n % 2 else []),
                                                        f"E/HLS/{n}/1", f"E/{n}/Z"]))
        assert document.participants == ("ZA", "BR", "IN")[:n % 3]
        assert document == store.get_document(doc_id)
