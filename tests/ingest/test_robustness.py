"""Every real broken, encrypted or odd PDF ends indexed or as a per-file error with a clear reason."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from index.build import IngestOptions, ingest_paths
from index.manifest import read_manifest
from index.snapshot import IndexSnapshot
from support import require_shared

# From ../shared/README.md.
PASSWORDS = {
    "r2-user-password.pdf": "asdfzxcv", "r3-user-password.pdf": "asdfzxcv", "r4-user-password.pdf": "asdfzxcv",
    "r5-user-password.pdf": "asdfzxcv", "r6-user-password.pdf": "asdfzxcv", "r4-aes-user-password.pdf": "asdfzxcv",
    "r6-both-passwords.pdf": "foo", "libreoffice-writer-password.pdf": "openpassword",
    "encrypted-file.pdf": "test", "password-example.pdf": "test", "crazyones-encrypted-256.pdf": "password",
}
REASONS = {"encrypted", "damaged", "no_text", "empty", "timeout", "too_large", "decode"}


@pytest.fixture(scope="module")
def robustness_run(tmp_path_factory: pytest.TempPathFactory, tiny_embedder):  # type: ignore[no-untyped-def]
    folder = require_shared("data", "pdf-robustness")
    index_dir = tmp_path_factory.mktemp("robust-index")
    without = ingest_paths(index_dir, [folder / "encrypted"], tiny_embedder, IngestOptions(timeout_s=30))
    report = ingest_paths(index_dir, [folder], tiny_embedder, IngestOptions(passwords=PASSWORDS, timeout_s=30))
    return folder, index_dir, without, report


def test_every_file_is_accounted_for(robustness_run) -> None:  # type: ignore[no-untyped-def]
    folder, index_dir, _, report = robustness_run
    on_disk = [p for p in folder.rglob("*") if p.is_file()]
    accounted = len(report.added) + len(report.updated) + len(report.unchanged) + len(report.failed) + len(report.skipped)
    assert report.files_seen == len(on_disk) == accounted
    assert all(problem.reason in REASONS for problem in report.failed), [p.reason for p in report.failed]
    assert all(problem.message for problem in report.failed + report.skipped)
    reasons = Counter(p.reason for p in report.failed)
    print(f"\npdf-robustness: {len(on_disk)} files, indexed {len(report.added) + len(report.updated) + len(report.unchanged)}, "
          f"failed {dict(reasons)}, skipped {len(report.skipped)}")
    manifest = read_manifest(index_dir)
    snapshot = IndexSnapshot.open(index_dir, manifest.model)
    assert snapshot.store.count_chunks() == snapshot.vectors.count() == manifest.chunks > 0
    json.dumps(report.to_dict(), default=str)  # the --report JSON can always be written


def _outcome(report, name: str) -> str:  # type: ignore[no-untyped-def]
    for problem in report.failed:
        if Path(problem.path).name == name:
            return problem.reason
    return "indexed"


def test_encrypted_files_need_their_password(robustness_run) -> None:  # type: ignore[no-untyped-def]
    _, _, without, report = robustness_run
    for name in PASSWORDS:
        # The revision 5 and 6 samples have an empty owner password, so they open without one.
        if name not in ("r5-user-password.pdf", "r6-user-password.pdf"):
            assert _outcome(without, name) == "encrypted", name
        assert _outcome(report, name) == "indexed", name
    message = next(p.message for p in without.failed if Path(p.path).name == "r4-user-password.pdf")
    assert "password" in message
    for name in ("r2-empty-password.pdf", "r6-owner-password.pdf", "unencrypted.pdf"):
        assert _outcome(without, name) == "indexed", name


def test_scanned_and_empty_files_say_so(robustness_run) -> None:  # type: ignore[no-untyped-def]
    _, _, _, report = robustness_run
    assert _outcome(report, "A_45_696_Add.1.en.pdf") == "no_text"
    message = next(p.message for p in report.failed if Path(p.path).name == "A_45_696_Add.1.en.pdf")
    assert "OCR" in message
    assert _outcome(report, "empty.pdf") == "empty"
    assert _outcome(report, "issue-297-example.pdf") in ("indexed", "damaged", "no_text")
