"""The SQLite store: FTS5 keyword search, removal, filters."""
from __future__ import annotations

from pathlib import Path

from index.store import Store, fts_query
from index.types import Filters
from ingest.types import Chunk, Document


def _doc(doc_id: str, **fields) -> Document:  # type: ignore[no-untyped-def]
    return Document(id=doc_id, source=f"/x/{doc_id}.txt", sha256="0" * 64, title=doc_id, **fields)


def _store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "s.sqlite")
    store.add_document(_doc("a", doc_type="report", date="2013-03-11"), [
        Chunk("a", 0, "Thailand and Egypt use a talent bank database for human resources."),
        Chunk("a", 1, "Communication strategy for domestic stakeholders."),
    ])
    store.add_document(_doc("b", doc_type="resolution", date="1992-07-30"), [
        Chunk("b", 0, "Calls for increased use of consultants from developing countries.", kind="operative",
              label="op. 4"),
    ])
    store.commit()
    return store


def test_keyword_search_ranks_matching_chunks(tmp_path: Path) -> None:
    store = _store(tmp_path)
    hits = store.keyword_search("talent bank databases", 10)
    assert len(hits) == 1  # stemming matches "databases" to "database"
    chunk = store.get_chunks([hits[0][0]])[hits[0][0]]
    assert "talent bank" in chunk.chunk.text
    assert store.keyword_search("the of and", 10)  # a query of stopwords only still searches its words


def test_keyword_search_survives_fts_syntax_in_queries(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for query in ['"unbalanced', "NEAR(a b)", "talent AND OR NOT", "*", "consultants:", "-", "'; DROP TABLE chunks;--"]:
        store.keyword_search(query, 5)
    assert fts_query("!!! ???") is None
    assert store.keyword_search("!!!", 5) == []


def test_filters_apply_in_keyword_search_and_id_lists(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.keyword_search("consultants talent", 10, Filters(doc_type="resolution"))[0][0] == 3
    assert list(store.filtered_chunk_ids(Filters(year_from=2000))) == [1, 2]
    assert list(store.filtered_chunk_ids(Filters(kind="operative"))) == [3]


def test_remove_document_drops_chunks_and_keyword_rows(tmp_path: Path) -> None:
    store = _store(tmp_path)
    removed = store.remove_document("a")
    store.commit()
    assert removed == [1, 2]
    assert store.keyword_search("talent", 10) == []
    assert store.count_chunks() == 1 and store.get_document("a") is None
