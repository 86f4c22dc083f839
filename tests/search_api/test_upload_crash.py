"""`kill -9` at several points of an upload job, new file and replacement: after a restart (which reconciles
the uploads folder), every file in the uploads folder holds exactly the bytes the index holds for it, and
nothing is left staged.

The job runs in a subprocess that SIGKILLs itself at a named point: after staging, inside the index's
commit (`index.generation._step`), after the commit but before any file is moved (`settled`), and after the
move (`moved`); the script replaces the modules' `_step` functions as the index's crash tests do.
"""
from __future__ import annotations

import hashlib
import io
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from support import CORPUS, REPO, make_engine

from ingest.pipeline import document_id
from search_api.app import create_app
from search_api.jobs import Job, UploadWorker, new_job_id
from search_api.settings import Settings
from search_api.uploads import reconcile_uploads, stage_files

SCRIPT = '''
import io, os, signal, sys, threading
from pathlib import Path

import index.generation as generation
import search_api.uploads as uploads
from index.embedder import Embedder
from search_api.jobs import Job, UploadWorker, new_job_id
from search_api.settings import Settings


def die(step):
    if step == CRASH_AT:
        os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":  # the ingest's reader processes import this file again
    index_dir, model_dir, uploads_dir, CRASH_AT, name, data = sys.argv[1:7]
    generation._step = die
    uploads._step = die
    settings = Settings(index=Path(index_dir), model=Path(model_dir), uploads=Path(uploads_dir), workers=1)
    folder = Path(uploads_dir).resolve()
    job_id = new_job_id()
    items = uploads.stage_files(folder, job_id, [(name, io.BytesIO(data.encode()))])
    die("staged")
    UploadWorker(settings, Embedder(Path(model_dir)), threading.Lock()).process(Job(job_id, folder, items))
    uploads.discard_staging(folder, job_id)
    print("finished")
'''

OLD = "Okapi programme. The okapi teams share experts among developing countries."
NEW = "Zebra programme. The zebra teams share lessons learned with alpha partners."
# Every point for a replacement (the harder case: old bytes and an old index entry exist); the two that
# matter most for a new file (inside the commit, and after it but before the move).
CASES = [("vectors-saved", False), ("settled", False), ("staged", True), ("vectors-saved", True),
         ("switched", True), ("settled", True), ("moved", True)]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _upload_in_process(settings: Settings, embedder, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    folder = settings.uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    job_id = new_job_id()
    items = stage_files(folder.resolve(), job_id, [(name, io.BytesIO(text.encode()))])
    UploadWorker(settings, embedder, threading.Lock()).process(Job(job_id, folder.resolve(), items))


def _assert_in_step(settings: Settings, embedder) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Restart (create_app reconciles), then: nothing staged, and each upload's bytes are the index's."""
    create_app(settings, embedder)
    folder = settings.uploads_dir().resolve()
    assert not (folder / ".staging").exists()
    hashes = make_engine(settings.index, embedder).holder.current().store.document_hashes()
    files = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    for name, data in files.items():
        assert hashes.get(document_id(folder / name)) == _sha(data), name
    sources = make_engine(settings.index, embedder).holder.current().store.document_sources()
    for doc_id, source in sources.items():
        if Path(source).parent == folder:
            assert Path(source).name in files, f"the index holds {doc_id} but its file is gone"
    return {name: data.decode() for name, data in files.items()}


@pytest.mark.parametrize(("point", "replace"), CASES, ids=[f"{p}-{'replacement' if r else 'new'}" for p, r in CASES])
def test_an_upload_killed_at_each_point_leaves_the_folder_in_step_after_a_restart(
        tmp_path: Path, tiny_corpus_index: Path, tiny_model_dir: Path, tiny_embedder, point: str,  # type: ignore[no-untyped-def]
        replace: bool) -> None:
    index = tmp_path / "index"
    shutil.copytree(tiny_corpus_index, index, ignore=shutil.ignore_patterns(".lock"))
    settings = Settings(index=index, model=tiny_model_dir, corpus=CORPUS, uploads=tmp_path / "uploads", workers=1)
    if replace:
        _upload_in_process(settings, tiny_embedder, "programme.txt", OLD)
    script = tmp_path / "crash_upload.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(index), str(tiny_model_dir), str(tmp_path / "uploads"),
                           point, "programme.txt", NEW], capture_output=True, timeout=120, cwd=REPO)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-3000:]

    files = _assert_in_step(settings, tiny_embedder)
    committed = point in ("switched", "settled", "moved")
    expected = NEW if committed else (OLD if replace else None)
    assert files.get("programme.txt") == expected, (point, files)


def test_reconcile_handles_the_previous_layouts_leftovers(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "kept.txt").write_text("new bytes")
    (folder / ".backup-0123abcd-kept.txt").write_text("old bytes")  # the index still holds the old bytes
    (folder / ".incoming-89ab.txt").write_text("half an upload")
    (folder / "stray.txt").write_text("never indexed")
    (folder / "notes.xlsx").write_text("not a document type: left alone")
    hashes = {document_id(folder / "kept.txt"): _sha(b"old bytes")}
    actions = reconcile_uploads(folder, hashes)
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["kept.txt", "notes.xlsx"]
    assert (folder / "kept.txt").read_text() == "old bytes"
    assert (folder / ".unindexed" / "stray.txt").read_text() == "never indexed"  # set aside, not lost
    assert len(actions) == 3
