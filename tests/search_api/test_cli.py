"""The command line on a real index, and `serve` as a real HTTP server in a subprocess."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from search_api.cli import main, parse_passwords
from support import CORPUS, REPO


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
