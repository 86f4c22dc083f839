"""Upload jobs: a passage limit per file (`too_large`), a password for encrypted PDFs, who may see a job."""
from __future__ import annotations

import io
from pathlib import Path

from support_uploads import UPLOAD, upload, wait_for_job


def _encrypted_pdf(text: str, password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(612, 792))
    y = 700
    for line in text.split("\n"):
        pdf.drawString(72, y, line)
        y -= 16
    pdf.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_file_over_the_passage_limit_fails_as_too_large(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-API-Key": keys_for(writable_index)["write"]}
    client = make_client(writable_index, max_upload_chunks=3)
    long_text = "\n\n".join(f"Paragraph {i}: the okapi team shared its experience of cooperation." * 20
                            for i in range(40))
    job = upload(client, [("files", ("long.txt", long_text.encode(), "text/plain")),
                          ("files", ("short.txt", b"A short okapi note on cooperation.", "text/plain"))], headers)
    outcomes = {o["filename"]: o for o in job["files"]}
    assert outcomes["long.txt"]["status"] == "failed" and outcomes["long.txt"]["reason"] == "too_large"
    assert "over the limit of 3" in outcomes["long.txt"]["message"]
    assert outcomes["short.txt"]["status"] == "added"
    assert sorted(p.name for p in (writable_index.parent / "uploads").iterdir()) == ["short.txt"]


def test_an_encrypted_pdf_is_read_with_the_password_sent(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-API-Key": keys_for(writable_index)["write"]}
    client = make_client(writable_index)
    data = _encrypted_pdf("Quagga programme report\nThe quagga programme trained experts in statistics.", "s3cret")
    without = upload(client, [("files", ("quagga.pdf", data, "application/pdf"))], headers)
    assert without["files"][0]["status"] == "failed" and without["files"][0]["reason"] == "encrypted"
    assert "--password" not in (without["files"][0]["message"] or "")
    accepted = client.post(UPLOAD, files=[("files", ("quagga.pdf", data, "application/pdf")),
                                          ("password", (None, "s3cret"))], headers=headers)
    job = wait_for_job(client, accepted, headers)
    assert job["files"][0]["status"] == "added", job
    hits = client.get("/api/v1/search", params={"q": "quagga statistics", "mode": "keyword"}).json()["results"]
    assert hits and hits[0]["document"]["id"] == job["files"][0]["document_id"]


def test_jobs_need_a_write_key_and_unknown_ones_are_404(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    keys = keys_for(writable_index)
    client = make_client(writable_index)
    accepted = client.post(UPLOAD, files=[("files", ("n.txt", b"Okapi note.", "text/plain"))],
                           headers={"X-API-Key": keys["write"]})
    url = accepted.json()["url"]
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"X-API-Key": keys["read"]}).status_code == 403
    assert client.get("/api/v1/jobs/job_0000000000000000", headers={"X-API-Key": keys["write"]}).status_code == 404
    wait_for_job(client, accepted, {"X-API-Key": keys["write"]})


def test_a_browser_sees_the_job_as_a_page(writable_index: Path, make_client, keys_for) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-API-Key": keys_for(writable_index)["write"]}
    client = make_client(writable_index)
    files = [("files", ("okapi <b>notes</b>.txt", b"Okapi cooperation note.", "text/plain")),
             ("files", ("sheet.xlsx", b"PK", "application/octet-stream"))]
    accepted = client.post(UPLOAD, files=files, headers=headers)
    job = wait_for_job(client, accepted, headers)
    page = client.get(accepted.json()["url"], headers={**headers, "Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Done" in page.text and "2 of 2 files settled" in page.text
    assert f'href="/documents/{job["files"][0]["document_id"]}"' in page.text and "unsupported" in page.text
    assert "<b>notes</b>" not in page.text and "&lt;b&gt;notes&lt;/b&gt;" in page.text  # escaped
    assert 'http-equiv="refresh"' not in page.text  # finished: no more refreshing
    assert client.get(accepted.json()["url"], headers=headers).json()["id"] == job["id"]
