"""The server-rendered pages and exports through a real FastAPI TestClient over a real index."""
from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.build import IngestOptions, ingest_paths
from index.manifest import STORE_NAME, read_manifest
from search_api.app import create_app
from search_api.settings import Settings
from support import CORPUS
from web.export import ROW_FIELDS

ATOM = "{http://www.w3.org/2005/Atom}"
KEYWORD = {"mode": "keyword"}


@pytest.fixture(scope="module")
def client(web_app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(web_app)


def hrefs(html: str) -> list[str]:
    """Every href of a page, unescaped."""
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def test_search_page_shows_results_with_highlights_and_links(client: TestClient) -> None:
    page = client.get("/", params={"q": "talent bank database", **KEYWORD})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    html = page.text
    assert '<form class="search" action="/" method="get"' in html
    assert "<mark>talent</mark> <mark>bank</mark> <mark>database</mark>" in html
    assert "Training on Management of South-South Cooperation in Brazil" in html
    links = hrefs(html)
    assert any(re.fullmatch(r"/documents/[^?#]+\?q=talent\+bank\+database#c\d+", h) for h in links)
    assert any(re.fullmatch(r"/chunks/\d+/similar", h) for h in links)
    assert "Content-Security-Policy" in page.headers and "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_empty_page_has_a_query_box_and_the_documents(client: TestClient) -> None:
    html = client.get("/").text
    assert 'name="q"' in html and "<ol" not in html
    assert "1992/41. Technical cooperation among developing countries" in html
    assert 'type="application/atom+xml"' not in html


def test_document_text_is_escaped_everywhere(client: TestClient) -> None:
    page = client.get("/", params={"q": "zebra unicorn", **KEYWORD}).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    query_page = client.get("/", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)</script>" not in query_page
    doc_id = client.get("/api/v1/search", params={"q": "zebra unicorn", "k": 1, **KEYWORD}).json()["results"][0]["document"]["id"]
    document = client.get(f"/documents/{doc_id}", params={"q": "<b>zebra</b>"}).text
    assert "<script>alert" not in document and "&lt;script&gt;" in document and "<b>zebra" not in document


def test_document_page_has_structure_anchors_citations_and_404(client: TestClient) -> None:
    hit = client.get("/api/v1/search", params={"q": "consultants from developing countries", "k": 1,
                                               "symbol": "E/RES/1992/41", **KEYWORD}).json()["results"][0]
    assert hit["document"]["symbol"] == "E/RES/1992/41"
    html = client.get(f"/documents/{hit['document']['id']}").text
    assert 'id="c0"' in html and ">op. 4</a>" in html and 'id="op-4"' in html and ">pp. 3</a>" in html
    assert "ECOSOC resolution 1992/41, op. 4" in html
    assert f'href="/api/v1/documents/{hit["document"]["id"]}/file"' in html
    assert "<em>Calls for</em>" in html
    missing = client.get("/documents/nope", headers={"accept": "text/html"})
    assert missing.status_code == 404 and "no document with id" in missing.text and "Back to search" in missing.text


def test_document_page_degrades_when_metadata_is_missing(client: TestClient) -> None:
    hit = client.get("/api/v1/search", params={"q": "Coralia island nation", "k": 1, **KEYWORD}).json()["results"][0]
    assert hit["document"]["symbol"] is None and hit["document"]["date"] is None
    html = client.get(f"/documents/{hit['document']['id']}").text
    assert "This document has no symbol that others could cite." in html and "not known" in html
    assert "What Is Technical Cooperation?" in html


def test_facets_count_and_apply_filters(client: TestClient) -> None:
    html = client.get("/", params={"q": "technical cooperation", **KEYWORD}).text
    facet = re.search(r'<a href="([^"]*kind=operative[^"]*)"><span class="facet-label">Operative paragraph</span> '
                      r'<span class="count">(\d+)', html)
    assert facet is not None
    link, count = unescape(facet.group(1)), int(facet.group(2))
    assert count > 0 and "offset" not in link
    filtered = client.get(link).text
    assert f"of {count} for" in filtered
    assert re.findall(r'class="label" title="Paragraph">([^<]*)<', filtered)
    assert all(label.startswith("op. ") for label in re.findall(r'class="label" title="Paragraph">([^<]*)<', filtered))
    assert 'aria-label="Remove filter Paragraph kind: Operative paragraph"' in filtered
    assert '<input type="hidden" name="kind" value="operative">' in filtered
    years = client.get("/", params={"q": "technical cooperation", "year_from": "1992", "year_to": "1992", **KEYWORD}).text
    assert "1992/41. Technical cooperation" in years and "591(XXIX)" not in years.split('id="results-heading"')[1]


def test_pages_of_results(client: TestClient) -> None:
    first = client.get("/", params={"q": "developing countries", "k": 5, **KEYWORD}).text
    assert '<ol class="results" start="1">' in first and "Passages 1–5 of" in first
    following = [h for h in hrefs(first) if "offset=5" in h]
    assert following, "no next-page link"
    second = client.get(following[0]).text
    assert '<ol class="results" start="6">' in second and 'rel="prev"' in second


def test_bad_parameters_and_no_results_are_explained(client: TestClient) -> None:
    lenient = client.get("/", params={"q": "technical cooperation", "year_from": "abc", "mode": "fuzzy"})
    assert lenient.status_code == 200
    assert "is not a whole number for year from" in lenient.text and "Unknown mode" in lenient.text
    too_long = client.get("/", params={"q": "x" * 1001})
    assert too_long.status_code == 422 and "The search could not run" in too_long.text
    nothing = client.get("/", params={"q": "xylophone", "kind": "operative", **KEYWORD}).text
    assert "Nothing matches" in nothing and "try the semantic mode" in nothing and "search again without filters" in nothing


def test_similar_passages_page(client: TestClient) -> None:
    hit = client.get("/api/v1/search", params={"q": "talent bank database", "k": 1, **KEYWORD}).json()["results"][0]
    html = client.get(f"/chunks/{hit['chunk_id']}/similar").text
    assert "Passages similar to" in html and "In other documents" in html
    doc_links = {h.split("#")[0] for h in hrefs(html.split("In other documents")[1]) if h.startswith("/documents/")}
    assert doc_links and f"/documents/{hit['document']['id']}" not in doc_links
    assert client.get("/chunks/999999/similar", headers={"accept": "text/html"}).status_code == 404


def test_stable_link_and_feed_are_on_the_page(client: TestClient) -> None:
    html = client.get("/", params={"q": "consultants", "kind": "operative", "k": 5, **KEYWORD}).text
    assert 'value="http://testserver/?q=consultants&amp;mode=keyword&amp;kind=operative&amp;k=5"' in html
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" [^>]*href="/feed.atom\?q=consultants&amp;'
                     r'mode=keyword&amp;kind=operative"', html)


