"""Citations as people write them, the page's query string, and the CSV export's cells."""
from __future__ import annotations

import csv
import io

from index.types import Filters
from ingest.types import Chunk, Document
from web.citation import citation, short_body
from web.export import to_csv
from web.params import PageQuery, parse_query, query_string, with_filter


def doc(**fields: object) -> Document:
    return Document(id="d", source="d.txt", sha256="0", **{"title": "A title", **fields})  # type: ignore[arg-type]


def chunk(label: str | None = None, page: int = 1, page_end: int | None = None) -> Chunk:
    return Chunk(doc_id="d", ordinal=0, text="t", label=label, page_start=page, page_end=page_end or page)


def test_resolutions_are_cited_by_body_and_number() -> None:
    ecosoc = doc(doc_type="resolution", symbol="E/RES/1992/41", body="Economic and Social Council")
    assert citation(ecosoc, chunk("op. 4")) == "ECOSOC resolution 1992/41, op. 4"
    assert citation(ecosoc) == "ECOSOC resolution 1992/41"
    assert citation(doc(doc_type="resolution", symbol="A/RES/33/134"), chunk("pp. 2")) == \
        "General Assembly resolution 33/134, pp. 2"
    eclac = doc(doc_type="resolution", symbol="591(XXIX)",
                body="Economic Commission for Latin America and the Caribbean (ECLAC)")
    assert citation(eclac, chunk("op. 6 (b)")) == "ECLAC resolution 591(XXIX), op. 6 (b)"
    assert citation(doc(doc_type="decision", symbol="591(XXIX)"), chunk()) == "decision 591(XXIX)"


def test_other_documents_are_cited_by_symbol_or_title_with_paragraph_or_page() -> None:
    report = doc(doc_type="report", symbol="A/80/39", body="General Assembly", pages=40)
    assert citation(report, chunk("para. 22")) == "A/80/39, para. 22"
    assert citation(report, chunk(None, 3, 4)) == "A/80/39, p. 3–4"
    assert citation(doc(pages=1), chunk()) == "A title"
    assert short_body(None) is None and short_body("UNOSSC") == "UNOSSC"


def test_query_string_round_trips_and_bad_values_are_explained() -> None:
    params = {"q": "talent bank", "mode": "keyword", "kind": "operative", "country": "bra", "year_from": "2000",
              "year_to": "1990", "k": "5", "offset": "10", "body": ""}
    query, notices = parse_query(params)
    assert query.filters == Filters(kind="operative", country="BRA", year_from=1990, year_to=2000)
    assert notices == ["The year range ends before it starts; the years were swapped."]
    assert query_string(query) == ("q=talent+bank&mode=keyword&year_from=1990&year_to=2000&country=BRA"
                                   "&kind=operative&k=5&offset=10")
    assert parse_query(dict(item.split("=") for item in query_string(query).replace("+", " ").split("&")))[0] == query
    assert with_filter(query, kind=None).offset == 0 and with_filter(query, kind=None).filters.kind is None
    lenient, problems = parse_query({"q": "x", "k": "0", "offset": "-1", "mode": "fuzzy", "country": "TOOLONG"})
    assert lenient == PageQuery(q="x") and len(problems) == 4


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    rows = [{"rank": 1, "text": "=HYPERLINK(\"http://x\")", "title": "-1+2", "symbol": None, "label": "op. 1"}]
    text = to_csv([{**{name: "" for name in ("score", "citation", "doc_type", "body", "date", "kind", "page_start",
                                              "page_end", "document_id", "chunk_id", "url")}, **rows[0]}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["text"] == "'=HYPERLINK(\"http://x\")" and row["title"] == "'-1+2" and row["symbol"] == ""
    assert row["label"] == "op. 1"
