"""Mandates, their answers, and the research links in a real browser, over a small index of their own:
ECOSOC resolution 1992/41 (seed 001), a report that answers it, and the real PDF of A/80/39."""
from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from support import CORPUS, REPO

A_80_39 = REPO.parent / "shared" / "data" / "un-pdfs" / "A_80_39.en.pdf"
ANSWER = """Report of the Secretary-General on technical cooperation among developing countries

The present report is submitted pursuant to Economic and Social Council resolution 1992/41, in which the Council \
requested the Secretary-General to report on his assessment of its implementation.

1. Technical cooperation among developing countries has grown since 1992 in every region.
"""
ANSWER_TITLE = "Report of the Secretary-General on technical cooperation among developing countries"


@pytest.fixture(scope="module")
def research_app(tmp_path_factory: pytest.TempPathFactory, tiny_embedder, tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    """The application over seed 001, its answer and A/80/39."""
    from index.build import IngestOptions, ingest_paths
    from search_api.app import create_app
    from search_api.settings import Settings

    if not A_80_39.is_file():
        pytest.skip(f"../shared not present: needs {A_80_39}")
    docs = tmp_path_factory.mktemp("research-docs")
    shutil.copy(CORPUS / "ecosoc-resolution-1992-41-tcdc.txt", docs)
    shutil.copy(A_80_39, docs / "report-hlc.pdf")  # a neutral name: metadata must come from the text
    (docs / "sg-report-tcdc.txt").write_text(ANSWER, encoding="utf-8")
    index = docs.parent / "research-index"
    report = ingest_paths(index, [docs], tiny_embedder, IngestOptions(workers=1))
    assert not report.failed, report.failed
    return create_app(Settings(index=index, model=tiny_model_dir, corpus=docs), tiny_embedder)


@pytest.fixture(scope="module")
def client(research_app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(research_app)


def _mandates(client: TestClient, **params: object) -> dict:
    answer = client.get("/api/v1/mandates", params={"limit": 100, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_requests_of_e_res_1992_41_with_who_what_and_when(client: TestClient) -> None:
    found = _mandates(client, body="ECOSOC")["mandates"]
    ecosoc = [m for m in found if m["source_symbol"] == "E/RES/1992/41"]
    assert {m["label"] for m in ecosoc} >= {"op. 3", "op. 7", "op. 9", "op. 10"}
    report = next(m for m in ecosoc if m["label"] == "op. 10")
    assert (report["verb"], report["who"], report["due"], report["due_year"]) == (
        "requests", "the Secretary-General", "substantive session of 1994", 1994)
    assert report["what"].startswith("report to the Economic and Social Council")
    assert report["status"] == "answered" and report["answered_by"][0]["title"] == ANSWER_TITLE
    # an invitation to developing countries is not answered by the Secretary-General's report
    assert next(m for m in ecosoc if m["label"] == "op. 9")["status"] == "open"


def test_the_requests_of_a_80_39_with_due_dates(client: TestClient) -> None:
    found = _mandates(client, body="HLC")["mandates"]
    assert found and all(m["source_symbol"].startswith("High-level Committee decision 22/") for m in found)
    report = next(m for m in found if m["label"] == "op. 32")
    assert report["who"] == "the Secretary-General" and report["due_year"] == 2027


def test_mandates_filter_by_party_due_year_and_status(client: TestClient) -> None:
    everything = _mandates(client)["total"]
    by_party = _mandates(client, party="Secretary-General")["mandates"]
    assert by_party and all("Secretary-General" in m["who"] for m in by_party)
    due = _mandates(client, due_from=2027, due_to=2027)["mandates"]
    assert due and all(m["due_year"] == 2027 for m in due)
    answered, still_open = _mandates(client, status="answered")["total"], _mandates(client, status="open")["total"]
    assert answered >= 1 and answered + still_open == everything
    assert client.get("/api/v1/mandates", params={"status": "late"}).status_code == 422


def test_the_mandates_page_and_each_resolution_s_page_list_them(client: TestClient) -> None:
    page = client.get("/mandates", params={"party": "Secretary-General", "due_from": "soon"})
    assert page.status_code == 200 and "was ignored" in page.text and "substantive session of 1994" in page.text
    doc_id = client.get("/api/v1/documents", params={"symbol": "E/RES/1992/41"}).json()["documents"][0]["id"]
    html = client.get(f"/documents/{doc_id}").text
    assert 'id="mandates-heading"' in html and "Answered by" in html


@pytest.fixture(scope="module")
def server(research_app, serve) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A real uvicorn server on a free port of 127.0.0.1 (tests/web/conftest.py's `running`)."""
    with serve(research_app) as url:
        yield url


@pytest.fixture()
def tab(browser, server: str) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_follow_a_mandate_s_answer_link(tab: Page) -> None:
    tab.goto("/mandates?party=Secretary-General&status=answered")
    tab.locator("a.answer").first.click()
    tab.wait_for_url(re.compile(r"/documents/.+#c\d+$"))
    expect(tab.get_by_role("heading", level=1)).to_have_text(ANSWER_TITLE)
    expect(tab.locator(":target")).to_contain_text("pursuant to Economic and Social Council resolution 1992/41")


def test_follow_a_symbol_link_to_its_page_and_out(tab: Page) -> None:
    tab.goto("/mandates?body=ECOSOC")
    tab.locator("a.given-in").first.click()
    tab.wait_for_url(re.compile(r"/documents/"))
    tab.locator("dd a.symbol", has_text="E/RES/1992/41").click()
    tab.wait_for_url(re.compile(r"/symbols/E/RES/1992/41$"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("E/RES/1992/41")
    expect(tab.locator("a.undocs")).to_have_attribute("href", "https://undocs.org/E/RES/1992/41")
    expect(tab.locator(".recalling-document a").first).to_have_text(ANSWER_TITLE)


def test_follow_a_page_link_into_the_original_pdf(tab: Page) -> None:
    tab.goto("/api/v1/documents?symbol=A/80/39")
    doc_id = re.search(r'"id":"([^"]+)"', tab.content()).group(1)  # type: ignore[union-attr]
    tab.goto(f"/documents/{doc_id}")
    link = tab.locator("a.page").nth(5)
    href = link.get_attribute("href") or ""
    assert re.fullmatch(rf"/api/v1/documents/{re.escape(doc_id)}/file#page=\d+", href), href
    # a PDF may open as a download rather than a page: either way the server must answer with the PDF
    with tab.expect_response(re.compile(r"/file$")) as response_info, contextlib.suppress(Exception):
        link.click()
    response = response_info.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
