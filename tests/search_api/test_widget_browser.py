"""The widget in a real Chromium: an "intranet" page on one origin embeds it, and it searches the API
on another origin (a real uvicorn server) through CORS, rendering hostile text as text."""
from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import CORPUS, REPO

from index.build import IngestOptions, ingest_paths
from search_api.app import create_app
from search_api.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
HOSTILE = ('Zebra report <script>alert("title")</script>\n\n'
           'The zebra unicorn programme "><img src=x onerror=alert(1)> shares <b>experts</b> &amp; lessons.\n')



class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _port() -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, tiny_embedder, tiny_model_dir: Path) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    """A real API server with CORS for the intranet origin, and the intranet page's own server."""
    import uvicorn

    root = tmp_path_factory.mktemp("widget")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, corpus)
    (corpus / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    report = ingest_paths(root / "index", [corpus], tiny_embedder, IngestOptions(workers=1))
    assert not report.failed, report.failed

    api_sock, api_port = _port()
    page_sock, page_port = _port()
    page_sock.close()
    intranet = f"http://127.0.0.1:{page_port}"
    api = f"http://127.0.0.1:{api_port}"
    app = create_app(Settings(index=root / "index", model=tiny_model_dir, corpus=corpus, cors_origins=[intranet],
                              rate_limit_per_s=0), tiny_embedder)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, kwargs={"sockets": [api_sock]}, daemon=True).start()

    pages = root / "intranet"
    pages.mkdir()
    (pages / "index.html").write_text(f"""<!doctype html><html><head><meta charset="utf-8"><title>Intranet</title>
<script src="{api}/static/coopsearch-widget.js" defer></script></head>
<body><h1>Team page</h1><coopsearch-search api="{api}" k="2" mode="keyword" placeholder="Search cooperation documents">
</coopsearch-search></body></html>""", encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(pages))
    static = http.server.ThreadingHTTPServer(("127.0.0.1", page_port), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield {"api": api, "intranet": intranet}
    static.shutdown()
    server.should_exit = True


def test_the_widget_searches_across_origins_and_renders_text_safely(sites: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.set_default_timeout(15_000)
            page.goto(sites["intranet"] + "/index.html")
            box = page.locator("coopsearch-search input[type=search]")
            box.fill("zebra unicorn programme")
            box.press("Enter")
            results = page.locator("coopsearch-search li")
            results.first.wait_for()
            assert results.count() == 2
            title = page.locator("coopsearch-search li a.title").first
            assert title.text_content() == 'Zebra report <script>alert("title")</script>'
            assert title.get_attribute("href").startswith(sites["api"] + "/documents/")
            assert page.locator("coopsearch-search li mark").first.text_content().lower() in ("zebra", "unicorn",
                                                                                              "programme")
            snippet = page.locator("coopsearch-search li .snippet").first.text_content()
            assert '"><img src=x onerror=alert(1)>' in snippet and "<b>experts</b> &amp; lessons" in snippet
            counts = page.evaluate("""() => { const root = document.querySelector('coopsearch-search').shadowRoot;
                return {img: root.querySelectorAll('img').length, script: root.querySelectorAll('script').length,
                        b: root.querySelectorAll('b').length}; }""")
            assert counts == {"img": 0, "script": 0, "b": 0}
            more = page.locator("coopsearch-search button.more")
            assert more.is_visible()
            more.click()
            page.wait_for_function("document.querySelector('coopsearch-search').shadowRoot"
                                   ".querySelectorAll('li').length === 4")
            assert "4 of" in page.locator("coopsearch-search .status").text_content()
            (REPO / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(REPO / "test-artifacts" / "widget-intranet.png"), full_page=True)
            # An invalid key (or closed reads): a sentence for people, none of the API's developer text.
            page.evaluate("document.querySelector('coopsearch-search').setAttribute('api-key', 'csk_00_wrong')")
            box.fill("zebra okapi")
            box.press("Enter")
            status = page.locator("coopsearch-search .status.error")
            status.wait_for()
            assert status.text_content() == "This search is not open to this page. Ask whoever runs the site."
            assert dialogs == []
        finally:
            browser.close()
