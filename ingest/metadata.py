"""Document metadata from text and file name: title, type, symbol, body, date, language, countries."""
from __future__ import annotations

import re

from ingest.types import DocumentMetadata, Paragraph

_YEAR_SYMBOL = re.compile(r"^(\d{4}/\d{1,3})\.\s")
_ROMAN_SESSION = re.compile(r"\b(\d{2,4}\([IVXLC]+\))")


def extract_metadata(paragraphs: list[Paragraph], file_name: str, title_hint: str | None) -> DocumentMetadata:
    """Best-effort metadata; fields that cannot be found stay None."""
    head = " ".join(p.text for p in paragraphs[:30])
    title = (title_hint or (paragraphs[0].text if paragraphs else file_name)).strip("#*_ ")[:300]
    symbol = None
    if paragraphs and (match := _YEAR_SYMBOL.match(paragraphs[0].text)):
        symbol = f"E/RES/{match.group(1)}"
    elif match := _ROMAN_SESSION.search(head):
        symbol = match.group(1)
    doc_type = "resolution" if re.search(r"\b(Recalling|Reaffirming)\b", head) else "other"
    return DocumentMetadata(title=title, doc_type=doc_type, symbol=symbol)
