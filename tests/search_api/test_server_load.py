"""The bounded loopback load test (bench/server_load.py), short: 8 clients over pages and API while an
upload job and a removal run: no error but 429s, and the upload searchable when its job says done."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from support import CORPUS, REPO


def test_eight_clients_while_an_upload_and_a_delete_run(tmp_path: Path, tiny_model_dir: Path,
                                                        tiny_corpus_index: Path) -> None:
    shutil.copytree(tiny_corpus_index, tmp_path / "index", ignore=shutil.ignore_patterns(".lock"))
    out = tmp_path / "server_load.json"
    command = [sys.executable, str(REPO / "bench" / "server_load.py"), "--clients", "8", "--seconds", "12",
               "--index", str(tmp_path / "index"), "--corpus", str(CORPUS), "--model", str(tiny_model_dir),
               "--out", str(out), "--startup-seconds", "300"]
    done = subprocess.run(command, cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True,
                          text=True, timeout=600)
    result = json.loads(out.read_text())
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["errors"] == 0 and set(result["statuses"]) <= {"200", "429"}, result
    assert result["requests"] > 50
    writer = result["writer"]
    assert writer["upload_status"] == 202 and writer["job"]["status"] == "done"
    assert writer["searchable_when_done"] is True and writer["delete_status"] == 200 and writer["gone_after_delete"]
