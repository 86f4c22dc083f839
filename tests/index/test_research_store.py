"""An index built before the research tables existed still loads and answers, with those tables empty."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from index.research import MandateFilters, mandates, symbol_record
from index.store import SCHEMA, Store
from index.types import Filters
from ingest.types import Chunk, Document

LATER = ("doc_symbols", "chunk_countries", "doc_participants", "mandates", "doc_responses")


def _old_store(path: Path) -> None:
    """A store file as indexes were built before issue 12: no research tables, no session column."""
    old = SCHEMA.replace(" session TEXT,", "")
    for name in LATER:
        old = re.sub(rf"CREATE TABLE IF NOT EXISTS {name} \(.*?\);", "", old, flags=re.S)
        old = re.sub(rf"CREATE INDEX IF NOT EXISTS \w+ ON {name}\(.*?\);", "", old)
    with sqlite3.connect(path) as conn:
        conn.executescript(old)


def test_a_store_without_the_later_tables_reads_them_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    _old_store(path)
    store = Store(path, read_only=True)
    assert store.keyword_search("cooperation", 5, Filters(country="BRA", symbol="A/80/39")) == []
    assert mandates(store, MandateFilters(status="open")) == (0, [])
    assert symbol_record(store, "A/80/39") is None
    tables = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not set(LATER) & tables  # the file itself is untouched


def test_an_ingest_into_an_older_store_adds_what_it_lacks(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    _old_store(path)
    store = Store(path)
    document = Document(id="d", source="d.txt", sha256="0", title="T", symbol="E/2025/L.16",
                        symbols=("E/2025/L.16", "E/HLPF/2025/L.1"), session="2025")
    store.add_document(document, [Chunk("d", 0, "Brazil and Chile", countries=("BRA", "CHL"))])
    store.commit()
    stored = store.get_document("d")
    assert stored is not None and stored.session == "2025" and stored.symbols == document.symbols
    assert store.documents_with_symbols(["E/HLPF/2025/L.1"]) == {"E/HLPF/2025/L.1": "d"}
    assert len(store.filtered_chunk_ids(Filters(country="CHL"))) == 1
