"""In a real browser: with reads closed, the pages answer 401 without a key; /docs and /redoc render with
every request outside the server blocked (Swagger UI and ReDoc come from local files)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Browser, Route, expect


def _offline(route: Route) -> None:
    if urlparse(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def test_closed_reads_close_the_pages_in_the_browser(browser: Browser, web_index: Path, web_corpus: Path,  # type: ignore[no-untyped-def]
                                                     tiny_embedder, tiny_model_dir: Path, shoot, serve) -> None:
    from search_api.app import create_app
    from search_api.settings import Settings

    settings = Settings(index=web_index, model=tiny_model_dir, corpus=web_corpus, open_reads=False)
    with serve(create_app(settings, tiny_embedder)) as url:
        context = browser.new_context(base_url=url)
        page = context.new_page()
        for path in ("/", "/?q=technical+cooperation&mode=keyword", "/documents/anything", "/chunks/1/similar"):
            response = page.goto(path)
            assert response is not None and response.status == 401, path
            expect(page.get_by_role("heading", level=1)).to_contain_text("Access is restricted")
            expect(page.locator("ol.results")).to_have_count(0)
        shoot(page, "closed-reads-401")
        for path in ("/export.csv?q=cooperation", "/export.json?q=cooperation", "/feed.atom?q=cooperation",
                     "/api/v1/search?q=cooperation", "/api/v1/documents"):
            assert context.request.get(url + path).status == 401, path
        assert context.request.get(url + "/static/style.css").status == 200
        context.close()


def test_api_docs_render_with_the_network_off(browser: Browser, live_server: str, shoot) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server)
    context.route("**/*", _offline)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("coopsearch", timeout=15_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    shoot(page, "docs-offline")
    page.goto("/redoc")
    expect(page.locator("h1").first).to_contain_text("coopsearch", timeout=15_000)
    expect(page.get_by_text("/api/v1/search").first).to_be_attached()
    shoot(page, "redoc-offline")
    # The one thing blocked is ReDoc's "powered by" logo, which it always fetches from its CDN: an image.
    blocked = [e for e in errors if "Content Security Policy" in e and "cdn.redoc.ly/redoc/logo" not in e]
    assert not blocked, blocked
    context.close()
