"""Short citations of a passage, as people write them: "ECOSOC resolution 1992/41, op. 4", "A/80/39, para. 22"."""
from __future__ import annotations

import re

from ingest.types import Chunk, Document

# The name a citation gives a body; others are cited by the acronym in their name, or as written.
SHORT_BODIES = {
    "economic and social council": "ECOSOC",
    "general assembly": "General Assembly",
    "security council": "Security Council",
    "human rights council": "Human Rights Council",
}
# Symbol series that say which body adopted a resolution or decision, and its number.
_SERIES = re.compile(r"^(?P<organ>A/HRC|A|E|S)/(?:RES|DEC)/(?P<number>.+)$")
_ORGANS = {"A": "General Assembly", "E": "ECOSOC", "S": "Security Council", "A/HRC": "Human Rights Council"}
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z-]{1,12})\)\s*$")


def citation(document: Document, chunk: Chunk | None = None) -> str:
    """How to cite the document, or one of its passages: the symbol or title, then the paragraph or page."""
    where = _place(document, chunk) if chunk is not None else None
    return f"{_name(document)}, {where}" if where else _name(document)


def _name(document: Document) -> str:
    if document.doc_type in ("resolution", "decision") and document.symbol:
        organ, number = _organ_and_number(document.symbol)
        body = short_body(document.body) or organ
        return " ".join(filter(None, [body, document.doc_type, number]))
    return document.symbol or document.title


def _organ_and_number(symbol: str) -> tuple[str | None, str]:
    match = _SERIES.match(symbol)
    if match is None:
        return None, symbol
    return _ORGANS[match["organ"]], match["number"]


def short_body(body: str | None) -> str | None:
    """The body's name as a citation writes it: "ECOSOC" for the Economic and Social Council."""
    if not body:
        return None
    known = SHORT_BODIES.get(body.strip().lower())
    if known:
        return known
    acronym = _ACRONYM.search(body)
    return acronym.group(1) if acronym else body.strip()


def _place(document: Document, chunk: Chunk) -> str | None:
    if chunk.label:
        return chunk.label
    if document.pages > 1:
        # "pp." would read as a preambular paragraph label, so a page range stays "p.".
        pages = str(chunk.page_start) if chunk.page_start == chunk.page_end else f"{chunk.page_start}–{chunk.page_end}"
        return f"p. {pages}"
    return None
