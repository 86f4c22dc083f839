"""Split extracted pages into paragraphs, mending paragraphs broken by a page break."""
from __future__ import annotations

import re
import unicodedata

from ingest.types import ExtractedText, Paragraph

_BREAK = re.compile(r"\n\s*\n")
_TRAILING_HYPHEN = re.compile(r"(\w)-$")
_ENDS_SENTENCE = re.compile(r"[.;:!?]['\"”’)*_]*$")


_SUPERSCRIPT_MARKERS = re.compile(r"[\u00b9\u00b2\u00b3\u2070-\u2079]+")


def normalise(text: str) -> str:
    """NFKC-normalise (ligatures become letters) and tidy whitespace within a paragraph.

    Superscript footnote markers ("Countries¹⁰¹") are dropped first: NFKC would turn them into
    digits glued to the word.
    """
    text = _SUPERSCRIPT_MARKERS.sub("", text)
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return " ".join(text.split())


def split_paragraphs(extracted: ExtractedText) -> list[Paragraph]:
    """Paragraphs in reading order with their pages.

    A paragraph cut by a page or blank-line break mid-word ("coun-" / "tries") or mid-sentence
    (the next piece starts in lower case) is joined back together.
    """
    paragraphs: list[Paragraph] = []
    for page in extracted.pages:
        for piece in _BREAK.split(page.text):
            text = normalise(piece)
            if not text:
                continue
            if paragraphs and _continues(paragraphs[-1].text, text):
                last = paragraphs.pop()
                joined = _join(last.text, text)
                paragraphs.append(Paragraph(joined, last.page_start, page.number))
            else:
                paragraphs.append(Paragraph(text, page.number, page.number))
    return paragraphs


def _continues(previous: str, text: str) -> bool:
    if _TRAILING_HYPHEN.search(previous) and text[:1].islower():
        return True
    return not _ENDS_SENTENCE.search(previous) and text[:1].islower() and len(previous.split()) > 8


def _join(previous: str, text: str) -> str:
    if _TRAILING_HYPHEN.search(previous) and text[:1].islower():
        return previous[:-1] + text
    return previous + " " + text
