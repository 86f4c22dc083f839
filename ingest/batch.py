"""Parse many files in worker processes, each under a time limit, so no file can crash or stall a run."""
from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

from ingest.chunking import MAX_WORDS
from ingest.errors import DamagedFile, IngestError, TimedOut
from ingest.pipeline import DEFAULT_MAX_BYTES, parse_file
from ingest.types import ParsedDocument


@dataclass(frozen=True)
class ParseJob:
    """One file to parse, with its password if any."""

    path: Path
    password: str | None = None


@dataclass(frozen=True)
class ParseOutcome:
    """The result for one job: a parsed document or the error that names the problem."""

    job: ParseJob
    parsed: ParsedDocument | None = None
    error: IngestError | None = None
    seconds: float = 0.0


def _parse_in_worker(path: str, password: str | None, max_bytes: int, max_words: int
                     ) -> tuple[ParsedDocument | None, tuple[str, str] | None, float]:
    import time

    start = time.perf_counter()
    try:
        parsed = parse_file(Path(path), password=password, max_bytes=max_bytes, max_words=max_words)
        return parsed, None, time.perf_counter() - start
    except IngestError as exc:
        return None, (type(exc).__name__, exc.message), time.perf_counter() - start
    except BaseException as exc:  # a reader bug must cost one file, never the run
        return None, ("DamagedFile", f"unexpected {type(exc).__name__}: {exc}"), time.perf_counter() - start


def _rebuild_error(name: str, message: str, path: Path) -> IngestError:
    from ingest import errors

    cls = getattr(errors, name, DamagedFile)
    return cls(message, path=str(path))


def parse_many(jobs: Sequence[ParseJob], *, workers: int = 2, timeout_s: float = 60.0,
               max_bytes: int = DEFAULT_MAX_BYTES, max_words: int = MAX_WORDS) -> Iterator[ParseOutcome]:
    """Yield one outcome per job, in completion order. A file over `timeout_s` is killed and reported."""
    from pebble import ProcessPool

    if not jobs:
        return
    # "spawn" keeps workers free of the parent's torch threads and open SQLite handles.
    context = multiprocessing.get_context("spawn")
    with ProcessPool(max_workers=max(1, workers), context=context) as pool:
        futures = {
            pool.schedule(_parse_in_worker, args=(str(job.path), job.password, max_bytes, max_words),
                          timeout=timeout_s): job
            for job in jobs
        }
        for future, job in futures.items():
            yield _outcome(future, job, timeout_s)


def _outcome(future: Future, job: ParseJob, timeout_s: float) -> ParseOutcome:
    try:
        parsed, error, seconds = future.result()
    except FutureTimeout:
        return ParseOutcome(job, error=TimedOut(f"reading took longer than {timeout_s:g} s; worker stopped",
                                                path=str(job.path)), seconds=timeout_s)
    except Exception as exc:  # the worker died (segfault, out of memory)
        return ParseOutcome(job, error=DamagedFile(f"worker process failed: {type(exc).__name__}: {exc}",
                                                   path=str(job.path)))
    if error is not None:
        return ParseOutcome(job, error=_rebuild_error(error[0], error[1], job.path), seconds=seconds)
    return ParseOutcome(job, parsed=parsed, seconds=seconds)
