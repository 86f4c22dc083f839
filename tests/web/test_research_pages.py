"""Symbol pages and their API over the web corpus (tests/web/conftest.py), through a real TestClient."""
from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(web_app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(web_app)


def test_a_cited_symbol_lists_everything_that_recalls_it_named_instruments_included(client: TestClient) -> None:
    answer = client.get("/api/v1/symbols/A/RES/33/134")
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["symbol"] == "A/RES/33/134" and record["document"] is None  # cited, not indexed
    assert record["undocs_url"] == "https://undocs.org/A/RES/33/134"
    assert record["library_url"].startswith("https://digitallibrary.un.org/search?")
    raws = {p["raw"] for group in record["recalled_by"] for p in group["passages"]}
    titles = {group["document"]["title"] for group in record["recalled_by"]}
    # ECOSOC 1992/41 names only "the Buenos Aires Plan of Action"; ECLAC 591(XXIX) names the resolution too
    assert "Buenos Aires Plan of Action" in raws
    assert any(t.startswith("1992/41.") for t in titles) and len(titles) >= 2
    ecosoc = next(g for g in record["recalled_by"] if g["document"]["title"].startswith("1992/41."))
    assert len(ecosoc["passages"]) >= 2
    assert all(p["citation"].startswith("ECOSOC resolution") for p in ecosoc["passages"])


def test_an_indexed_symbol_shows_its_document_and_what_recalls_it(client: TestClient) -> None:
    record = client.get("/api/v1/symbols/e/res/1992/41").json()  # any case, normalised
    assert record["symbol"] == "E/RES/1992/41"
    assert record["document"]["title"].startswith("1992/41.")
    assert [g["document"]["title"] for g in record["recalled_by"]] == [
        "Review of technical cooperation among developing countries"]
    assert "A/RES/33/134" in {link["symbol"] for link in record["recalls"]}


def test_an_unknown_symbol_is_a_404_that_still_links_out(client: TestClient) -> None:
    assert client.get("/api/v1/symbols/A/RES/99/999").status_code == 404
    page = client.get("/symbols/A/RES/99/999")
    assert page.status_code == 404 and 'href="https://undocs.org/A/RES/99/999"' in page.text


def test_the_symbol_page_links_out_and_to_each_recalling_paragraph(client: TestClient) -> None:
    page = client.get("/symbols/A/RES/33/134")
    assert page.status_code == 200
    links = [unescape(h) for h in re.findall(r'href="([^"]*)"', page.text)]
    assert "https://undocs.org/A/RES/33/134" in links
    assert any(re.fullmatch(r"/documents/[^#]+#c\d+", link) for link in links)
    assert "Buenos Aires Plan of Action" in page.text


def test_every_symbol_shown_links_to_its_page(client: TestClient) -> None:
    listing = client.get("/api/v1/documents", params={"symbol": "E/RES/1992/41"}).json()
    doc_id = listing["documents"][0]["id"]
    page = client.get(f"/documents/{doc_id}").text
    symbols = re.findall(r'<a class="symbol" href="([^"]+)"', page)
    assert "/symbols/E/RES/1992/41" in symbols  # its own symbol
    assert "/symbols/A/RES/33/134" in symbols  # what it recalls, though not indexed
    assert '<span class="symbol"' not in page


def test_a_body_filter_accepts_any_alias(client: TestClient) -> None:
    by_alias = client.get("/api/v1/documents", params={"body": "ECOSOC"}).json()
    by_name = client.get("/api/v1/documents", params={"body": "Economic and Social Council"}).json()
    assert by_alias["total"] == by_name["total"] >= 1


def test_a_query_naming_a_paragraph_returns_that_paragraph_first(client: TestClient) -> None:
    for query in ("E/RES/1992/41 op. 4", "ECOSOC resolution 1992/41 operative paragraph 4"):
        first = client.get("/api/v1/search", params={"q": query, "k": 3}).json()["results"][0]
        assert (first["document"]["symbol"], first["label"]) == ("E/RES/1992/41", "op. 4"), query
    first = client.get("/api/v1/search", params={"q": "E/RES/1992/41 pp. 3", "mode": "keyword"}).json()["results"][0]
    assert first["label"] == "pp. 3"


def test_citations_export_as_ris_bibtex_and_text(client: TestClient) -> None:
    doc_id = client.get("/api/v1/documents", params={"symbol": "E/RES/1992/41"}).json()["documents"][0]["id"]
    chunks = client.get(f"/api/v1/documents/{doc_id}").json()["chunks"]
    op4 = next(c for c in chunks if c["label"] == "op. 4")
    text = client.get(f"/documents/{doc_id}/cite.txt", params={"chunk": op4["ordinal"]})
    assert text.text.strip() == "ECOSOC resolution 1992/41, op. 4"
    record = client.get(f"/documents/{doc_id}/cite.ris", params={"chunk": op4["ordinal"]})
    assert record.headers["content-type"].startswith("application/x-research-info-systems")
    lines = record.text.split("\r\n")
    assert lines[0] == "TY  - GOVDOC" and "M1  - E/RES/1992/41" in lines and lines[-2] == "ER  - "
    assert f"UR  - http://testserver/documents/{doc_id}#c{op4['ordinal']}" in lines
    bib = client.get(f"/documents/{doc_id}/cite.bib").text
    assert bib.startswith("@misc{E_RES_1992_41,") and "number = {E/RES/1992/41}" in bib and bib.rstrip().endswith("}")
    assert client.get(f"/documents/{doc_id}/cite.bib", params={"chunk": 9999}).status_code == 404
    assert client.get("/documents/no-such-doc/cite.ris").status_code == 404
    page = client.get(f"/documents/{doc_id}").text
    assert f'href="/documents/{doc_id}/cite.ris"' in page and f'href="/documents/{doc_id}/cite.bib"' in page


def test_citation_forms_per_type() -> None:
    from ingest.types import Chunk, Document
    from web.citation import citation, unique_label

    def doc(**fields: object) -> Document:
        return Document(id="d", source="d.pdf", sha256="0", **{"title": "A title", **fields})  # type: ignore[arg-type]

    report = doc(doc_type="report", symbol="A/80/39", body="High-level Committee on South-South Cooperation", pages=40)
    one = Chunk("d", 27, "t", label="op. 1",
                heading_path=("Chapter I Decisions", "Decision 22/1 South-South cooperation"))
    two = Chunk("d", 70, "t", label="op. 1", heading_path=("Chapter I Decisions", "Decision 22/2 Provisional agenda"))
    assert citation(report, one) == "HLC decision 22/1, op. 1 (A/80/39)"
    assert citation(report, two) == "HLC decision 22/2, op. 1 (A/80/39)"
    assert unique_label(one) != unique_label(two)
    first, second = (Chunk("d", n, "t", label="fn. 1", page_start=page, page_end=page) for n, page in ((5, 6), (9, 13)))
    assert citation(report, first) == "A/80/39, p. 6, fn. 1" and citation(report, second) == "A/80/39, p. 13, fn. 1"
    assert citation(report, Chunk("d", 90, "t", label="para. 22")) == "A/80/39, para. 22"
    speech = doc(doc_type="speech", title="Brazil, General Debate, 68th session (2013)", body="General Assembly")
    assert citation(speech) == "Brazil, General Debate, 68th session (2013)"
    unossc = doc(doc_type="article", title="What is South-South cooperation?", body="UNOSSC", date="2016-05")
    assert citation(unossc) == "UNOSSC, What is South-South cooperation?, 2016"


def test_the_country_filter_and_facet_count_passages_that_name_the_country(client: TestClient) -> None:
    from ingest.countries import find_countries

    params = {"q": "cooperation among developing countries", "mode": "keyword", "k": 100}
    everything = client.get("/api/v1/search", params={**params, "facets": "true"}).json()
    brazil = dict((f["value"], f["count"]) for f in everything["facets"]["country"]).get("BRA", 0)
    filtered = client.get("/api/v1/search", params={**params, "country": "BRA"}).json()["results"]
    assert filtered and all("BRA" in find_countries(hit["text"]) for hit in filtered)
    assert len(filtered) == brazil  # the facet counted exactly the passages the filter keeps


def test_a_symbol_query_ranks_passages_recalling_the_symbol_before_those_sharing_a_number(client: TestClient) -> None:
    record = client.get("/api/v1/symbols/A/RES/33/134").json()
    recalling = {p["chunk_id"] for group in record["recalled_by"] for p in group["passages"]}
    results = client.get("/api/v1/search", params={"q": "A/RES/33/134", "k": 30}).json()["results"]
    flags = [hit["chunk_id"] in recalling for hit in results]
    assert flags[:len(recalling)] == [True] * len(recalling)  # every recalling passage, the instrument's included
    assert not any(flags[len(recalling):])


def test_readable_forms_and_roman_numbered_symbols_have_pages_without_undocs_links(client: TestClient) -> None:
    hlc = client.get("/api/v1/symbols/HLC decision 12/1 B").json()  # cited by ECLAC 591(XXIX), typed another way
    assert hlc["symbol"] == "High-level Committee decision 12/1 B" and hlc["official"] is False
    assert hlc["undocs_url"] is None and hlc["recalled_by"]
    eclac = client.get("/api/v1/symbols/591(XXIX)").json()
    assert eclac["document"] is not None and eclac["undocs_url"] is None
    page = client.get("/symbols/High-level Committee decision 12/1 B")
    assert page.status_code == 200 and "undocs.org" not in page.text and "readable name" in page.text
