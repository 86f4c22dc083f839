"""PDF reader (pypdf): positioned text runs per page, cleaned into paragraphs and footnotes.

pypdf reports each run of text with its matrix and font; `ingest.pdf` rebuilds lines
from them, drops running headers, footers and contents pages, lifts footnotes out and joins
lines into paragraphs. Page numbers are kept even when a page ends up empty.
"""
from __future__ import annotations

import io
from typing import Any

from ingest.errors import DamagedFile, EmptyFile, EncryptedFile, NoTextLayer
from ingest.pdf import (
    PageLayout,
    Run,
    build_lines,
    clean_document,
    is_junk_title,
)
from ingest.types import ExtractedText, PageText


def read_pdf(data: bytes, password: str | None = None) -> ExtractedText:
    """Read a PDF's text layer page by page and clean it.

    Raises EncryptedFile, DamagedFile, NoTextLayer or EmptyFile with a message naming the problem.
    """
    if not data or not data.strip():
        raise EmptyFile("file is empty (0 bytes)" if not data else "file holds only white space")
    try:
        reader = _open(data, password)
        layouts, failures = _layouts(reader)
        metadata_title = _metadata_title(reader)
    except (EncryptedFile, DamagedFile, EmptyFile):
        raise
    except Exception as exc:  # pypdf raises TypeError, AssertionError, KeyError... on damaged files
        raise _damaged(exc) from exc
    if not layouts:
        raise EmptyFile("PDF has no pages")
    if not any(page.lines for page in layouts):
        if failures and len(failures) == len(layouts):
            raise DamagedFile(f"text extraction failed on every page ({failures[0]})")
        raise NoTextLayer(f"no text layer on any of {len(layouts)} pages: scanned, and no OCR is available")
    try:
        cleaned = clean_document(layouts)
    except Exception as exc:  # cleaning must never lose a file: fall back to a clear error
        raise DamagedFile(f"could not rebuild text: {type(exc).__name__}: {exc}") from exc
    pages = tuple(PageText(page.number, "\n\n".join(page.paragraphs)) for page in cleaned.pages)
    notes = cleaned.notes + tuple(f"text extraction failed on {failure}" for failure in failures)
    title = cleaned.title
    if title is None and not is_junk_title(metadata_title):
        title = metadata_title
    return ExtractedText(pages=pages, title_hint=title, footnotes=cleaned.footnotes, notes=notes,
                         masthead=_masthead(layouts))


def _masthead(layouts: list[PageLayout]) -> str | None:
    """Page 1's lines as drawn, before cleaning removes the running header that holds the symbol."""
    text = "\n".join(line.text for line in layouts[0].lines) if layouts else ""
    return text or None


def _damaged(exc: BaseException) -> DamagedFile:
    """A DamagedFile carrying what the parser said."""
    said = str(exc).strip() or "no message"
    return DamagedFile(f"PDF parser failed: {type(exc).__name__}: {said[:300]}")


def _open(data: bytes, password: str | None) -> Any:
    """A pypdf reader for `data`, decrypted when needed."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    _unlock(reader, password)
    return reader


def _unlock(reader: Any, password: str | None) -> None:
    """Decrypt with the given password, else the empty one; EncryptedFile when neither opens it."""
    if not reader.is_encrypted:
        return
    for candidate in ([password] if password is not None else []) + [""]:
        try:
            if reader.decrypt(candidate):
                return
        except Exception as exc:  # unsupported or broken encryption dictionaries
            raise DamagedFile(f"cannot decrypt: {type(exc).__name__}: {exc}") from exc
    if password is None:
        raise EncryptedFile("PDF is encrypted: a password is required (--password FILE=PW)")
    raise EncryptedFile("PDF is encrypted and the given password is wrong")


def _layouts(reader: Any) -> tuple[list[PageLayout], list[str]]:
    """Every page's lines, and a note for each page whose text could not be extracted."""
    layouts: list[PageLayout] = []
    failures: list[str] = []
    for number, page in enumerate(reader.pages, 1):
        height = _page_height(page)
        try:
            lines = tuple(build_lines(_page_runs(page)))
        except Exception as exc:  # one broken page must not cost the others
            failures.append(f"page {number}: {type(exc).__name__}: {str(exc)[:200]}")
            lines = ()
        layouts.append(PageLayout(number, lines, height))
    return layouts, failures


def _page_height(page: Any) -> float:
    """The page's height in points (792 when the media box is unreadable)."""
    try:
        box = page.mediabox
        return abs(float(box.top) - float(box.bottom)) or 792.0
    except Exception:
        return 792.0


def _page_runs(page: Any) -> list[Run]:
    """The page's text runs in drawing order, with position, font size and boldness."""
    runs: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text:
            runs.append(_run(text, cm, tm, font, size))

    page.extract_text(visitor_text=visit)
    return runs


def _run(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> Run:
    """A Run from pypdf's text matrix, current transformation matrix and font."""
    c = tm[2] * cm[0] + tm[3] * cm[2]
    d = tm[2] * cm[1] + tm[3] * cm[3]
    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
    return Run(text, x, y, float(size) * (c * c + d * d) ** 0.5, _is_bold(font))


def _is_bold(font: Any) -> bool:
    """Whether the font's name says bold (or black/heavy)."""
    try:
        name = str(font.get("/BaseFont", "")) if font is not None else ""
    except Exception:
        return False
    lowered = name.lower()
    return "bold" in lowered or "black" in lowered or "heavy" in lowered


def _metadata_title(reader: Any) -> str | None:
    """The title in the PDF's metadata, if readable."""
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:
        return None  # unreadable metadata must not cost us the text
    return str(title).strip() or None if title else None
