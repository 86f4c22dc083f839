"""Ingest files into an index folder: parse (in workers), embed what changed, write a new generation.

The stages overlap: while the main process embeds and writes one group of parsed documents, the worker
processes parse the next files, so a folder costs about the larger of parse and embed, not their sum.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from index.backends import BackendConfig
from index.embedder import Embedder
from index.generation import GenerationWriter, acquire_lock
from index.manifest import Manifest
from index.sentences import sentence_vectors
from index.vectors import VectorConfig
from ingest.batch import ParseJob, ParseOutcome, parse_many
from ingest.pipeline import DEFAULT_MAX_BYTES, document_id, sha256_of
from ingest.readers import is_supported
from ingest.roots import resolved_inside
from ingest.types import Chunk, Document, ParsedDocument

ProgressFactory = Callable[[Iterable, int, str], Iterable]


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest: passwords by file name or path, limits, workers, pruning, the vector index's layout."""

    passwords: dict[str, str] = field(default_factory=dict)
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_s: float = 60.0
    workers: int = 2
    prune: bool = False
    vectors: VectorConfig = field(default_factory=VectorConfig)
    # Files read from one path but recorded under another (resolved paths): an upload is read from its
    # staging copy and recorded where it will be moved once the index has committed.
    record_as: dict[Path, Path] = field(default_factory=dict)
    max_chunks: int | None = None  # a file with more passages fails with reason too_large (before embedding)
    # False for uploads: a document may not take a symbol another document already holds (it keeps its text,
    # loses the symbol, and the report's `warnings` say symbol_conflict), so it cannot outrank the holder.
    claim_symbols: bool = True
    backend: BackendConfig = field(default_factory=BackendConfig)  # embedded, or the Milvus to write into
    # Embed and store the sentences of passages of more than one sentence (index.sentences), for the
    # sentence-level scoring of SearchConfig.sentence_rerank: about 1.6 more vectors to embed per passage
    # on the UN set (README, "Search quality"). False: faster ingest; those passages get no sentence evidence.
    sentence_vectors: bool = True


@dataclass(frozen=True)
class FileProblem:
    """A file that was skipped or failed, and why."""

    path: str
    reason: str
    message: str


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file: added, updated, unchanged, removed (with its document id), skipped or failed."""

    path: str
    outcome: str
    document_id: str | None = None
    reason: str | None = None
    message: str | None = None


@dataclass
class IngestReport:
    """What an ingest did; printed as a summary and written as JSON with --report."""

    files_seen: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_added: int = 0
    sentences_added: int = 0  # sentence vectors stored (index.sentences)
    skipped: list[FileProblem] = field(default_factory=list)
    failed: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)  # ingested, with a caveat (symbol_conflict)
    seconds: dict[str, float] = field(default_factory=dict)
    pages_read: int = 0
    manifest: Manifest | None = None
    sources: dict[str, str] = field(default_factory=dict)  # document id -> the file it came from

    def outcomes(self) -> list[FileOutcome]:
        """Every file (or removed document) with its outcome, in the order: documents, then problems."""
        found = [FileOutcome(self.sources.get(doc_id, doc_id), outcome, doc_id)
                 for outcome, ids in (("added", self.added), ("updated", self.updated),
                                      ("unchanged", self.unchanged), ("removed", self.removed)) for doc_id in ids]
        problems = [FileOutcome(p.path, outcome, None, p.reason, p.message)
                    for outcome, items in (("skipped", self.skipped), ("failed", self.failed)) for p in items]
        return found + problems

    def to_dict(self) -> dict:
        """A JSON-ready dict; `files` maps every file to its outcome."""
        data = asdict(self)
        data["files"] = [asdict(outcome) for outcome in self.outcomes()]
        data["counts"] = {
            "files_seen": self.files_seen, "added": len(self.added), "updated": len(self.updated),
            "unchanged": len(self.unchanged), "removed": len(self.removed), "chunks_added": self.chunks_added,
            "skipped": len(self.skipped), "failed": len(self.failed), "pages_read": self.pages_read,
        }
        return data


def collect_files(paths: Sequence[Path], report: IngestReport) -> list[Path]:
    """Expand folders recursively; unknown extensions, and links leading out of the folder, are noted as skipped."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
        elif path.exists():
            candidates = [path]
        else:
            report.failed.append(FileProblem(str(path), "missing", "no such file or folder"))
            continue
        for candidate in candidates:
            if path.is_dir() and resolved_inside(candidate, [path]) is None:
                report.skipped.append(FileProblem(str(candidate), "outside_root",
                                                  f"a link to a file outside {path}; ingest the target's folder"))
            elif path.is_dir() and candidate.name.lower() in ("readme.md", "readme.txt", "license", "license.txt"):
                report.skipped.append(FileProblem(str(candidate), "folder_readme",
                                                  "a folder's README or licence describes files; not a document"))
            elif not is_supported(candidate):
                report.skipped.append(FileProblem(str(candidate), "unsupported",
                                                  f"unsupported file type {candidate.suffix or '(none)'!r}"))
            else:
                files.append(candidate)
    return list(dict.fromkeys(files))


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def ingest_paths(index_dir: Path, paths: Sequence[Path], embedder: Embedder, options: IngestOptions = IngestOptions(),
                 progress: ProgressFactory | None = None) -> IngestReport:
    """Add or update the documents under `paths`; unchanged files are not parsed or embedded again."""
    report = IngestReport()
    return _write_generation(index_dir, embedder, report,
                             lambda writer: _apply(writer, paths, embedder, options, report, progress), options.vectors,
                             options.backend)


