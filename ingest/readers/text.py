"""Plain-text and Markdown readers that survive byte-order marks and legacy encodings."""
from __future__ import annotations

import codecs
import re

from ingest.errors import DecodeFailed, EmptyFile
from ingest.types import ExtractedText, PageText

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> str:
    """Decode bytes: honour a BOM, else UTF-8, else the best guess of charset-normalizer."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding).replace("\ufeff", "")
    try:
        return data.decode("utf-8").replace("\ufeff", "")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise DecodeFailed("file holds NUL bytes and no byte-order mark: binary data, not text")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DecodeFailed("not valid UTF-8 and no other text encoding fits (binary file?)")
    return str(best).replace("\ufeff", "")


def _require_text(text: str) -> str:
    if not text.strip():
        raise EmptyFile("file holds no text")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise DecodeFailed(f"file holds {controls} control characters: binary data, not text")
    return text


def read_text(data: bytes, password: str | None = None) -> ExtractedText:
    """Read a .txt file as one page."""
    if not data:
        raise EmptyFile("file is empty (0 bytes)")
    text = _require_text(decode_text(data))
    return ExtractedText(pages=(PageText(1, lines_to_paragraphs(text)),), title_hint=_first_line(text))


_LINE_ENDS_PARAGRAPH = re.compile(r"([.!?:]['\"”’)*_]*|__)$")
_LINE_STARTS_ITEM = re.compile(r"^([•\-–*]\s|\d{1,3}\.\s|\([a-z]{1,4}\)\s|#)")


def lines_to_paragraphs(text: str) -> str:
    """Separate paragraphs by blank lines in text that may break paragraphs with single newlines.

    Files differ: some put one paragraph on each line, others wrap lines at 70-80 characters
    (text taken from PDFs). A single newline ends a paragraph when the line ends a sentence and
    the next starts like a new paragraph, or when the line is a short title-like line.
    """
    out: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        out.append(line)
        nxt = lines[index + 1].strip() if index + 1 < len(lines) else ""
        here = line.strip()
        if not here or not nxt:
            continue
        ends = bool(_LINE_ENDS_PARAGRAPH.search(here)) and (nxt[:1].isupper() or nxt[:1].isdigit())
        title_like = len(here) < 90 and not re.search(r"[,;]$", here) and len(nxt) > 2 * len(here) and nxt[:1].isupper()
        if ends or title_like or _LINE_STARTS_ITEM.match(nxt):
            out.append("")
    return "\n".join(out)


_MD_MARKUP = re.compile(r"(\*\*|__|`)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def read_markdown(data: bytes, password: str | None = None) -> ExtractedText:
    """Read a .md file as one page, dropping emphasis and link markup but keeping heading marks."""
    if not data:
        raise EmptyFile("file is empty (0 bytes)")
    text = _require_text(decode_text(data))
    text = _MD_LINK.sub(r"\1", _MD_MARKUP.sub("", text))
    return ExtractedText(pages=(PageText(1, lines_to_paragraphs(text)),), title_hint=_first_line(text))


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip().strip("*_").strip()
        if line:
            return line[:300]
    return None
