"""The pages in a real browser (Chromium via Playwright) against a real uvicorn server.

The tiny model is random, so every search that depends on ranking uses mode=keyword.
Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from support import CORPUS

ECOSOC_TITLE = "1992/41. Technical cooperation among developing countries"
ECLAC_TITLE = "591(XXIX) Cooperation among Developing Countries and Regions"


def search(page: Page, words: str, mode: str = "keyword") -> None:
    """Type a query in the box, pick a mode, press Enter: as a person does."""
    page.goto("/")
    page.get_by_label("Search passages", exact=True).fill(words)
    page.get_by_role("radio", name=re.compile(mode, re.I)).check()
    page.get_by_label("Search passages", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"\?q="))


def expect_on_target(page: Page, anchor: str) -> None:
    """The URL ends with #anchor and that element is the visible, scrolled-to :target."""
    assert page.url.endswith("#" + anchor), page.url
    target = page.locator(":target")
    expect(target).to_have_attribute("id", anchor)
    expect(target).to_be_visible()
    expect(target).to_be_in_viewport()


def test_search_apply_a_facet_open_a_result_on_its_paragraph(page: Page, shoot) -> None:  # type: ignore[no-untyped-def]
    search(page, "consultants from developing countries")
    results = page.locator("ol.results > li.hit")
    expect(results.first).to_be_visible()
    expect(page.locator("ol.results mark").first).to_have_text(re.compile("consultants|developing|countries", re.I))
    assert "mode=keyword" in page.url
    shoot(page, "search-highlights")

    kind_facet = page.get_by_role("region", name="Paragraph kind")
    kind_facet.get_by_role("link", name=re.compile(r"^Operative paragraph")).click()
    page.wait_for_url(re.compile(r"kind=operative"))
    expect(page.get_by_role("link", name="Remove filter Paragraph kind: Operative paragraph")).to_be_visible()
    labels = page.locator("ol.results li.hit .meta .label").all_inner_texts()
    assert labels and all(label.startswith("op. ") for label in labels), labels
    shoot(page, "search-facet-operative")

    first = results.first.locator("h3 a")
    href = first.get_attribute("href") or ""
    anchor = href.split("#", 1)[1]
    first.click()
    page.wait_for_url(re.compile("/documents/"))
    expect_on_target(page, anchor)
    expect(page.locator(":target .label")).to_have_text(re.compile(r"^op\. \d+"))
    expect(page.locator(":target mark").first).to_be_visible()


def test_resolution_page_shows_its_structure(page: Page, shoot) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_role("link", name=ECOSOC_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ECOSOC_TITLE)
    metadata = page.locator("dl.metadata")
    expect(metadata).to_contain_text("E/RES/1992/41")
    expect(metadata).to_contain_text("Economic and Social Council")
    expect(page.locator(".chunk.preambular .label").first).to_have_text("pp. 1")
    expect(page.locator(".chunk.operative .label").nth(3)).to_have_text("op. 4")
    expect(page.locator(".chunk.operative").nth(3).locator(".cite-text")).to_have_text(
        "ECOSOC resolution 1992/41, op. 4")
    download = page.get_by_role("link", name="Download the original file")
    expect(download).to_have_attribute("href", re.compile(r"^/api/v1/documents/[^/]+/file$"))
    original = page.request.get(download.get_attribute("href") or "")
    assert original.ok and original.body() == (CORPUS / "ecosoc-resolution-1992-41-tcdc.txt").read_bytes()
    expect(page.get_by_role("region", name="Recalls")).to_be_visible()
    expect(page.get_by_role("region", name="Recalled by")).to_be_visible()
    shoot(page, "document-resolution-1992-41")
    ids = page.eval_on_selector_all("[id]", "nodes => nodes.map(n => n.id)")
    assert len(ids) == len(set(ids)), "duplicate ids"
    page.locator(".chunk.operative .label").nth(3).click()
    expect_on_target(page, page.locator(".chunk.operative").nth(3).get_attribute("id") or "")

    page.goto("/")
    page.get_by_role("link", name=ECLAC_TITLE).click()
    expect(page.locator(".chunk.operative .label", has_text="op. 6 (b)")).to_be_visible()
    expect(page.locator(".chunk.footnote").first).to_contain_text("Report on the activities of the Commission")
    # recalled twice since issue 12: "resolution 33/134" in pp. 1 and "the Buenos Aires Plan of Action" in op. 6 (g)
    expect(page.get_by_role("region", name="Recalls").get_by_text("A/RES/33/134").first).to_be_visible()
    shoot(page, "document-eclac-591-xxix")


def test_markup_in_documents_and_queries_shows_as_text(page: Page, shoot) -> None:  # type: ignore[no-untyped-def]
    query = '<script>alert(1)</script> "><img src=x onerror=alert(2)> zebra unicorn'
    search(page, query)
    hit = page.locator("ol.results > li.hit").first
    expect(hit).to_contain_text('<script>alert("x")</script>')
    expect(hit).to_contain_text('"><img src=x onerror=alert(1)>')
    expect(page.get_by_role("heading", name=re.compile("Passages 1–"))).to_contain_text("<script>alert(1)</script>")
    expect(page.get_by_label("Search passages", exact=True)).to_have_value(query)
    shoot(page, "search-hostile")
    hit.locator("h3 a").click()
    page.wait_for_url(re.compile("/documents/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text('<script>alert("x")</script>')
    for _ in range(2):
        assert page.locator("img").count() == 0
        sources = page.eval_on_selector_all("script", "nodes => nodes.map(n => n.getAttribute('src'))")
        assert sources == ["/static/app.js"], sources
        assert page.dialogs == []  # type: ignore[attr-defined]
        page.go_back()


def test_copy_citation_puts_it_on_the_clipboard(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name=ECOSOC_TITLE).click()
    operative = page.locator(".chunk.operative").nth(3)
    operative.get_by_role("button", name="Copy citation").click()
    expect(operative.get_by_role("button")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "ECOSOC resolution 1992/41, op. 4"
    context.close()


def test_works_without_javascript_and_by_keyboard(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    box = page.get_by_label("Search passages", exact=True)
    expect(box).to_be_focused()
    page.keyboard.type("talent bank database")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=talent"))
    expect(page.locator("ol.results > li.hit").first).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    expect(page.locator(".cite-text").first).to_be_visible()
    expect(page.get_by_role("button", name="Copy citation")).to_have_count(0)  # hidden until the script runs
    ids = page.eval_on_selector_all("[id]", "nodes => nodes.map(n => n.id)")
    assert len(ids) == len(set(ids)), "duplicate ids"
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter(e => e.type !== 'hidden' && !e.hidden)
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
        .map(e => e.outerHTML)""")
    assert unlabelled == []
    context.close()


def test_pages_fit_a_phone_screen(browser, live_server: str, shoot) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto("/?q=consultants+from+developing+countries&mode=keyword")
    expect(page.locator("ol.results > li.hit").first).to_be_visible()
    shoot(page, "search-phone")
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    page.locator("ol.results > li.hit h3 a").first.click()
    page.wait_for_url(re.compile("/documents/"))
    expect(page.locator(":target")).to_be_in_viewport()
    assert page.evaluate(overflow) <= 0
    shoot(page, "document-phone")
    context.close()
