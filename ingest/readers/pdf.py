"""PDF reader (pypdf): page texts with page numbers kept, lines rebuilt into paragraphs."""
from __future__ import annotations

import io
import re

from ingest.errors import DamagedFile, EmptyFile, EncryptedFile, NoTextLayer
from ingest.types import ExtractedText, PageText

_PARA_START = re.compile(r"^(\d{1,3}\.|\(\w{1,4}\)|[•\-–]\s)")
_SENTENCE_END = re.compile(r"[.;:!?]['\"”’)]*$")


def read_pdf(data: bytes, password: str | None = None) -> ExtractedText:
    """Read a PDF's text layer page by page.

    Raises EncryptedFile, DamagedFile, NoTextLayer or EmptyFile with a message naming the problem.
    """
    if not data:
        raise EmptyFile("file is empty (0 bytes)")
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock(reader, password)
        raw_pages = [page.extract_text() or "" for page in reader.pages]
        title = _metadata_title(reader)
    except (EncryptedFile, NoTextLayer):
        raise
    except Exception as exc:  # pypdf raises TypeError, AssertionError, KeyError... on damaged files
        raise DamagedFile(f"PDF parser failed: {type(exc).__name__}: {exc}") from exc
    if not raw_pages:
        raise EmptyFile("PDF has no pages")
    pages = tuple(PageText(number, rebuild_paragraphs(text)) for number, text in enumerate(raw_pages, 1))
    if not any(page.text.strip() for page in pages):
        raise NoTextLayer(f"no text layer on any of {len(pages)} pages: scanned, and no OCR is available")
    return ExtractedText(pages=pages, title_hint=title)


def _unlock(reader: object, password: str | None) -> None:
    if not reader.is_encrypted:  # type: ignore[attr-defined]
        return
    for candidate in ([password] if password is not None else []) + [""]:
        try:
            if reader.decrypt(candidate):  # type: ignore[attr-defined]
                return
        except Exception as exc:
            raise DamagedFile(f"cannot decrypt: {type(exc).__name__}: {exc}") from exc
    if password is None:
        raise EncryptedFile("PDF is encrypted: a password is required (--password FILE=PW)")
    raise EncryptedFile("PDF is encrypted and the given password is wrong")


def _metadata_title(reader: object) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None  # type: ignore[attr-defined]
    except Exception:
        return None  # unreadable metadata must not cost us the text
    return str(title).strip() or None if title else None


def rebuild_paragraphs(page_text: str) -> str:
    """Join a page's lines into paragraphs separated by blank lines.

    A new paragraph starts after a blank line, at a numbered or lettered item, or after a
    short line that ends a sentence (the last line of a paragraph rarely fills the width).
    """
    lines = [line.rstrip() for line in page_text.replace("\r", "\n").split("\n")]
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[list[str]] = [[]]
    previous = ""
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if paragraphs[-1]:
                paragraphs.append([])
            previous = ""
            continue
        ends_short = previous and _SENTENCE_END.search(previous) and len(previous) < 0.8 * width
        if paragraphs[-1] and (_PARA_START.match(stripped) or ends_short):
            paragraphs.append([])
        paragraphs[-1].append(stripped)
        previous = stripped
    return "\n\n".join(join_lines(p) for p in paragraphs if p)


_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*([a-z])")


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines, mending words hyphenated across the break ("coun-" + "tries")."""
    return _HYPHEN_BREAK.sub(r"\1\2", "\n".join(lines)).replace("\n", " ")
