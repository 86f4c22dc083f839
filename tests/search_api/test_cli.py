"""The command line on a real index, and `serve` as a real HTTP server in a subprocess."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support import CORPUS, REPO

from search_api.cli import main, parse_passwords


def test_search_command_prints_results_and_json(tiny_corpus_index: Path, tiny_model_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["search", "talent bank database", "-k", "2", "--mode", "keyword", "--index", str(tiny_corpus_index), "--model", str(tiny_model_dir)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("  1. Training on Management of South-South Cooperation in Brazil")
    assert main(args + ["--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["query"] == "talent bank database" and len(body["results"]) == 2


def test_ingest_command_reports_and_strict_exit_code(tmp_path: Path, tiny_model_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.md").write_text("# Note\n\nSouth-South cooperation shares knowledge.\n", encoding="utf-8")
    (docs / "bad.pdf").write_bytes(b"not a pdf at all")
    common = [str(docs), "--index", str(tmp_path / "idx"), "--model", str(tiny_model_dir), "--quiet", "--workers", "1"]
    report_path = tmp_path / "report.json"
    assert main(["ingest", *common, "--report", str(report_path)]) == 0
    out = capsys.readouterr().out
    assert "added: 1" in out and "FAILED" in out and "bad.pdf" in out
    report = json.loads(report_path.read_text())
    assert report["counts"]["added"] == 1 and report["counts"]["failed"] == 1
    assert main(["ingest", *common, "--strict"]) == 1
    assert "unchanged: 1" in capsys.readouterr().out


def test_missing_index_is_a_clear_error(tmp_path: Path, tiny_model_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["search", "x", "--index", str(tmp_path / "none"), "--model", str(tiny_model_dir)]) == 2
    assert "no index at" in capsys.readouterr().err


def test_password_pairs(tmp_path: Path) -> None:
    passwords_file = tmp_path / "pw.txt"
    passwords_file.write_text("# comment\nb.pdf=secret=with=equals\n")
    assert parse_passwords(["a.pdf=x"], passwords_file) == {"a.pdf": "x", "b.pdf": "secret=with=equals"}
    with pytest.raises(SystemExit):
        parse_passwords(["no-equals-sign"], None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_builds_a_missing_index_then_answers_http(tmp_path: Path, tiny_model_dir: Path) -> None:
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COOPSEARCH_MODEL": str(tiny_model_dir)}
    command = [sys.executable, "-m", "search_api.cli", "serve", "--index", str(tmp_path / "new-index"),
               "--corpus", str(CORPUS), "--port", str(port)]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                time.sleep(0.5)
        response = httpx.get(f"http://127.0.0.1:{port}/api/v1/search", params={"q": "talent bank database", "mode": "keyword"})
        assert response.status_code == 200
        assert "talent bank" in response.json()["results"][0]["text"]
        assert (tmp_path / "new-index" / "manifest.json").exists()
        page = httpx.get(f"http://127.0.0.1:{port}/", params={"q": "triangular cooperation", "mode": "keyword"})
        assert page.status_code == 200 and "<mark>triangular</mark>" in page.text
    finally:
        server.terminate()
        server.wait(timeout=30)


# -- the command line says when something is wrong, and what it did -----------------------------------


def test_a_missing_path_is_an_error_that_writes_nothing(tmp_path: Path, tiny_model_dir: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    index = tmp_path / "idx"
    assert main(["ingest", str(tmp_path / "typo-folder"), "--index", str(index), "--model", str(tiny_model_dir)]) == 2
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "typo-folder" in err
    assert not index.exists()
    assert main(["ingest", str(CORPUS), "--passwords-file", str(tmp_path / "none.txt"), "--index", str(index),
                 "--model", str(tiny_model_dir)]) == 2
    assert "no passwords file" in capsys.readouterr().err and not index.exists()
    assert main(["ingest", str(CORPUS), "--report", str(tmp_path / "no-folder" / "report.json"), "--index", str(index),
                 "--model", str(tiny_model_dir)]) == 2
    assert "no folder" in capsys.readouterr().err and not index.exists()
    assert main(["serve", "--index", str(index), "--corpus", str(tmp_path / "no-corpus"),
                 "--model", str(tiny_model_dir)]) == 2
    assert "no-corpus" in capsys.readouterr().err and not index.exists()


def test_ingest_summary_and_report_map_every_file_to_its_outcome(tmp_path: Path, tiny_model_dir: Path,
                                                                 capsys) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.md").write_text("# Note\n\nSouth-South cooperation shares knowledge.\n", encoding="utf-8")
    (docs / "bad.pdf").write_bytes(b"not a pdf at all")
    (docs / "sheet.xlsx").write_bytes(b"cells")
    report_path = tmp_path / "report.json"
    assert main(["ingest", str(docs), "--index", str(tmp_path / "idx"), "--model", str(tiny_model_dir), "--quiet",
                 "--workers", "1", "--report", str(report_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    ok_id = next(line.split(" -> ")[1] for line in lines if line.startswith("added") and "ok.md" in line)
    assert ok_id.startswith("ok-")
    assert any(line.startswith("FAILED") and "bad.pdf" in line for line in lines)
    assert any(line.startswith("skipped") and "sheet.xlsx" in line and "[unsupported]" in line for line in lines)
    files = {Path(item["path"]).name: item for item in json.loads(report_path.read_text())["files"]}
    assert set(files) == {"ok.md", "bad.pdf", "sheet.xlsx"}
    assert files["ok.md"]["outcome"] == "added" and files["ok.md"]["document_id"] == ok_id
    assert files["bad.pdf"]["outcome"] == "failed" and files["bad.pdf"]["reason"]
    assert files["sheet.xlsx"] == {**files["sheet.xlsx"], "outcome": "skipped", "reason": "unsupported"}


def test_documents_lists_ids_symbols_titles_and_sources(tiny_corpus_index: Path, tiny_model_dir: Path,
                                                        capsys) -> None:
    common = ["--index", str(tiny_corpus_index), "--model", str(tiny_model_dir)]
    assert main(["documents", *common]) == 0
    captured = capsys.readouterr()
    rows = captured.out.splitlines()[1:]
    assert len(rows) == 5 and "documents 1 to 5 of 5" in captured.err
    ecosoc = next(row for row in rows if "E/RES/1992/41" in row)
    assert ecosoc.startswith("ecosoc-resolution-1992-41-tcdc-") and "Technical cooperation" in ecosoc
    assert "ecosoc-resolution-1992-41-tcdc.txt" in ecosoc
    assert main(["list", *common, "--doc-type", "resolution", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["total"] == 2 and {d["doc_type"] for d in listing["documents"]} == {"resolution"}
    assert main(["documents", *common, "--limit", "2", "--offset", "4"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # the header and the fifth document
    assert main(["documents", *common, "--limit", "500"]) == 2
    assert "--limit" in capsys.readouterr().err


def test_search_pages_counts_facets_and_names_the_country_code(tiny_corpus_index: Path, tiny_model_dir: Path,
                                                               capsys) -> None:
    common = ["--mode", "keyword", "--index", str(tiny_corpus_index), "--model", str(tiny_model_dir)]
    assert main(["search", "technical cooperation", "-k", "3", "--offset", "2", "--facets", *common]) == 0
    out = capsys.readouterr().out
    assert out.startswith("  3. ") and "\n  5. " in out and "\n  6. " not in out
    assert "next page: --offset 5" in out and "\ndoc_type: resolution " in out and "\nkind: " in out
    assert main(["search", "cooperation", "--country", "Brazil", "-k", "3", *common]) == 0
    captured = capsys.readouterr()
    assert "BRA" in captured.err and "Brazil" in captured.err and "Brazil" in captured.out
    assert main(["search", "cooperation", "--country", "bra", "--json", *common]) == 0
    assert json.loads(capsys.readouterr().out)["results"]
    assert main(["search", "cooperation", "--country", "Narnia", *common]) == 2
    assert "unknown country 'Narnia'" in capsys.readouterr().err
    assert main(["search", "cooperation", "--year-from", "1800", *common]) == 2
    assert "--year-from" in capsys.readouterr().err
    assert main(["search", "cooperation", "--offset", "5000", *common]) == 2
    assert "--offset" in capsys.readouterr().err


def test_remove_says_what_it_removed_and_deletes_an_uploaded_file(tmp_path: Path, tiny_model_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    uploads, elsewhere = tmp_path / "uploads", tmp_path / "elsewhere"
    uploads.mkdir()
    elsewhere.mkdir()
    (uploads / "uploaded.md").write_text("# Uploaded\n\nTriangular cooperation.\n", encoding="utf-8")
    (elsewhere / "kept.md").write_text("# Kept\n\nSouth-South cooperation.\n", encoding="utf-8")
    monkeypatch.setenv("COOPSEARCH_UPLOADS", str(uploads))
    common = ["--index", str(tmp_path / "idx"), "--model", str(tiny_model_dir), "--quiet"]
    assert main(["ingest", str(uploads), str(elsewhere), *common, "--workers", "1"]) == 0
    ids = [line.split(" -> ")[1] for line in capsys.readouterr().out.splitlines() if line.startswith("added")]
    assert main(["remove", *ids, *common]) == 0
    out = capsys.readouterr().out
    assert all(f"removed {doc_id}: " in out for doc_id in ids) and "Uploaded (" in out and "Kept (" in out
    assert "deleted its uploaded file" in out and out.count("deleted its uploaded file") == 1
    assert not (uploads / "uploaded.md").exists() and (elsewhere / "kept.md").exists()
    assert "files:" not in out  # not an ingest summary
    assert main(["remove", "no-such-document", *common]) == 1
    assert "no document with id 'no-such-document'" in capsys.readouterr().err


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command in a fresh interpreter that says on stderr, last, whether the embedding model was loaded."""
    script = ("import sys; from search_api.cli import main; code = main(sys.argv[1:]); "
              "print('model loaded' if 'sentence_transformers' in sys.modules else 'no model', file=sys.stderr); "
              "sys.exit(code)")
    return subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def test_quiet_is_quiet_bars_name_their_unit_and_keyword_search_loads_no_model(tmp_path: Path,
                                                                              tiny_model_dir: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COOPSEARCH_MODEL": str(tiny_model_dir),
           "COOPSEARCH_INDEX": str(tmp_path / "idx"), "PYTHONPATH": str(REPO)}
    quiet = _run("ingest", str(CORPUS / "ecosoc-resolution-1992-41-tcdc.txt"), "--quiet", "--workers", "1", env=env)
    assert quiet.returncode == 0 and quiet.stderr.strip() == "model loaded", quiet.stderr
    loud = _run("ingest", str(CORPUS), "--workers", "1", env=env)
    assert loud.returncode == 0, loud.stderr
    # tqdm writes "3.2 files/s", or "1.5s/ files" when slower than one a second (passages/s are shown beside
    # the files once a group of passages has been embedded, which four small files never complete mid-run)
    assert re.search(r"\d+/\d+ \[.*( files/s|s/ files)", loud.stderr), loud.stderr
    keyword = _run("search", "technical cooperation", "--mode", "keyword", env=env)
    assert keyword.returncode == 0 and "1992/41" in keyword.stdout
    assert keyword.stderr.strip() == "no model", keyword.stderr
    hybrid = _run("search", "technical cooperation", env=env)
    assert hybrid.returncode == 0 and hybrid.stderr.strip() == "model loaded", hybrid.stderr
