"""The engine answers the edges' other questions: statistics, readiness, health, a document's source;
an unknown id is NotFound (a KeyError too)."""
from __future__ import annotations

from pathlib import Path

import pytest
from support import make_engine

from index.errors import NotFound


def test_facts_and_not_found(tiny_corpus_index: Path, tiny_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(tiny_corpus_index, tiny_embedder)
    stats = engine.stats()
    assert stats is engine.stats()  # cached for the generation
    assert stats.manifest.documents == 5 and sum(v.passages for v in stats.by_doc_type) == stats.manifest.chunks
    assert engine.ready().generation == stats.manifest.generation == engine.health().generation
    doc_id = next(iter(engine.document_hashes()))
    assert Path(engine.document_source(doc_id)).is_file()
    for call in (lambda: engine.document("nope"), lambda: engine.links("nope"),
                 lambda: engine.document_source("nope"), lambda: engine.similar(10**9, 3)):
        with pytest.raises(NotFound) as raised:
            call()
        assert "no " in str(raised.value) and isinstance(raised.value, KeyError)
    assert make_engine(tmp_path / "missing", tiny_embedder).health() is None
