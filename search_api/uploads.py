"""Uploads: files are staged under safe names, ingested by a job, and moved into the uploads folder only
after the index has committed them, so the folder never holds bytes the index does not.

Layout of the uploads folder: `NAME.ext` (files the index holds) and `.staging/JOB/NAME.ext` (files waiting
for their job). `reconcile_uploads` puts the folder back in step after a crash: a staged file whose
bytes the index already holds (the crash came after the commit) is moved into place; any other staged
file and leftover of the previous layout is removed; a file the index does not hold is set aside in
`.unindexed/` (never deleted: after an index rebuild it may be an upload's only copy).
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from index.build import IngestReport
from ingest.pipeline import document_id, sha256_of
from ingest.readers import SUPPORTED_SUFFIXES
from ingest.roots import resolved_inside
from search_api.schemas import UploadOutcome

log = logging.getLogger("coopsearch")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
STAGING = ".staging"
UNINDEXED = ".unindexed"
# The reader's messages name the command line's options; an uploader has the form's fields instead.
UPLOAD_MESSAGES = {"encrypted": "the PDF is encrypted: send its password in the form field `password` "
                                "(a wrong password gives this answer too)"}


def _step(name: str) -> None:
    """A named point of an upload job (the crash tests replace this to kill the process there)."""


def safe_name(filename: str | None) -> str | None:
    """A file name safe to create in the uploads folder: last path part, [A-Za-z0-9._-], no leading dot."""
    base = PurePosixPath((filename or "").replace("\\", "/").replace("\x00", "")).name
    stem, dot, suffix = unicodedata.normalize("NFKC", base).rpartition(".")
    stem = _UNSAFE.sub("-", stem).strip(".-_")[:100]
    suffix = suffix.lower()
    if not dot or not stem or not re.fullmatch(r"[a-z0-9]{1,8}", suffix):
        return None
    return f"{stem}.{suffix}"


@dataclass
class StagedFile:
    """One uploaded file on its way: the name sent, its safe name, its staged copy, where it goes, its outcome."""

    filename: str
    saved_as: str | None = None
    staged: Path | None = None
    target: Path | None = None
    outcome: UploadOutcome | None = None

    def fail(self, reason: str, message: str) -> None:
        """Record a failure (only the first counts)."""
        if self.outcome is None or self.outcome.status == "pending":
            self.outcome = UploadOutcome(filename=self.filename, saved_as=self.saved_as, status="failed",
                                         reason=reason, message=message)

    def settle(self, status: str, doc_id: str, warnings: list[str]) -> None:
        """Record that the index holds the file."""
        self.outcome = UploadOutcome(filename=self.filename, saved_as=self.saved_as, document_id=doc_id,
                                     status=status, reason=None, message=None,
                                     warnings=warnings)

    @property
    def pending(self) -> bool:
        """True while the file waits for its job."""
        return self.outcome is not None and self.outcome.status == "pending"


def stage_files(folder: Path, job_id: str, files: list[tuple[str, BinaryIO]]) -> list[StagedFile]:
    """Check names and copy each accepted file to `.staging/JOB/NAME` (fsynced); refused ones are failed at once."""
    staging = folder / STAGING / job_id
    staging.mkdir(parents=True, exist_ok=False)
    items = [StagedFile(name or "") for name, _ in files]
    taken: set[str] = set()
    for item, (_, data) in zip(items, files, strict=True):
        item.saved_as = safe_name(item.filename)
        if item.saved_as is None:
            item.fail("bad_name", "the file name has no usable name and extension")
        elif Path(item.saved_as).suffix not in SUPPORTED_SUFFIXES:
            item.fail("unsupported", f"unsupported file type {Path(item.saved_as).suffix!r}; "
                                     "send .pdf, .txt, .md, .html or .docx")
        elif item.saved_as in taken:
            item.fail("duplicate_name", f"another file in this upload is also saved as {item.saved_as!r}")
        else:
            taken.add(item.saved_as)
            item.staged, item.target = staging / item.saved_as, folder / item.saved_as
            _copy(data, item)
    return items


def _copy(data: BinaryIO, item: StagedFile) -> None:
    assert item.staged is not None
    try:
        with open(item.staged, "xb") as out:
            shutil.copyfileobj(data, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        item.outcome = UploadOutcome(filename=item.filename, saved_as=item.saved_as, status="pending", reason=None,
                                     message=None)
    except OSError as exc:
        log.error("cannot stage an upload in %s: %s", item.staged.parent, exc)
        item.staged.unlink(missing_ok=True)
        item.fail("unsaved", "the server could not save the file (see its log)")


def settle(items: list[StagedFile], report: IngestReport) -> None:
    """Each pending file's outcome from the ingest report, then the committed ones moved into place."""
    for item in items:
        if not item.pending or item.target is None or item.staged is None:
            continue
        doc_id = document_id(item.target)
        status = next((name for name, ids in (("added", report.added), ("updated", report.updated),
                                              ("unchanged", report.unchanged)) if doc_id in ids), None)
        if status is not None:
            item.settle(status, doc_id, [f"{w.reason}: {w.message}" for w in report.warnings
                                         if w.path == str(item.target)])
            continue
        problem = next((p for p in [*report.failed, *report.skipped]
                        if p.path in (str(item.staged), str(item.target))), None)
        if problem is None:
            item.fail("not_ingested", "the ingest skipped it")
        else:
            item.fail(problem.reason, UPLOAD_MESSAGES.get(problem.reason, problem.message))
    _step("settled")
    for item in items:
        if item.staged is not None and item.target is not None and item.outcome and item.outcome.status != "failed":
            os.replace(item.staged, item.target)  # atomic: the old bytes, or the new ones the index now holds
            _step("moved")


