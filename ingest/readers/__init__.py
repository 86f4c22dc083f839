"""Readers turn one file's bytes into ExtractedText; `read_file` picks one by extension."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.errors import UnsupportedFormat
from ingest.types import ExtractedText

Reader = Callable[[bytes, str | None], ExtractedText]


def _readers() -> dict[str, Reader]:
    from ingest.readers import docx as docx_reader
    from ingest.readers import html as html_reader
    from ingest.readers import pdf as pdf_reader
    from ingest.readers import text as text_reader

    return {
        ".txt": text_reader.read_text,
        ".md": text_reader.read_markdown,
        ".html": html_reader.read_html,
        ".htm": html_reader.read_html,
        ".pdf": pdf_reader.read_pdf,
        ".docx": docx_reader.read_docx,
    }


SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


def is_supported(path: Path) -> bool:
    """Whether a reader exists for this file's extension."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def read_bytes(data: bytes, suffix: str, password: str | None = None) -> ExtractedText:
    """Read `data` with the reader for `suffix` (".pdf", ".txt", ...)."""
    reader = _readers().get(suffix.lower())
    if reader is None:
        raise UnsupportedFormat(f"unsupported file type {suffix or '(none)'!r}")
    return reader(data, password)
