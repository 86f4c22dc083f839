"""Upload, search, delete through the API, on a private copy of the tiny-model index."""
from __future__ import annotations

import time
from pathlib import Path

from support_uploads import UPLOAD, upload, wait_for_job

from index.build import IngestOptions, ingest_paths
from index.generation import acquire_lock
from search_api.uploads import safe_name

NOTE = (b"# Zebra programme\n\nThe unicorn zebra programme shares experts among developing countries.\n\n"
        b"Lessons learned: alpha teams trained beta teams.\n")


def _search(client, query: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return client.get("/api/v1/search", params={"q": query, "mode": "keyword"}).json()["results"]


def test_upload_then_search_then_delete_then_not_found(site_on_backend, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    writable_index, settings = site_on_backend
    headers = {"X-API-Key": keys_for(writable_index)["write"]}
    client = make_client(writable_index, **settings)
    generation = client.get("/api/v1/stats").json()["generation"]
    files = [("files", ("Zebra notes (final).md", NOTE, "text/markdown")),
             ("files", ("table.xlsx", b"PK\x03\x04", "application/octet-stream")),
             ("files", ("broken.pdf", b"%PDF-1.4 not really a pdf", "application/pdf")),
             ("files", ("../../../../tmp/escape.txt", b"Gamma delta cooperation text.\n", "text/plain"))]
    accepted = client.post(UPLOAD, files=files, headers=headers)
    assert accepted.status_code == 202 and accepted.json()["job_id"] in accepted.json()["url"]
    refused_at_once = {o["filename"]: o["reason"] for o in accepted.json()["files"] if o["status"] == "failed"}
    assert refused_at_once == {"table.xlsx": "unsupported"}
    job = wait_for_job(client, accepted, headers)
    assert job["status"] == "done" and job["progress"]["files_done"] == job["progress"]["files_total"] == 4
    assert job["provenance"]["key_name"] == "test write"
    outcomes = {o["filename"]: o for o in job["files"]}
    assert outcomes["Zebra notes (final).md"]["status"] == "added"
    assert outcomes["Zebra notes (final).md"]["saved_as"] == "Zebra-notes-final.md"
    assert outcomes["table.xlsx"]["status"] == "failed" and outcomes["table.xlsx"]["reason"] == "unsupported"
    assert outcomes["broken.pdf"]["status"] == "failed" and outcomes["broken.pdf"]["message"]
    assert outcomes["../../../../tmp/escape.txt"]["saved_as"] == "escape.txt"
    uploads = writable_index.parent / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["Zebra-notes-final.md", "escape.txt"]
    assert job["generation"] != generation

    hits = _search(client, "unicorn zebra")
    doc_id = outcomes["Zebra notes (final).md"]["document_id"]
    assert hits and hits[0]["document"]["id"] == doc_id
    assert client.get(f"/api/v1/documents/{doc_id}/file").content == NOTE

    again = upload(client, [("files", ("Zebra notes (final).md", NOTE, "text/markdown"))], headers)
    assert again["files"][0]["status"] == "unchanged"
    changed = NOTE.replace(b"unicorn", b"okapi")
    updated = upload(client, [("files", ("Zebra-notes-final.md", changed, "text/markdown"))], headers)
    assert updated["files"][0]["status"] == "updated"
    assert _search(client, "okapi zebra")[0]["document"]["id"] == doc_id

    deleted = client.delete(f"/api/v1/documents/{doc_id}", headers=headers)
    assert deleted.status_code == 200 and deleted.json() == {
        "id": doc_id, "removed": True, "file_deleted": True, "generation": deleted.json()["generation"]}
    assert client.get(f"/api/v1/documents/{doc_id}").status_code == 404
    assert all(h["document"]["id"] != doc_id for h in _search(client, "zebra programme"))
    assert not (uploads / "Zebra-notes-final.md").exists()
    assert client.delete(f"/api/v1/documents/{doc_id}", headers=headers).status_code == 404


def test_a_failed_replacement_keeps_the_previous_file(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-API-Key": keys_for(writable_index)["write"]}
    client = make_client(writable_index)
    first = upload(client, [("files", ("plan.html", b"<h1>Plan</h1><p>Zebra cooperation.</p>", "text/html"))],
                   headers)
    assert first["files"][0]["status"] == "added"
    empty = upload(client, [("files", ("plan.html", b"", "text/html"))], headers)
    assert empty["files"][0]["status"] == "failed"
    saved = writable_index.parent / "uploads" / "plan.html"
    assert saved.read_bytes() == b"<h1>Plan</h1><p>Zebra cooperation.</p>"
    assert [p.name for p in saved.parent.iterdir()] == ["plan.html"]


def test_an_upload_waits_for_a_concurrent_ingest_and_a_removal_gets_409(writable_index: Path, make_client,  # type: ignore[no-untyped-def]
                                                                         keys_for) -> None:
    headers = {"X-API-Key": keys_for(writable_index)["write"]}
    client = make_client(writable_index)
    uploads = writable_index.parent / "uploads"
    lock = acquire_lock(writable_index)  # a `coopsearch ingest` is running
    try:
        some_id = client.get("/api/v1/documents").json()["documents"][0]["id"]
        removal = client.delete(f"/api/v1/documents/{some_id}", headers=headers)
        assert removal.status_code == 409 and removal.json()["error"]["code"] == "index_locked"
        assert removal.headers["retry-after"]
        accepted = client.post(UPLOAD, files=[("files", ("note.txt", b"Zebra okapi cooperation.", "text/plain"))],
                               headers=headers)
        assert accepted.status_code == 202
        time.sleep(0.5)
        waiting = client.get(accepted.json()["url"], headers=headers).json()
        assert waiting["status"] == "running" and waiting["progress"]["stage"] == "waiting_for_lock"
        assert not (uploads / "note.txt").exists()  # staged only: not in the folder before the index holds it
    finally:
        lock.release()
    job = wait_for_job(client, accepted, headers)
    assert job["files"][0]["status"] == "added" and (uploads / "note.txt").read_bytes() == b"Zebra okapi cooperation."


def test_bad_upload_requests_get_4xx(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-API-Key": keys_for(writable_index)["write"]}
    client = make_client(writable_index, max_upload_files=2)
    assert client.post(UPLOAD, json={"files": []}, headers=headers).status_code == 415
    no_files = client.post(UPLOAD, files={"password": (None, "x")}, headers=headers)  # a plain field only
    assert no_files.status_code == 422 and no_files.json()["error"]["message"].startswith("no files")
    other_field = client.post(UPLOAD, files=[("other", ("a.txt", b"text", "text/plain"))], headers=headers)
    assert other_field.status_code == 422 and "`files`" in other_field.json()["error"]["message"]
    unknown = client.post(UPLOAD, data={"note": "x"}, files=[("files", ("a.txt", b"text", "text/plain"))],
                          headers=headers)
    assert unknown.status_code == 422 and "'note'" in unknown.json()["error"]["message"]
    three = [("files", (f"n{i}.txt", b"x", "text/plain")) for i in range(3)]
    too_many = client.post(UPLOAD, files=three, headers=headers)
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "bad_request"
    garbage = client.post(UPLOAD, content=b"--x\r\nnot multipart", headers={
        **headers, "Content-Type": "multipart/form-data; boundary=y"})
    assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "bad_request"


def test_safe_names() -> None:
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("C:\\Users\\x\\Report 2024 (final).PDF") == "Report-2024-final.pdf"
    assert safe_name(".hidden.md") == "hidden.md"
    assert safe_name("..") is None and safe_name("noextension") is None and safe_name("") is None
    assert safe_name("a\x00b.txt") == "ab.txt"
    assert safe_name("<script>.html") == "script.html"


def test_the_app_picks_up_a_new_generation_written_elsewhere(writable_index: Path, make_client,  # type: ignore[no-untyped-def]
                                                             tiny_embedder, tmp_path: Path) -> None:
    client = make_client(writable_index)
    before = client.get("/api/v1/stats").json()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "okapi.md").write_text("# Okapi\n\nOkapi cooperation notes.\n", encoding="utf-8")
    ingest_paths(writable_index, [extra], tiny_embedder, IngestOptions(workers=1))
    after = client.get("/api/v1/stats").json()
    assert after["generation"] != before["generation"] and after["documents"] == before["documents"] + 1
    assert client.get("/api/v1/ready").json()["generation"] == after["generation"]
    assert _search(client, "okapi")[0]["document"]["title"] == "Okapi"