def test_csv_and_json_exports(client: TestClient) -> None:
    params = {"q": "developing countries", "kind": "operative", **KEYWORD}
    response = client.get("/export.csv", params=params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="coopsearch-developing-countries.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and tuple(rows[0]) == ROW_FIELDS
    assert all(row["kind"] == "operative" and row["label"].startswith("op. ") for row in rows)
    assert "ECOSOC resolution 1992/41, op. 4" in {row["citation"] for row in rows}
    exported = client.get("/export.json", params=params).json()
    assert [r["chunk_id"] for r in exported["results"]] == [int(row["chunk_id"]) for row in rows]
    assert exported["filters"] == {"kind": "operative"} and exported["mode"] == "keyword"
    assert exported["link"] == "http://testserver/?q=developing+countries&mode=keyword&kind=operative"
    assert exported["results"][0]["url"].startswith("http://testserver/documents/")
    assert client.get("/export.csv").status_code == 422
    assert client.get("/export.json", params={"q": "x", "k": "500"}).status_code == 422


def test_atom_feed_is_well_formed_with_stable_ids(client: TestClient) -> None:
    params = {"q": "consultants developing countries", **KEYWORD}
    first = client.get("/feed.atom", params=params)
    assert first.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(first.content)
    assert feed.tag == f"{ATOM}feed" and feed.findtext(f"{ATOM}title") == "coopsearch: consultants developing countries"
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        assert entry.findtext(f"{ATOM}id", "").startswith("tag:coopsearch,2025:passage/")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.findtext(f"{ATOM}updated", ""))
        assert entry.find(f"{ATOM}link").get("href").startswith("http://testserver/documents/")
    again = ET.fromstring(client.get("/feed.atom", params=params).content)
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == \
        [e.findtext(f"{ATOM}id") for e in entries]
    assert feed.findtext(f"{ATOM}id") == again.findtext(f"{ATOM}id")
    hostile = ET.fromstring(client.get("/feed.atom", params={"q": "zebra unicorn", **KEYWORD}).content)
    assert '<script>alert("x")</script>' in hostile.find(f"{ATOM}entry").findtext(f"{ATOM}summary", "")


def test_feed_lists_newest_passages_first(tmp_path: Path, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    shutil.copy(CORPUS / "ecosoc-resolution-1992-41-tcdc.txt", old)
    shutil.copy(CORPUS / "eclac-resolution-591-xxix-cooperation-among-developing-countries.txt", new)
    index_dir = tmp_path / "index"
    ingest_paths(index_dir, [old], tiny_embedder, IngestOptions(workers=1))
    store = read_manifest(index_dir).generation_dir(index_dir) / STORE_NAME
    with sqlite3.connect(store) as conn:  # as if the first file had been ingested years ago
        conn.execute("UPDATE chunks SET added_at = '2001-01-01T00:00:00Z'")
    ingest_paths(index_dir, [new], tiny_embedder, IngestOptions(workers=1))
    client = TestClient(create_app(Settings(index=index_dir, model=tiny_model_dir), tiny_embedder))
    feed = ET.fromstring(client.get("/feed.atom", params={"q": "technical cooperation", **KEYWORD}).content)
    updated = [e.findtext(f"{ATOM}updated") for e in feed.findall(f"{ATOM}entry")]
    titles = [e.findtext(f"{ATOM}title", "") for e in feed.findall(f"{ATOM}entry")]
    assert "2001-01-01T00:00:00Z" in updated and updated == sorted(updated, reverse=True)
    assert titles[0].startswith("ECLAC resolution 591(XXIX)") and titles[-1].startswith("ECOSOC resolution 1992/41")
    assert feed.findtext(f"{ATOM}updated") == updated[0]


def test_missing_index_is_a_helpful_page(tmp_path: Path, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(create_app(Settings(index=tmp_path / "nothing-here", model=tiny_model_dir), tiny_embedder))
    page = client.get("/", params={"q": "technical cooperation"}, headers={"accept": "text/html"})
    assert page.status_code == 503 and "The index is not available" in page.text and "Traceback" not in page.text
