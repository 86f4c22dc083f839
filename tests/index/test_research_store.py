"""An index built before the research tables existed still loads and answers, with those tables empty."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from index.research import MandateFilters, mandates, symbol_record
from index.store import SCHEMA, Store
from index.types import Filters

LATER = ("doc_symbols", "chunk_countries", "doc_participants", "mandates", "doc_responses")


def test_a_store_without_the_later_tables_reads_them_as_empty(tmp_path: Path) -> None:
    old = SCHEMA
    for name in LATER:
        old = re.sub(rf"CREATE TABLE IF NOT EXISTS {name} \(.*?\);", "", old, flags=re.S)
        old = re.sub(rf"CREATE INDEX IF NOT EXISTS \w+ ON {name}\(.*?\);", "", old)
    path = tmp_path / "store.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(old)
    store = Store(path, read_only=True)
    assert store.keyword_search("cooperation", 5, Filters(country="BRA", symbol="A/80/39")) == []
    assert mandates(store, MandateFilters(status="open")) == (0, [])
    assert symbol_record(store, "A/80/39") is None
    tables = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not set(LATER) & tables  # the file itself is untouched
