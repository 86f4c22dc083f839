"""Document endpoints: list, one document, its passages, its file, its references; upload and delete."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path as FsPath
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from edge.access import policy
from edge.errors import ApiError
from edge.provenance import as_dict
from index.build import remove_documents
from index.errors import NotFound
from ingest.roots import resolved_inside
from search_api import schemas
from search_api.jobs import Job, new_job_id
from search_api.routes import READ_ERRORS, engine_of, errors
from search_api.upload_schemas import DocumentWithProvenance, JobAccepted, JobOut, ProvenanceOut
from search_api.uploads import delete_uploaded_file, stage_files
from web.search_params import DocumentQuery

read_router = APIRouter(dependencies=[policy("read")], tags=["documents"])
write_router = APIRouter(dependencies=[policy("write")], tags=["documents"])

DOC_ID = Path(..., min_length=1, max_length=200, description="A document id, as search results give it",
              examples=["ecosoc-resolution-1992-41-tcdc-3f2a1b"])
WRITE_ERRORS = (401, 403, 409, 422, 429, 503)
DELETE_WAIT_S = 120.0
log = logging.getLogger("coopsearch")

# Media types of the files served, and whether a browser may show them in place.
FILE_TYPES = {".pdf": ("application/pdf", "inline"), ".txt": ("text/plain; charset=utf-8", "inline"),
              ".md": ("text/plain; charset=utf-8", "inline"), ".html": ("text/html; charset=utf-8", "attachment"),
              ".htm": ("text/html; charset=utf-8", "attachment"),
              ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment")}
FILE_CONTENT = {media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media, _ in FILE_TYPES.values()} | {"application/octet-stream": {"schema": {"type": "string"}}}

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["files"], "properties": {"files": {
        "type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1,
        "description": "One or more .pdf, .txt, .md, .html or .docx files (repeat the field)"},
        "password": {"type": "string", "description": "The password of the encrypted PDFs in this upload"}},
        "additionalProperties": False},
    "encoding": {"files": {"contentType": "application/octet-stream"}}}}}}


@read_router.get("/documents", response_model=schemas.DocumentList, responses=errors(*READ_ERRORS))
def list_documents(request: Request, params: Annotated[DocumentQuery, Query()]) -> schemas.DocumentList:
    """Documents passing the filters, newest first, a page at a time."""
    total, documents = engine_of(request).list_documents(params.filters(), params.offset, params.limit)
    end = params.offset + len(documents)
    return schemas.DocumentList(total=total, offset=params.offset, limit=params.limit,
                                next_offset=end if end < total else None,
                                documents=[schemas.document_summary(d) for d in documents])


@read_router.get("/documents/{doc_id}", response_model=DocumentWithProvenance, responses=errors(404, *READ_ERRORS))
def document(request: Request, doc_id: str = DOC_ID) -> DocumentWithProvenance:
    """A document's metadata, its passages in reading order, and where it came from (corpus, upload by which key)."""
    found = engine_of(request).document(doc_id)
    provenance = ProvenanceOut.model_validate(as_dict(request.app.state.provenance.of(found[0].source)))
    return DocumentWithProvenance(**schemas.document_detail(*found).model_dump(), provenance=provenance)


@read_router.get("/documents/{doc_id}/chunks", response_model=schemas.ChunkList, responses=errors(404, *READ_ERRORS))
def document_chunks(request: Request, doc_id: str = DOC_ID,
                    offset: int = Query(0, ge=0, le=1_000_000, description="Passages to skip"),
                    limit: int = Query(100, ge=1, le=1000, description="Page size")) -> schemas.ChunkList:
    """A document's passages in reading order, a page at a time."""
    chunks = engine_of(request).document(doc_id)[1]
    page = chunks[offset:offset + limit]
    end = offset + len(page)
    return schemas.ChunkList(document_id=doc_id, total=len(chunks), offset=offset, limit=limit,
                             next_offset=end if end < len(chunks) else None,
                             chunks=[schemas.chunk_out(c) for c in page])


@read_router.get("/documents/{doc_id}/references", response_model=schemas.References,
                 responses=errors(404, *READ_ERRORS))
def references(request: Request, doc_id: str = DOC_ID) -> schemas.References:
    """What the document recalls or cites (with the indexed document when there is one), and what recalls it."""
    links = engine_of(request).links(doc_id)
    return schemas.References(document_id=doc_id, recalls=[schemas.link_out(x) for x in links.recalls],
                              recalled_by=[schemas.link_out(x) for x in links.recalled_by])


@read_router.get("/documents/{doc_id}/file", response_class=FileResponse,
                 responses={200: {"description": "The original file", "content": FILE_CONTENT},
                            **errors(403, 404, *READ_ERRORS)})
def document_file(request: Request, doc_id: str = DOC_ID) -> FileResponse:
    """The original file. Served only from the path stored for a known document, and only when that path,
    symbolic links resolved, lies inside an allowed folder (the corpus, the uploads folder, `file_roots`)."""
    source = engine_of(request).document_source(doc_id)
    path = servable_path(source, request.app.state.settings.allowed_file_roots())
    media_type, disposition = FILE_TYPES.get(path.suffix.lower(), ("application/octet-stream", "attachment"))
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}
    if media_type != "application/pdf":
        headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return FileResponse(path, media_type=media_type, filename=path.name, content_disposition_type=disposition,
                        headers=headers)


