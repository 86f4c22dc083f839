"""The JSON shapes of uploads: the 202 answer to an upload, a job's status, and a document's provenance."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from search_api.schemas import DocumentDetail, UploadOutcome

JobStatus = Literal["queued", "running", "done", "failed"]


class JobProgress(BaseModel):
    """Where a job is: its stage and how many of its files are settled."""

    stage: Literal["queued", "waiting_for_lock", "ingesting", "moving_files", "finished"]
    files_total: int
    files_done: int


class UploadProvenance(BaseModel):
    """Who uploaded, and when."""

    key_id: str | None = Field(None, description="The id of the API key that uploaded")
    key_name: str | None = Field(None, description="The name the key was created with")
    uploaded_at: str


class JobOut(BaseModel):
    """An upload job: status, progress and each file's outcome (in the order sent; settled ones first known)."""

    id: str
    status: JobStatus = Field(description="queued, running, done (every file settled) or failed (the job itself)")
    progress: JobProgress
    files: list[UploadOutcome] = Field(description="One per file; `status` is final once the job is done")
    generation: str | None = Field(None, description="The index generation holding the upload, once done")
    error: str | None = Field(None, description="Why the job itself failed (not a file's reason)")
    provenance: UploadProvenance
    created_at: str
    finished_at: str | None = None


class JobAccepted(BaseModel):
    """The answer to an upload: the job to poll."""

    job_id: str
    status: JobStatus
    url: str = Field(description="GET this for the job's status")
    files: list[UploadOutcome] = Field(description="Files refused at once (bad name, unsupported, …) are "
                                                   "already failed; the others are pending in the job")


class ProvenanceOut(BaseModel):
    """Where a document came from."""

    origin: Literal["corpus", "upload", "folder"] = Field(
        description="corpus: the server's corpus folder; upload: sent over the API; folder: another folder ingested")
    folder: str = Field(description="The folder's name")
    key_id: str | None = Field(None, description="For an upload: the id of the key that sent it")
    key_name: str | None = Field(None, description="For an upload: the name of that key")
    uploaded_at: str | None = None
    symbol_conflict: bool = Field(False, description="The upload carried a symbol another document holds; "
                                                     "it was stored without it, so it never outranks that document")
    symbol_note: str | None = None


class DocumentWithProvenance(DocumentDetail):
    """A document's metadata, its passages in order, and where it came from."""

    provenance: ProvenanceOut
