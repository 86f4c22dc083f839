"""The 34 UN PDFs of ../shared, read once per test session and shared by the tests that need them."""
from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from ingest.readers.pdf import read_pdf
from ingest.types import ExtractedText

SHARED = Path(__file__).resolve().parents[3] / "shared"
UN_PDFS = SHARED / "data" / "un-pdfs"


@pytest.fixture(scope="session")
def un_pdfs() -> dict[str, tuple[bytes, ExtractedText]]:
    """File name -> (bytes, what the PDF reader extracted), every UN PDF read in parallel processes."""
    if not UN_PDFS.is_dir():
        pytest.skip(f"../shared not present: needs {UN_PDFS}")
    paths = sorted(UN_PDFS.glob("*.pdf"))
    data = [p.read_bytes() for p in paths]
    started = time.perf_counter()
    workers = max(1, min(4, os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        read = list(pool.map(read_pdf, data, [None] * len(paths)))
    print(f"\nread {len(paths)} UN PDFs in {time.perf_counter() - started:.1f} s with {workers} processes")
    return {path.name: (raw, extracted) for path, raw, extracted in zip(paths, data, read, strict=True)}
