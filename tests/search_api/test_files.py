"""GET /documents/{id}/file: only a known document's stored file, and only inside the allowed folders."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from index.build import IngestOptions, ingest_paths
from index.manifest import MANIFEST_NAME, STORE_NAME, file_record, read_manifest

SECRET = "TOP-SECRET-OUTSIDE-THE-ROOTS"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, tiny_embedder) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """A corpus folder with two documents and a symbolic link out of it, a secret file outside it, and an
    index of the three files (read-only: tests that tamper with it use `tampered_index`)."""
    tmp_path = tmp_path_factory.mktemp("file-site")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").write_text("Triangular cooperation report.\n\nExperts shared lessons.\n", encoding="utf-8")
    (corpus / "page.html").write_text("<html><body><h1>Plan</h1><p>Cooperation among developing countries."
                                      "</p><script>alert(1)</script></body></html>", encoding="utf-8")
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n\nSecret cooperation notes.\n", encoding="utf-8")
    index = tmp_path / "index"
    report = ingest_paths(index, [corpus, outside / "secret.txt"], tiny_embedder, IngestOptions(workers=1))
    assert len(report.added) == 3, report.failed
    (corpus / "link.txt").symlink_to(outside / "secret.txt")
    return {"corpus": corpus, "outside": outside, "index": index}


@pytest.fixture
def tampered_index(site: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the site's index, free to damage."""
    copy = tmp_path / "index"
    shutil.copytree(site["index"], copy, ignore=shutil.ignore_patterns(".lock"))
    return copy


def _ids(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    documents = client.get("/api/v1/documents").json()["documents"]
    return {d["source"]: d["id"] for d in documents}


def _tamper(index: Path, doc_id: str, source: str) -> None:
    """Point a stored document at another path, as a hostile index would: one that also fixes the
    checksum its manifest records, so that the index still loads."""
    store = read_manifest(index).generation_dir(index) / STORE_NAME
    conn = sqlite3.connect(store)
    with conn:
        conn.execute("UPDATE documents SET source = ? WHERE id = ?", (source, doc_id))
    conn.close()
    manifest = json.loads((index / MANIFEST_NAME).read_text())
    if STORE_NAME in manifest.get("files", {}):
        manifest["files"][STORE_NAME] = file_record(store)
        (index / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2))


def test_serves_a_known_documents_file_with_safe_headers(site: dict[str, Path], make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(site["index"], corpus=site["corpus"])
    ids = _ids(client)
    text = client.get(f"/api/v1/documents/{ids['report.txt']}/file")
    assert text.status_code == 200 and text.content == (site["corpus"] / "report.txt").read_bytes()
    assert text.headers["content-type"].startswith("text/plain")
    assert text.headers["x-content-type-options"] == "nosniff"
    html = client.get(f"/api/v1/documents/{ids['page.html']}/file")
    assert html.status_code == 200 and html.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in html.headers["content-security-policy"]


def test_a_document_outside_the_roots_is_refused(site: dict[str, Path], make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(site["index"], corpus=site["corpus"])
    response = client.get(f"/api/v1/documents/{_ids(client)['secret.txt']}/file")
    assert response.status_code == 403 and response.json()["error"]["code"] == "file_outside_roots"
    assert SECRET not in response.text and str(site["outside"]) not in response.text
    opened = make_client(site["index"], corpus=site["corpus"], file_roots=[site["outside"]])
    assert opened.get(f"/api/v1/documents/{_ids(opened)['secret.txt']}/file").status_code == 200


@pytest.mark.parametrize("doc_id", [
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "..%252F..%252Fetc%252Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2Fetc%2Fpasswd", "..\\..\\etc\\passwd", "....//....//etc/passwd", "%00", "report.txt", "..", ".",
])
def test_path_traversal_ids_find_nothing(site: dict[str, Path], make_client, doc_id: str) -> None:  # type: ignore[no-untyped-def]
    client = make_client(site["index"], corpus=site["corpus"])
    response = client.get(f"/api/v1/documents/{doc_id}/file")
    assert response.status_code in (404, 422), response.text
    assert "root:" not in response.text and SECRET not in response.text
    assert response.json()["error"]["code"] in ("not_found", "invalid_request")


@pytest.mark.parametrize("target, status", [
    ("/etc/passwd", 403), ("{outside}/secret.txt", 403), ("{corpus}/../private/secret.txt", 403),
    ("{corpus}/link.txt", 403), ("/proc/self/environ", 403), ("\x00/etc/passwd", 404), ("{corpus}", 404),
    ("{corpus}/gone.txt", 404), ("", 404),
])
def test_a_tampered_stored_source_never_escapes_the_roots(site: dict[str, Path], tampered_index: Path,  # type: ignore[no-untyped-def]
                                                           make_client, target: str, status: int) -> None:
    doc_id = _ids(make_client(site["index"], corpus=site["corpus"]))["report.txt"]
    _tamper(tampered_index, doc_id, target.format(outside=site["outside"], corpus=site["corpus"]))
    client = make_client(tampered_index, corpus=site["corpus"])
    response = client.get(f"/api/v1/documents/{doc_id}/file")
    assert response.status_code == status
    assert response.json()["error"]["code"] == {403: "file_outside_roots", 404: "file_missing"}[status]
    assert SECRET not in response.text and "root:" not in response.text
