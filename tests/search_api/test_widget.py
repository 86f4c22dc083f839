"""The embeddable widget and the OpenSearch description, as an intranet page would fetch them."""
from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from fastapi.testclient import TestClient
from support import REPO

WIDGET = REPO / "web" / "static" / "coopsearch-widget.js"


def test_widget_is_served_and_never_parses_document_text_as_html(make_client, tiny_corpus_index: Path) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = make_client(tiny_corpus_index)
    response = client.get("/static/coopsearch-widget.js")
    assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    source = response.text
    assert 'customElements.define("coopsearch-search"' in source
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert unsafe not in source, unsafe


def test_widget_helpers_turn_hostile_text_into_plain_text() -> None:
    assert shutil.which("node"), "needs node (Node.js) to run the widget's helpers"
    script = f"""
const w = require({json.dumps(str(WIDGET))});
console.log(JSON.stringify({{
  segments: w.highlightSegments("a &lt;img src=x onerror=alert(1)&gt; <mark>talent</mark> &amp;lt;b&amp;gt; &quot;q&quot;"),
  js: w.apiBase("javascript:alert(1)"), data: w.apiBase("data:text/html,x"), http: w.apiBase("http://h:8000/"),
  url: w.searchUrl("http://h", {{k: "3", mode: "", "doc-type": "resolution", "year-from": "1990"}}, "a&b=c", 5)
}}));
"""
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["segments"] == [{"text": "a <img src=x onerror=alert(1)> ", "mark": False},
                               {"text": "talent", "mark": True},
                               {"text": ' &lt;b&gt; "q"', "mark": False}]
    assert out["js"] is None and out["data"] is None and out["http"] == "http://h:8000"
    assert out["url"] == "http://h/api/v1/search?q=a%26b%3Dc&k=3&mode=hybrid&offset=5&doc_type=resolution&year_from=1990"


def test_opensearch_description(make_client, tiny_corpus_index: Path) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = make_client(tiny_corpus_index)
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/opensearchdescription+xml")
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    root = ET.fromstring(response.content)
    templates = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    # Without COOPSEARCH_PUBLIC_URL, a Host that is not an allowed host never reaches a link: the listen address does.
    assert templates["text/html"] == "http://127.0.0.1:8000/?q={searchTerms}"
    # No optional parameters: spec-following clients would send `k=&offset=`, which the API refuses.
    assert templates["application/json"] == "http://127.0.0.1:8000/api/v1/search?q={searchTerms}"
    evil = client.get("/opensearch.xml", headers={"Host": "evil.example"})
    assert "evil.example" not in evil.text
    local = client.get("/opensearch.xml", headers={"Host": "localhost:8000"})
    assert "http://localhost:8000/?q={searchTerms}" in local.text
    public = make_client(tiny_corpus_index, public_url="https://search.example.org/")
    assert "https://search.example.org/?q={searchTerms}" in public.get("/opensearch.xml").text
    page = client.get("/")
    assert '<link rel="search" type="application/opensearchdescription+xml"' in page.text