def remove_documents(index_dir: Path, doc_ids: Sequence[str], embedder: Embedder,
                     vectors: VectorConfig = VectorConfig(), backend: BackendConfig = BackendConfig()) -> IngestReport:
    """Remove documents with their chunks, vectors and keyword rows."""
    report = IngestReport()

    def remove(writer: GenerationWriter) -> bool:
        sources = writer.store.document_sources()
        for doc_id in doc_ids:
            if doc_id in sources:
                report.sources[doc_id] = sources[doc_id]
                writer.remove_document(doc_id)
                report.removed.append(doc_id)
            else:
                report.failed.append(FileProblem(doc_id, "not_found", "no document with this id"))
        return bool(report.removed)

    return _write_generation(index_dir, embedder, report, remove, vectors, backend)


def _write_generation(index_dir: Path, embedder: Embedder, report: IngestReport,
                      change: Callable[[GenerationWriter], bool], vectors: VectorConfig,
                      backend: BackendConfig = BackendConfig()) -> IngestReport:
    """Under the write lock, apply `change` to a copy of the index; publish it only if it changed."""
    lock = acquire_lock(index_dir)
    try:
        started = time.perf_counter()
        writer = GenerationWriter(index_dir, embedder.info, vectors, backend)
        report.seconds["copy"] = round(time.perf_counter() - started, 3)  # the previous generation, to change
        try:
            changed = change(writer)
            started = time.perf_counter()
            report.manifest = writer.commit() if changed else writer.previous
            report.seconds["commit"] = round(time.perf_counter() - started, 3)  # fit, save, fsync, switch
            if not changed:
                writer.abort()
        except BaseException:
            writer.abort()
            raise
    finally:
        lock.release()
    return report


def _apply(writer: GenerationWriter, paths: Sequence[Path], embedder: Embedder, options: IngestOptions,
           report: IngestReport, progress: ProgressFactory | None) -> bool:
    started = time.perf_counter()
    files = collect_files(paths, report)
    report.files_seen = len(files) + len(report.skipped)
    known = writer.store.document_hashes()
    jobs: list[ParseJob] = []
    for path in files:
        recorded = options.record_as.get(path.resolve(), path)
        doc_id = document_id(recorded)
        report.sources[doc_id] = str(recorded)
        try:
            size = path.stat().st_size
            digest = sha256_of(path.read_bytes()) if size <= options.max_bytes else None
        except OSError as exc:
            report.failed.append(FileProblem(str(path), "unreadable", str(exc)))
            continue
        if digest is not None and known.get(doc_id) == digest:
            report.unchanged.append(doc_id)
        else:
            jobs.append(ParseJob(path, _password_for(path, options.passwords)))
    outcomes: Iterable[ParseOutcome] = parse_many(jobs, workers=options.workers, timeout_s=options.timeout_s,
                                                  max_bytes=options.max_bytes)
    if progress is not None:
        outcomes = progress(outcomes, len(jobs), "ingest")
    report.seconds["prepare"] = round(time.perf_counter() - started, 3)  # find files, hash, compare
    pipeline_started = time.perf_counter()
    for parsed in _groups(_parsed(outcomes, report), _group_chunks(embedder)):
        group = _admitted(parsed, writer, options, report)
        vectors = _embed(group, embedder, report)
        sentences = _embed_sentences(group, embedder, report) if options.sentence_vectors else None
        _write(writer, group, vectors, known, report, sentences)
        _show_rate(outcomes, report.chunks_added, time.perf_counter() - pipeline_started)
    report.seconds["pipeline"] = round(time.perf_counter() - pipeline_started, 3)
    started = time.perf_counter()
    if options.prune:
        _prune(writer, files, report)
    report.seconds["write"] = round(report.seconds.get("write", 0.0) + time.perf_counter() - started, 3)
    return bool(report.added or report.updated or report.removed)