def discard_staging(folder: Path, job_id: str) -> None:
    """Remove a job's staging folder (what is left in it was not committed), and `.staging` once empty."""
    shutil.rmtree(folder / STAGING / job_id, ignore_errors=True)
    with contextlib.suppress(OSError):  # another job's files are staged there
        (folder / STAGING).rmdir()


def reconcile_uploads(folder: Path, hashes: Mapping[str, str]) -> list[str]:
    """Bring the uploads folder in step with the index (`hashes`: document id -> sha256). Returns what was done."""
    actions: list[str] = []
    if not folder.is_dir():
        return actions
    staging = folder / STAGING
    for staged in sorted(staging.glob("*/*")) if staging.is_dir() else []:
        target = folder / staged.name
        if staged.is_file() and hashes.get(document_id(target)) == sha256_of(staged.read_bytes()):
            os.replace(staged, target)
            actions.append(f"moved committed {staged.name} into place")
    if staging.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
        actions.append("removed the staging folder")
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.is_symlink():
            continue
        if path.name.startswith((".incoming-", ".backup-")):  # the previous layout's leftovers
            actions.append(_reconcile_old(folder, path, hashes))
        elif path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith(".") \
                and document_id(path) not in hashes:
            actions.append(_set_aside(folder, path))
    for action in actions:
        log.warning("uploads folder %s: %s", folder, action)
    return actions


def _set_aside(folder: Path, path: Path) -> str:
    """Move a file the index does not hold out of the served folder, into `.unindexed/` (never deleted: it may be
    the only copy of an upload whose index was rebuilt)."""
    aside = folder / UNINDEXED
    aside.mkdir(exist_ok=True)
    target = aside / path.name
    if target.exists():
        target = aside / f"{path.stem}-{int(path.stat().st_mtime)}{path.suffix}"
    os.replace(path, target)
    return f"moved {path.name} to {UNINDEXED}/: the index does not hold it (ingest it again if it is wanted)"


def _reconcile_old(folder: Path, path: Path, hashes: Mapping[str, str]) -> str:
    if path.name.startswith(".backup-"):
        target = folder / path.name.split("-", 2)[2]
        if hashes.get(document_id(target)) == sha256_of(path.read_bytes()):
            os.replace(path, target)
            return f"restored {target.name} from its backup: the index holds the backup's bytes"
    path.unlink()
    return f"removed {path.name}"


def delete_uploaded_file(source: str, uploads_dir: Path) -> bool:
    """Delete a removed document's file when it is in the uploads folder (never elsewhere), so that a later
    ingest of the folder does not bring it back; True when a file was deleted."""
    path = resolved_inside(Path(source), [uploads_dir])
    if path is None or not path.is_file():
        return False
    with contextlib.suppress(OSError):
        path.unlink()
        return True
    return False
