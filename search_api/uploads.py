"""Uploads: save files under safe names in the uploads folder, ingest them, report each file's outcome.

A file replacing one of the same name is kept until the ingest has read the new one: when the new
one fails, or the ingest cannot run, the folder is put back as it was.
"""
from __future__ import annotations

import logging
import re
import secrets
import shutil
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from edge.errors import ApiError
from index.build import IngestOptions, IngestReport, ingest_paths
from ingest.pipeline import document_id
from ingest.readers import SUPPORTED_SUFFIXES
from search_api.schemas import UploadOutcome, UploadResponse
from search_api.settings import Settings

log = logging.getLogger("coopsearch")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
class Incoming:
    """One uploaded file on its way: its bytes, where it goes, and what became of it."""

    filename: str
    data: BinaryIO
    saved_as: str | None = None
    temp: Path | None = None
    target: Path | None = None
    backup: Path | None = None
    outcome: UploadOutcome | None = None

    def fail(self, reason: str, message: str) -> None:
        """Record a failure (only the first counts)."""
        if self.outcome is None:
            self.outcome = UploadOutcome(filename=self.filename, saved_as=self.saved_as, status="failed",
                                         reason=reason, message=message)


def ingest_uploads(settings: Settings, embedder, files: Sequence[tuple[str, BinaryIO]],  # type: ignore[no-untyped-def]
                   write_lock: threading.Lock) -> UploadResponse:
    """Save, ingest and report; 409 when another write from this server is running."""
    if not write_lock.acquire(blocking=False):
        raise ApiError(409, "index_locked", "another upload or removal is running; retry when it has finished",
                       None, {"Retry-After": "5"})
    folder = settings.uploads_dir().resolve()
    items = [Incoming(name or "", data) for name, data in files]
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.error("cannot create the uploads folder %s: %s", folder, exc)
            raise ApiError(503, "uploads_unavailable", "the server cannot write its uploads folder") from None
        _stage(items, folder)
        ready = [item for item in items if item.outcome is None]
        generation = None
        if ready:
            generation = _ingest(settings, embedder, ready)
        return UploadResponse(files=[item.outcome for item in items if item.outcome is not None],
                              generation=generation)
    finally:
        for item in items:
            if item.temp is not None:
                item.temp.unlink(missing_ok=True)
        write_lock.release()


def _stage(items: list[Incoming], folder: Path) -> None:
    """Check names and write each accepted file to a hidden temporary file in the folder."""
    taken: set[str] = set()
    for item in items:
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
            item.target = folder / item.saved_as
            item.temp = folder / f".incoming-{secrets.token_hex(8)}{Path(item.saved_as).suffix}"
            try:
                with open(item.temp, "xb") as out:
                    shutil.copyfileobj(item.data, out, 1024 * 1024)
            except OSError as exc:
                log.error("cannot save an upload in %s: %s", folder, exc)
                item.fail("unsaved", "the server could not save the file (see its log)")


def _ingest(settings: Settings, embedder, ready: list[Incoming]) -> str | None:  # type: ignore[no-untyped-def]
    """Move files into place, ingest them, settle each outcome; put everything back if the ingest fails."""
    for item in ready:
        assert item.target is not None and item.temp is not None
        if item.target.exists():
            item.backup = item.target.with_name(f".backup-{secrets.token_hex(8)}-{item.target.name}")
            item.target.replace(item.backup)
        item.temp.replace(item.target)
        item.temp = None
    options = IngestOptions(max_bytes=settings.max_file_bytes, timeout_s=settings.parse_timeout_s,
                            workers=max(1, min(settings.workers, len(ready))))
    try:
        report = ingest_paths(settings.index, [item.target for item in ready if item.target], embedder, options)
    except BaseException:
        for item in ready:
            _restore(item)
        raise
    for item in ready:
        _settle(item, report)
    return report.manifest.generation if report.manifest is not None else None


def _settle(item: Incoming, report: IngestReport) -> None:
    assert item.target is not None
    doc_id = document_id(item.target)
    for status, ids in (("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged)):
        if doc_id in ids:
            item.outcome = UploadOutcome(filename=item.filename, saved_as=item.saved_as, document_id=doc_id,
                                         status=status)  # type: ignore[arg-type]
            if item.backup is not None:
                item.backup.unlink(missing_ok=True)
            return
    problem = next((p for p in [*report.failed, *report.skipped] if _same(p.path, item.target)), None)
    item.fail(problem.reason if problem else "not_ingested", problem.message if problem else "the ingest skipped it")
    _restore(item)


def _restore(item: Incoming) -> None:
    """Put the folder back: the previous file if there was one, else nothing."""
    if item.target is None:
        return
    if item.backup is not None:
        item.backup.replace(item.target)
        item.backup = None
    else:
        item.target.unlink(missing_ok=True)


def _same(path: str, target: Path) -> bool:
    try:
        return Path(path).resolve() == target.resolve()
    except (OSError, ValueError):
        return False
