"""DOCX reader (python-docx): paragraphs with heading styles kept as Markdown-like marks."""
from __future__ import annotations

import io

from ingest.errors import DamagedFile, EmptyFile
from ingest.types import ExtractedText, PageText


def read_docx(data: bytes, password: str | None = None) -> ExtractedText:
    """Read a .docx file as one page of paragraphs."""
    if not data:
        raise EmptyFile("file is empty (0 bytes)")
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile, KeyError and lxml errors alike
        raise DamagedFile(f"not a readable DOCX file: {type(exc).__name__}: {exc}") from exc
    paragraphs: list[str] = []
    for paragraph in document.paragraphs:
        text = " ".join(paragraph.text.split())
        if not text:
            continue
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        if style.startswith("heading"):
            level = "".join(ch for ch in style if ch.isdigit()) or "1"
            text = "#" * min(int(level), 6) + " " + text
        paragraphs.append(text)
    if not paragraphs:
        raise EmptyFile("DOCX holds no text")
    title = document.core_properties.title or paragraphs[0].lstrip("# ")
    return ExtractedText(pages=(PageText(1, "\n\n".join(paragraphs)),), title_hint=title[:300])
