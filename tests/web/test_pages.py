"""The server-rendered pages: results, highlights, and escaping of document text."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.build import IngestOptions, ingest_paths
from search_api.app import create_app
from search_api.settings import Settings
from support import CORPUS

HOSTILE = ('Alpha report <script>alert("x")</script> and "><img src=x onerror=alert(1)> '
           "zebra unicorn passage for testing escaping.\n")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, tiny_embedder, tiny_model_dir: Path) -> TestClient:  # type: ignore[no-untyped-def]
    docs = tmp_path_factory.mktemp("docs")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, docs)
    (docs / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    index_dir = docs.parent / (docs.name + "-index")
    ingest_paths(index_dir, [docs], tiny_embedder, IngestOptions(workers=1))
    return TestClient(create_app(Settings(index=index_dir, model=tiny_model_dir), tiny_embedder))


def test_search_page_shows_results_with_highlights_and_links(client: TestClient) -> None:
    page = client.get("/", params={"q": "talent bank database", "mode": "keyword"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    html = page.text
    assert '<form class="search" action="/" method="get"' in html
    assert "<mark>talent</mark> <mark>bank</mark> <mark>database</mark>" in html
    assert "Training on Management of South-South Cooperation in Brazil" in html
    assert 'href="/documents/' in html


def test_empty_page_has_a_query_box(client: TestClient) -> None:
    html = client.get("/").text
    assert 'name="q"' in html and "<ol" not in html


def test_document_text_is_escaped_everywhere(client: TestClient) -> None:
    page = client.get("/", params={"q": "zebra unicorn", "mode": "keyword"}).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    query_page = client.get("/", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)</script>" not in query_page
    doc_id = client.get("/api/v1/search", params={"q": "zebra unicorn", "k": 1, "mode": "keyword"}).json()["results"][0]["document"]["id"]
    document = client.get(f"/documents/{doc_id}").text
    assert "<script>alert" not in document and "&lt;script&gt;" in document


def test_document_page_has_paragraph_anchors_and_404(client: TestClient) -> None:
    hit = client.get("/api/v1/search", params={"q": "consultants from developing countries", "k": 1,
                                               "mode": "keyword"}).json()["results"][0]
    page = client.get(f"/documents/{hit['document']['id']}").text
    assert 'id="c0"' in page and "op. 4" in page
    missing = client.get("/documents/nope", headers={"accept": "text/html"})
    assert missing.status_code == 404 and "no document with id" in missing.text