def servable_path(source: str, roots: Sequence[FsPath]) -> FsPath:
    """The stored source, resolved, if it is a regular file inside one of the roots (ingest.roots' rule).

    Ingest stores absolute paths; a relative one would depend on the server's working folder, so none is served."""
    path = FsPath(source)
    if not path.is_absolute() or not path.exists():
        raise ApiError(404, "file_missing", "the document's file is no longer available")
    inside = resolved_inside(path, roots)
    if inside is None:
        raise ApiError(403, "file_outside_roots", "the document's file lies outside the folders this server serves")
    if not inside.is_file():
        raise ApiError(404, "file_missing", "the document's file is no longer available")
    return inside


@write_router.post("/documents", response_model=JobAccepted, status_code=202, openapi_extra=UPLOAD_BODY,
                   responses=errors(400, 413, 415, *WRITE_ERRORS))
async def upload(request: Request) -> JobAccepted:
    """Upload one or more files (multipart/form-data, field `files`; `password` for encrypted PDFs): they are
    stored and a job is queued that ingests them in the background. Poll `GET /api/v1/jobs/{id}`.

    A file with the name of an earlier upload replaces it once its job is done. Needs a `write` key."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send the files as multipart/form-data in the field `files`")
    state = request.app.state
    form = await request.form(max_files=state.settings.max_upload_files, max_fields=20)
    try:
        files, password = _upload_fields(form)
        job_id = new_job_id()
        folder = _uploads_folder(state.settings.uploads_dir())
        items = await run_in_threadpool(stage_files, folder, job_id, files)
    finally:
        await form.close()
    caller = request.state.caller
    job = Job(job_id, folder, items, password=password, key_id=caller.key.id if caller.key else None,
              key_name=caller.key.name if caller.key else None)
    state.uploads.submit(job)
    return JobAccepted(job_id=job_id, status=job.status, url=f"{request.url.path.rsplit('/', 1)[0]}/jobs/{job_id}",
                       files=[item.outcome for item in items if item.outcome is not None])


def _upload_fields(form: FormData) -> tuple[list[tuple[str, BinaryIO]], str | None]:
    """The files of the field `files` and the optional `password`; a file under any other field is refused."""
    files: list[tuple[str, BinaryIO]] = []
    password: str | None = None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name != "files":
                raise ApiError(422, "invalid_request", f"files go in the field `files`, not {name!r}",
                               [{"loc": ["body", name], "msg": "unexpected file field", "type": "value_error"}])
            files.append((value.filename or "", value.file))
        elif name == "password":
            password = value or None
        else:
            raise ApiError(422, "invalid_request", f"unknown field {name!r}: send `files` and optionally `password`",
                           [{"loc": ["body", name], "msg": "unknown field", "type": "value_error"}])
    if not files:
        raise ApiError(422, "invalid_request", "no files: send one or more files in the field `files`")
    return files, password


def _uploads_folder(folder: FsPath) -> FsPath:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder.resolve()
    except OSError as exc:
        log.error("cannot create the uploads folder %s: %s", folder, exc)
        raise ApiError(503, "uploads_unavailable", "the server cannot write its uploads folder") from None


@write_router.get("/jobs/{job_id}", response_model=JobOut, responses=errors(404, *WRITE_ERRORS))
def upload_job(request: Request, job_id: str = Path(..., min_length=1, max_length=40,
                                                     examples=["job_3f2a1b4c5d6e7f80"])) -> JobOut | Response:
    """An upload job: `queued`, `running`, `done` or `failed`, its progress, and each file's outcome.
    A browser (Accept: text/html) gets the same as a page that refreshes itself until the job is done.
    Needs a `write` key."""
    job = request.app.state.uploads.get(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no upload job with id {job_id!r} (jobs are kept in memory: "
                                         "a restarted server has forgotten earlier ones)")
    view = job.view()
    if _wants_html(request):
        return request.app.state.templates.TemplateResponse(request, "job.html", {"job": view})
    return view


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@write_router.delete("/documents/{doc_id}", response_model=schemas.Deleted, responses=errors(404, *WRITE_ERRORS))
def delete_document(request: Request, doc_id: str = DOC_ID) -> schemas.Deleted:
    """Remove a document with its passages, vectors and keyword rows; an uploaded file is deleted too.
    Needs a `write` key."""
    state = request.app.state
    source = engine_of(request).document_source(doc_id)
    if not state.write_lock.acquire(timeout=DELETE_WAIT_S):  # an upload job runs: wait for it, within reason
        raise ApiError(409, "index_locked", "an upload job has held the index for a long time; retry later",
                       None, {"Retry-After": "30"})
    try:
        report = remove_documents(state.settings.index, [doc_id], state.embedder, state.settings.vector_config(),
                                  state.settings.backend_config())
        engine_of(request).refresh()  # the deleting request's answer holds for every request after it
    finally:
        state.write_lock.release()
    if doc_id not in report.removed:  # removed by someone else since the lookup
        raise NotFound(f"no document with id {doc_id!r}")
    deleted = delete_uploaded_file(source, state.settings.uploads_dir())
    return schemas.Deleted(id=doc_id, removed=True, file_deleted=deleted,
                           generation=report.manifest.generation if report.manifest else None)