def _admitted(parsed: list[ParsedDocument], writer: GenerationWriter, options: IngestOptions,
              report: IngestReport) -> list[ParsedDocument]:
    """Parsed documents as they will be stored: under the path they are recorded as, within the passage limit,
    and (for uploads) without a symbol another document holds."""
    kept = _within_limits([_recorded(item, options.record_as) for item in parsed], options, report)
    return kept if options.claim_symbols else _without_held_symbols(kept, writer, report)


# Parsed documents are embedded in groups of about this many chunks while the worker processes parse
# the next files: large enough to fill the embedder's batches, small enough to start embedding early.
EMBED_GROUP_CHUNKS = 1024


def _group_chunks(embedder: Embedder) -> int:
    return max(EMBED_GROUP_CHUNKS, 8 * embedder.batch_size)


def _parsed(outcomes: Iterable[ParseOutcome], report: IngestReport) -> Iterator[ParsedDocument]:
    """The documents that parsed, in the files' order; failures go to the report. Time spent waiting
    for the workers is the `read` stage (what the pipeline could not hide behind embedding)."""
    waited = time.perf_counter()
    for outcome in outcomes:
        report.seconds["read"] = round(report.seconds.get("read", 0.0) + time.perf_counter() - waited, 3)
        # seconds spent reading and chunking inside the workers, summed (CPU time, not wall time)
        report.seconds["parse_cpu"] = round(report.seconds.get("parse_cpu", 0.0) + outcome.seconds, 3)
        if outcome.parsed is not None:
            report.pages_read += outcome.parsed.document.pages
            yield outcome.parsed
        else:
            error = outcome.error
            report.failed.append(FileProblem(str(outcome.job.path), getattr(error, "reason", "error"),
                                             getattr(error, "message", str(error))))
        waited = time.perf_counter()


def _groups(documents: Iterable[ParsedDocument], min_chunks: int) -> Iterator[list[ParsedDocument]]:
    """Consecutive documents in groups of at least `min_chunks` chunks (the last group may hold fewer)."""
    group: list[ParsedDocument] = []
    size = 0
    for document in documents:
        group.append(document)
        size += len(document.chunks)
        if size >= min_chunks:
            yield group
            group, size = [], 0
    if group:
        yield group


def _write(writer: GenerationWriter, group: list[ParsedDocument], vectors: list[np.ndarray], known: dict[str, str],
           report: IngestReport, sentences: list[list[np.ndarray | None]] | None = None) -> None:
    """Store each document's chunks and their vectors (a document seen before is replaced)."""
    started = time.perf_counter()
    for number, (item, item_vectors) in enumerate(zip(group, vectors, strict=True)):
        doc_id = item.document.id
        if doc_id in known:
            writer.remove_document(doc_id)
            report.updated.append(doc_id)
        else:
            report.added.append(doc_id)
        ids = writer.add_document(item.document, item.chunks, item_vectors,
                                  sentences[number] if sentences is not None else None)
        report.chunks_added += len(ids)
    report.seconds["write"] = round(report.seconds.get("write", 0.0) + time.perf_counter() - started, 3)


def _recorded(item: ParsedDocument, record_as: dict[Path, Path]) -> ParsedDocument:
    """The document under the path it is recorded as (its id and source follow the path)."""
    target = record_as.get(Path(item.document.source))
    if target is None:
        return item
    doc_id = document_id(target)
    return ParsedDocument(document=replace(item.document, id=doc_id, source=str(target)),
                          chunks=tuple(replace(chunk, doc_id=doc_id) for chunk in item.chunks))


