"""Fixtures for the page tests: a small corpus with a precedent link and a hostile file, its index built
with the tiny model, a real uvicorn server on 127.0.0.1, and a real Chromium driven by Playwright."""
from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import CORPUS, REPO

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# A resolution later than ECOSOC 1992/41 that recalls it, in its second paragraph.
RECALLING = """Review of technical cooperation among developing countries

The Economic and Social Council,

Recalling Economic and Social Council resolution 1992/41 of 30 July 1992 on technical cooperation among developing countries,

1. Welcomes the increased use of consultants from developing countries in technical cooperation programmes;

2. Requests the United Nations system to strengthen national focal points for technical cooperation among developing countries.
"""
# Markup in a document's title and text, and a query that tries the same: all of it must show as text.
HOSTILE = ('Alpha report <script>alert("x")</script>\n\n'
           'Alpha report <script>alert("x")</script> and "><img src=x onerror=alert(1)> '
           "zebra unicorn passage for testing escaping.\n")


@pytest.fixture(scope="session")
def web_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default corpus, a resolution that recalls ECOSOC 1992/41, and a hostile file."""
    docs = tmp_path_factory.mktemp("web-docs")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, docs)
    (docs / "ecosoc-review-recalling-1992-41.txt").write_text(RECALLING, encoding="utf-8")
    (docs / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    return docs


@pytest.fixture(scope="session")
def web_index(web_corpus: Path, tiny_embedder) -> Path:  # type: ignore[no-untyped-def]
    """The web corpus indexed with the tiny model (read-only: copy it to change it)."""
    from index.build import IngestOptions, ingest_paths

    index_dir = web_corpus.parent / (web_corpus.name + "-index")
    report = ingest_paths(index_dir, [web_corpus], tiny_embedder, IngestOptions(workers=1))
    assert not report.failed, report.failed
    return index_dir


@pytest.fixture(scope="session")
def web_app(web_corpus: Path, web_index: Path, tiny_embedder, tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    """The whole application (API and pages) over the web index; it serves the web corpus's files.

    Links name the request's host for TestClient's `testserver` and the live server's 127.0.0.1 (allowed hosts)."""
    from search_api.app import create_app
    from search_api.settings import Settings

    settings = Settings(index=web_index, model=tiny_model_dir, corpus=web_corpus,
                        allowed_hosts=["127.0.0.1", "localhost", "testserver"])
    return create_app(settings, tiny_embedder)


@contextmanager
def running(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve `app` with a real uvicorn server in a thread, on a free port of 127.0.0.1; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def serve():  # type: ignore[no-untyped-def]
    """`running`, for tests that serve an app of their own (e.g. with other settings)."""
    return running


@pytest.fixture(scope="session")
def live_server(web_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The whole application served on 127.0.0.1 for the session; yields its base URL."""
    with running(web_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Chromium first: apt-get install -y chromium (.ci/run does it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, live_server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh page with a 1280x900 window; `page.dialogs` records any dialog that opens."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def shoot():  # type: ignore[no-untyped-def]
    """A function that saves a full-page screenshot under test-artifacts/ and returns its path."""
    def save(page, name: str) -> Path:  # type: ignore[no-untyped-def]
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
