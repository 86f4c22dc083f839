"""One result shape: the API's search answer, the JSON export, the CSV rows and the Atom entries: the same records."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

ATOM = "{http://www.w3.org/2005/Atom}"
PARAMS = {"q": "technical cooperation among developing countries", "mode": "keyword", "kind": "operative", "k": "20"}


@pytest.fixture(scope="module")
def client(web_app: FastAPI) -> TestClient:
    return TestClient(web_app)


def test_the_json_export_is_the_apis_answer_with_its_link(client: TestClient) -> None:
    api = client.get("/api/v1/search", params=PARAMS).json()
    exported = client.get("/export.json", params=PARAMS).json()
    assert api["results"] and api["filters"] == {"kind": "operative"}
    assert set(exported) == set(api) | {"link"}
    assert exported["results"] == api["results"]  # every field of every record, urls absolute in both
    assert {key: exported[key] for key in api if key != "took_ms"} == {key: api[key] for key in api if key != "took_ms"}
    first = api["results"][0]
    assert first["url"] == f"http://testserver/documents/{first['document']['id']}#c{first['ordinal']}"
    assert first["citation"].endswith(f", {first['label']}") and first["label"].startswith("op. ")


def test_csv_rows_and_feed_entries_render_the_same_records(client: TestClient) -> None:
    records = client.get("/api/v1/search", params=PARAMS).json()["results"]
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv", params=PARAMS).text)))
    assert [(int(r["chunk_id"]), r["citation"], r["url"], r["text"]) for r in rows] == \
        [(r["chunk_id"], r["citation"], r["url"], r["text"]) for r in records]
    feed = ET.fromstring(client.get("/feed.atom", params=PARAMS).content)
    entries = {link.get("href"): entry for entry in feed.iter(f"{ATOM}entry")
               if (link := entry.find(f"{ATOM}link")) is not None}
    by_url = {r["url"]: r for r in records}
    assert entries and set(entries) <= set(by_url)
    for url, entry in entries.items():
        assert entry.findtext(f"{ATOM}title") == f"{by_url[url]['citation']} — {by_url[url]['document']['title']}"
        assert entry.findtext(f"{ATOM}summary") == by_url[url]["text"]
