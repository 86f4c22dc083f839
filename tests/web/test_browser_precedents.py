"""Following the precedent graph in a real browser: ECOSOC resolution 1992/41 is recalled by another
resolution of the test corpus (tests/web/conftest.py), and each side links to the other."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

ECOSOC_TITLE = "1992/41. Technical cooperation among developing countries"
RECALLING_TITLE = "Review of technical cooperation among developing countries"


def test_follow_recalled_by_to_the_recalling_paragraph(page: Page, shoot) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_role("link", name=ECOSOC_TITLE).click()
    recalled_by = page.get_by_role("region", name="Recalled by")
    link = recalled_by.get_by_role("link", name=RECALLING_TITLE)
    expect(link).to_be_visible()
    shoot(page, "document-resolution-1992-41-recalled-by")

    href = link.get_attribute("href") or ""
    assert re.search(r"#c\d+$", href), href
    link.click()
    page.wait_for_url(re.compile("/documents/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(RECALLING_TITLE)
    anchor = href.split("#", 1)[1]
    assert page.url.endswith("#" + anchor), page.url
    target = page.locator(":target")
    expect(target).to_have_attribute("id", anchor)
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text("Recalling Economic and Social Council resolution 1992/41")

    recalls = page.get_by_role("region", name="Recalls")
    back = recalls.get_by_role("link", name=ECOSOC_TITLE)
    expect(back).to_be_visible()
    back.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ECOSOC_TITLE)
