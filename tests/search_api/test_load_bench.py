"""bench/load.py against a real `coopsearch serve` (uvicorn in a subprocess on 127.0.0.1), small and bounded."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from support import CORPUS, REPO

LOAD = REPO / "bench" / "load.py"


def test_load_bench_runs_against_a_real_server(tmp_path: Path, tiny_model_dir: Path, tiny_corpus_index: Path) -> None:
    shutil.copytree(tiny_corpus_index, tmp_path / "index", ignore=shutil.ignore_patterns(".lock"))
    out = tmp_path / "load.json"
    command = [sys.executable, str(LOAD), "-n", "40", "-c", "4", "--max-seconds", "120", "--index",
               str(tmp_path / "index"), "--corpus", str(CORPUS), "--model", str(tiny_model_dir), "--out", str(out),
               "--startup-seconds", "300"]
    done = subprocess.run(command, cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    overall = result["overall"]
    assert overall["requests"] == 40 and overall["errors"] == 0, result
    assert 0 < overall["p50_ms"] <= overall["p95_ms"] <= overall["p99_ms"] <= overall["max_ms"]
    assert result["server"]["documents"] == 5 and result["config"]["started_server"] is True
    assert sum(row["requests"] for row in result["by_kind"].values()) == 40
    assert "p95 ms" in done.stdout and "all" in done.stdout


def test_load_bench_refuses_other_hosts(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(LOAD), "--url", "http://example.com:8000", "--out",
                           str(tmp_path / "x.json")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "refusing" in done.stderr
    assert not (tmp_path / "x.json").exists()
