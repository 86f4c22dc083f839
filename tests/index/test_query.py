"""The one query analysis: stems, phrases, negation, OR, field prefixes, acronyms; and FTS5 agreeing with it."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.query import analyse, stem, stems
from index.store import Store, fts_query
from ingest.types import Chunk, Document


def test_the_stemmer_keeps_incoming_and_income_apart() -> None:
    assert stem("incoming") != stem("income")
    assert stem("income") == stem("incomes")
    assert stem("international") != stem("internal")
    assert stem("organizations") == stem("organization") != stem("organ")
    assert stems("co-operation Cooperation co-ordinating") == [stem("cooperation"), stem("cooperation"),
                                                                stem("coordinating")]


def test_phrases_negations_or_and_fields_are_parsed() -> None:
    q = analyse('"national focal points" OR "focal point" roles -China NOT "least developed" title:report')
    assert [[p.text for p in g] for g in q.required] == [["national focal points", "focal point"]]
    assert [p.text for p in q.excluded] == ["China", "least developed"]
    assert [p.text for p in q.in_title] == ["report"]
    assert q.terms == (stem("roles"),)
    assert "China" not in q.semantic_text and "roles" in q.semantic_text
    assert analyse("why not cooperate").excluded == ()  # lower-case "not" is a word, not an operator
    assert analyse("symbol:A/80/39 triangular").symbol_filter == "A/80/39"


def test_acronyms_are_expanded() -> None:
    q = analyse("TCDC funding")
    assert [p.text for p in q.expansions] == ["technical cooperation among developing countries"]
    assert '"technic cooper among develop countri"' in (fts_query("TCDC funding") or "")


def test_a_query_of_only_negations_matches_nothing() -> None:
    assert analyse("-china").is_empty and fts_query("-china") is None


def _doc(doc_id: str, title: str) -> Document:
    return Document(id=doc_id, source=f"/x/{doc_id}.txt", sha256="0" * 64, title=title)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "s.sqlite")
    s.add_document(_doc("a", "Report on focal points"), [
        Chunk("a", 0, "Countries designated national focal points for South-South cooperation."),
        Chunk("a", 1, "The points raised by national delegations were noted; each focal office replied."),
        Chunk("a", 2, "Incoming requests were answered by the national focal points in China."),
    ])
    s.add_document(_doc("b", "Income statistics"), [
        Chunk("b", 0, "Gross national income per capita rose in the least developed countries."),
    ])
    s.commit()
    return s


def _texts(store: Store, query: str) -> list[str]:
    ids = [i for i, _ in store.keyword_search(analyse(query), 10)]
    chunks = store.get_chunks(ids)
    return [chunks[i].chunk.text for i in ids]


def test_quoted_phrase_matches_only_passages_holding_it(store: Store) -> None:
    found = _texts(store, '"national focal points"')
    assert len(found) == 2 and all("national focal points" in t for t in found)
    assert len(_texts(store, "national focal points")) == 4  # unquoted: the words rank, any of them matches


def test_not_and_minus_leave_passages_out(store: Store) -> None:
    assert all("China" not in t for t in _texts(store, '"national focal points" -china'))
    assert _texts(store, '"national focal points" NOT China') == _texts(store, '"national focal points" -china')
    assert len(_texts(store, '"national focal points" -china')) == 1


def test_keyword_search_agrees_with_the_stemmer(store: Store) -> None:
    assert [t for t in _texts(store, "incoming") if "income" in t.lower() and "incoming" not in t.lower()] == []
    assert _texts(store, "incomes") == ["Gross national income per capita rose in the least developed countries."]
    assert any("least developed" in t for t in _texts(store, "LDC"))  # the acronym written out


def test_title_prefix_looks_in_the_title(store: Store) -> None:
    found = _texts(store, "title:income national")
    assert found == ["Gross national income per capita rose in the least developed countries."]