def _without_held_symbols(parsed: list[ParsedDocument], writer: GenerationWriter,
                          report: IngestReport) -> list[ParsedDocument]:
    """Documents whose symbol (any part of a joint one) another document holds lose it (symbol_conflict)."""
    def claimed(item: ParsedDocument) -> list[str]:
        return list(dict.fromkeys(s for s in (item.document.symbol, *item.document.symbols) if s))

    held = writer.store.documents_with_symbols([s for item in parsed for s in claimed(item)])
    out = []
    for item in parsed:
        taken = [(s, held[s]) for s in claimed(item) if held.get(s) not in (None, item.document.id)]
        if taken:
            report.warnings.append(FileProblem(item.document.source, "symbol_conflict",
                                               f"{taken[0][0]} is held by {taken[0][1]}; stored without it"))
            item = ParsedDocument(document=replace(item.document, symbol=None, symbols=()), chunks=item.chunks)
        out.append(item)
    return out


def _within_limits(parsed: list[ParsedDocument], options: IngestOptions, report: IngestReport) -> list[ParsedDocument]:
    if options.max_chunks is None:
        return parsed
    kept = []
    for item in parsed:
        if len(item.chunks) > options.max_chunks:
            report.failed.append(FileProblem(item.document.source, "too_large",
                                             f"{len(item.chunks):,} passages, over the limit of {options.max_chunks:,} "
                                             "per file; split the file or ingest it from the command line"))
        else:
            kept.append(item)
    return kept



def _show_rate(bar: object, passages: int, seconds: float) -> None:
    """Passages and passages/s beside the files on a tqdm progress bar (other progress wrappers: nothing)."""
    set_postfix = getattr(bar, "set_postfix_str", None)
    if set_postfix is not None and seconds > 0:
        set_postfix(f"{passages:,} passages, {passages / seconds:,.1f} passages/s")


EMBED_CONTEXT_WORDS = 40  # at most this many words of title and heading go before a passage


def embedding_text(document: Document, chunk: Chunk) -> str:
    """The text embedded for a chunk: its document's title and nearest heading, then the passage.

    A passage often does not name its subject ("The Committee recommends ..."); the title does.
    Measured on SciFact and the cooperation set (README, "Search quality"). Changing this changes
    what an index stores: indexes built before must be rebuilt to benefit.
    """
    context = [document.title.strip()] if document.title and document.title.strip() else []
    if chunk.heading_path and chunk.heading_path[-1].strip() not in context:
        context.append(chunk.heading_path[-1].strip())
    words = " — ".join(context).split()
    if not words or chunk.text.startswith(" ".join(words[:8])):
        return chunk.text
    return " ".join(words[:EMBED_CONTEXT_WORDS]) + "\n" + chunk.text


def _embed(parsed: list[ParsedDocument], embedder: Embedder, report: IngestReport) -> list[np.ndarray]:
    """One matrix per document, its rows in the document's chunk order."""
    started = time.perf_counter()
    texts = [embedding_text(item.document, chunk) for item in parsed for chunk in item.chunks]
    matrix = embedder.encode(texts)
    out: list[np.ndarray] = []
    offset = 0
    for item in parsed:
        out.append(matrix[offset:offset + len(item.chunks)])
        offset += len(item.chunks)
    report.seconds["embed"] = round(report.seconds.get("embed", 0.0) + time.perf_counter() - started, 3)
    return out


def _embed_sentences(parsed: list[ParsedDocument], embedder: Embedder,
                     report: IngestReport) -> list[list[np.ndarray | None]]:
    """Per document, per chunk: its sentences' vectors (None for a one-sentence chunk), index.sentences."""
    started = time.perf_counter()
    found = sentence_vectors(embedder.encode, [chunk.text for item in parsed for chunk in item.chunks])
    out: list[list[np.ndarray | None]] = []
    offset = 0
    for item in parsed:
        out.append(found[offset:offset + len(item.chunks)])
        offset += len(item.chunks)
    report.sentences_added += sum(len(m) for m in found if m is not None)
    report.seconds["embed_sentences"] = round(report.seconds.get("embed_sentences", 0.0)
                                              + time.perf_counter() - started, 3)
    return out


def _prune(writer: GenerationWriter, files: list[Path], report: IngestReport) -> None:
    """Drop documents whose source file no longer exists."""
    for doc_id, source in writer.store.document_sources().items():
        if not Path(source).exists():
            report.sources[doc_id] = source
            writer.remove_document(doc_id)
            report.removed.append(doc_id)


def _password_for(path: Path, passwords: dict[str, str]) -> str | None:
    for key in (str(path), str(path.resolve()), path.name):
        if key in passwords:
            return passwords[key]
    return None
