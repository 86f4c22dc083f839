"""Upload jobs: one background worker ingests them one at a time, in the order they came.

An upload request only stages its files and queues a job (202); the worker waits for the index's write
lock (another upload, a removal, or a `coopsearch ingest`), ingests the staged files, moves the committed
ones into the uploads folder, and records each file's outcome. Jobs are kept in memory (the newest
`KEEP_JOBS`); after a restart the uploads folder is reconciled with the index instead.
"""
from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from edge.provenance import ProvenanceBook
from index.build import IngestReport, ingest_paths
from index.embedder import Embedder
from index.errors import IndexLocked
from search_api.settings import Settings
from search_api.upload_schemas import JobOut, JobProgress, JobStatus, UploadProvenance
from search_api.uploads import StagedFile, discard_staging, settle

log = logging.getLogger("coopsearch")
KEEP_JOBS = 1000
LOCK_RETRY_S = 2.0


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_job_id() -> str:
    """A job id that cannot be guessed from another."""
    return "job_" + secrets.token_hex(8)


@dataclass
class Job:
    """One upload: its staged files, its state, and who sent it."""

    id: str
    folder: Path
    items: list[StagedFile]
    password: str | None = None
    key_id: str | None = None
    key_name: str | None = None
    status: JobStatus = "queued"
    stage: str = "queued"
    generation: str | None = None
    error: str | None = None
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None

    def view(self) -> JobOut:
        """The job as the API shows it."""
        settled = sum(1 for item in self.items if not item.pending)
        return JobOut(id=self.id, status=self.status,
                      progress=JobProgress(stage=self.stage, files_total=len(self.items),
                                           files_done=settled),
                      files=[item.outcome for item in self.items if item.outcome is not None],
                      generation=self.generation, error=self.error,
                      provenance=UploadProvenance(key_id=self.key_id, key_name=self.key_name,
                                                  uploaded_at=self.created_at),
                      created_at=self.created_at, finished_at=self.finished_at)


class UploadWorker:
    """The one background worker and the jobs it knows (started on the first job)."""

    def __init__(self, settings: Settings, embedder: Embedder, write_lock: threading.Lock,
                 provenance: ProvenanceBook | None = None, committed: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.committed = committed  # loads the new generation, so a job said done is searchable at once
        self.provenance = provenance
        self.embedder = embedder
        self.write_lock = write_lock
        self._queue: queue.Queue[Job] = queue.Queue()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, job: Job) -> None:
        """Queue a job (a job with nothing pending finishes at once)."""
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="coopsearch-uploads", daemon=True)
                self._thread.start()
        self._queue.put(job)

    def get(self, job_id: str) -> Job | None:
        """A known job, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self.process(job)
            except Exception as exc:  # the worker must outlive any one job
                log.exception("upload job %s failed", job.id)
                job.status, job.error = "failed", f"the job failed: {type(exc).__name__} (see the server log)"
                for item in job.items:
                    if item.pending:
                        item.fail("job_failed", "the job failed before this file was ingested")
            finally:
                discard_staging(job.folder, job.id)
                job.stage, job.finished_at = "finished", _now()

    def process(self, job: Job) -> None:
        """Ingest a job's pending files under the write lock, then move the committed ones into place."""
        pending = [item for item in job.items if item.pending and item.staged is not None]
        if not pending:
            job.status = "done"
            return
        job.status, job.stage = "running", "waiting_for_lock"
        with self.write_lock:
            report = self._ingest(job, pending)
            job.stage = "moving_files"
            settle(job.items, report)
            self._record_provenance(job)
            if self.committed is not None and report.manifest is not None:
                self.committed()
        job.generation = report.manifest.generation if report.manifest is not None else None
        job.status = "done"

    def _record_provenance(self, job: Job) -> None:
        if self.provenance is None:
            return
        entries: dict[str, dict[str, object]] = {}
        for item in job.items:
            if item.outcome is None or item.outcome.status not in ("added", "updated") or item.saved_as is None:
                continue
            conflict = next((w for w in item.outcome.warnings if w.startswith("symbol_conflict")), None)
            entries[item.saved_as] = {"key_id": job.key_id, "key_name": job.key_name, "uploaded_at": job.created_at,
                                      "symbol_conflict": conflict is not None, "symbol_note": conflict}
        if entries:
            self.provenance.record(entries)

    def _ingest(self, job: Job, pending: list[StagedFile]) -> IngestReport:
        settings = self.settings
        options = settings.ingest_options(
            workers=max(1, min(settings.workers, len(pending))), max_chunks=settings.max_upload_chunks,
            claim_symbols=False,
            passwords={item.saved_as: job.password for item in pending if job.password and item.saved_as},
            record_as={item.staged.resolve(): item.target for item in pending if item.staged and item.target})
        while True:  # a `coopsearch ingest` may hold the index's lock: wait for it, as a queue does
            try:
                job.stage = "ingesting"
                return ingest_paths(settings.index, [item.staged for item in pending if item.staged], self.embedder,
                                    options)
            except IndexLocked:
                job.stage = "waiting_for_lock"
                time.sleep(LOCK_RETRY_S)
