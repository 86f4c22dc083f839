"""Provenance: an upload claiming another document's symbol is flagged symbol_conflict and never outranks
the corpus document; the API and the page say where a document came from."""
from __future__ import annotations

from pathlib import Path

from support_uploads import upload

CLAIM = (b"E/RES/1992/41\n\nTechnical cooperation among developing countries 1992/41\n\n"
         b"This note copies the resolution's words: technical cooperation among developing countries, 1992/41.\n")


def test_an_upload_cannot_take_a_corpus_documents_symbol(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-API-Key": keys_for(writable_index)["write"]}
    client = make_client(writable_index)
    before = client.get("/api/v1/search", params={"q": "1992/41", "mode": "keyword"}).json()["results"]
    real = before[0]["document"]
    assert real["symbol"] == "E/RES/1992/41"
    job = upload(client, [("files", ("claim.txt", CLAIM, "text/plain"))], headers)
    outcome = job["files"][0]
    assert outcome["status"] == "added" and outcome["warnings"][0].startswith("symbol_conflict")
    for query in ("1992/41", "E/RES/1992/41", "ECOSOC resolution 1992/41"):
        for mode in ("keyword", "hybrid"):
            hits = client.get("/api/v1/search", params={"q": query, "mode": mode}).json()["results"]
            assert hits[0]["document"]["id"] == real["id"], (query, mode)
    claimed = client.get(f"/api/v1/documents/{outcome['document_id']}").json()
    assert claimed["symbol"] is None
    assert claimed["provenance"]["origin"] == "upload" and claimed["provenance"]["key_name"] == "test write"
    assert claimed["provenance"]["symbol_conflict"] is True and claimed["provenance"]["uploaded_at"]
    corpus = client.get(f"/api/v1/documents/{real['id']}").json()["provenance"]
    assert corpus == {**corpus, "origin": "corpus", "symbol_conflict": False, "key_name": None}
    page = client.get(f"/documents/{outcome['document_id']}").text
    assert "Uploaded with the key “test write”" in page and "was not kept" in page
    assert "The corpus folder" in client.get(f"/documents/{real['id']}").text
