"""Citations of a document or a passage, as people write them, per type of document:

- a resolution or decision: "ECOSOC resolution 1992/41, op. 4";
- a decision or resolution inside a report: "HLC decision 22/2, op. 1 (A/80/39)" (two decisions of one
  report both have an op. 1);
- a report's paragraph: "A/80/39, para. 22"; a speech: "Brazil, General Debate, 68th session (2013)";
- a document with no symbol: its organisation, title and date: "UNOSSC, What is South-South cooperation?, 2016".

Also the same as RIS and BibTeX records for reference managers.
"""
from __future__ import annotations

import re

from ingest.types import Chunk, Document

# The name a citation gives a body; others are cited by the acronym in their name, or as written.
SHORT_BODIES = {
    "economic and social council": "ECOSOC",
    "general assembly": "General Assembly",
    "security council": "Security Council",
    "human rights council": "Human Rights Council",
    "high-level committee on south-south cooperation": "HLC",
    "undp executive board": "UNDP Executive Board",
}
# A heading that opens one adopted text inside a report: "Decision 22/2 Provisional agenda ...",
# "Draft resolution II Science, technology ...", "79/226. Quadrennial ...".
_PART = re.compile(r"^(?P<kind>(?:Draft\s+)?(?:[Rr]esolution|[Dd]ecision))\s+(?P<number>[\w/().]+)"
                   r"|^(?P<bare>\d{2,4}/\d{1,3})\.\s")
# Symbol series that say which body adopted a resolution or decision, and its number.
_SERIES = re.compile(r"^(?P<organ>A/HRC|A|E|S)/(?:RES|DEC)/(?P<number>.+)$")
_ORGANS = {"A": "General Assembly", "E": "ECOSOC", "S": "Security Council", "A/HRC": "Human Rights Council"}
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z-]{1,12})\)\s*$")


def citation(document: Document, chunk: Chunk | None = None) -> str:
    """How to cite the document, or one of its passages: the symbol or title, then the paragraph or page."""
    part = part_of(chunk) if chunk is not None and document.doc_type not in ("resolution", "decision") else None
    if part is not None and chunk is not None and chunk.label:
        body = short_body(document.body)
        within = document.symbol or document.title
        return f"{' '.join(filter(None, [body, part]))}, {chunk.label} ({within})"
    where = _place(document, chunk) if chunk is not None else None
    return f"{_name(document)}, {where}" if where else _name(document)


def part_of(chunk: Chunk) -> str | None:
    """The adopted text inside a report that a passage belongs to ("decision 22/2"), from its headings."""
    for heading in reversed(chunk.heading_path):
        if match := _PART.match(heading.strip()):
            if match["bare"]:
                return f"resolution {match['bare']}"
            return f"{match['kind'].lower()} {match['number'].rstrip('.')}"
    return None


def _name(document: Document) -> str:
    if document.doc_type in ("resolution", "decision") and document.symbol:
        organ, number = _organ_and_number(document.symbol)
        body = short_body(document.body) or organ
        return " ".join(filter(None, [body, document.doc_type, number]))
    if document.symbol or document.doc_type == "speech":
        return document.symbol or document.title
    # no symbol: organisation, title and date, as a bibliography cites a report
    body = short_body(document.body)
    return ", ".join(filter(None, [body if body and body not in document.title else None, document.title,
                                   document.date[:4] if document.date else None]))


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
    if chunk.label and chunk.label.startswith("fn") and document.pages > 1:
        return f"p. {chunk.page_start}, {chunk.label}"  # footnotes are numbered afresh in each part
    if chunk.label:
        return chunk.label
    if document.pages > 1:
        # "pp." would read as a preambular paragraph label, so a page range stays "p.".
        same = chunk.page_start == chunk.page_end
        pages = str(chunk.page_start) if same else f"{chunk.page_start}\u2013{chunk.page_end}"
        return f"p. {pages}"
    return None


def unique_label(chunk: Chunk) -> str | None:
    """The paragraph label qualified by the adopted text it belongs to: "decision 22/2, op. 1"."""
    if not chunk.label:
        return None
    part = part_of(chunk)
    label = f"p. {chunk.page_start}, {chunk.label}" if chunk.label.startswith("fn") else chunk.label
    return f"{part}, {label}" if part else label


def ris(document: Document, url: str, chunk: Chunk | None = None) -> str:
    """An RIS record (reference managers: Zotero, EndNote) for the document or one of its passages."""
    kind = {"resolution": "GOVDOC", "decision": "GOVDOC", "report": "RPRT", "speech": "SOUND"}.get(
        document.doc_type, "GEN")
    lines = [("TY", kind), ("TI", document.title), ("AU", document.body or ""), ("PY", (document.date or "")[:4]),
             ("DA", (document.date or "").replace("-", "/")), ("PB", "United Nations" if document.symbol else ""),
             ("M1", document.symbol or ""), ("UR", url), ("LA", document.language or "")]
    if chunk is not None:
        lines += [("SP", str(chunk.page_start)), ("EP", str(chunk.page_end)), ("N1", citation(document, chunk))]
    else:
        lines.append(("N1", citation(document)))
    body = "\r\n".join(f"{tag}  - {value}" for tag, value in lines if value)
    return f"{body}\r\nER  - \r\n"


def bibtex(document: Document, url: str, chunk: Chunk | None = None) -> str:
    """A BibTeX entry for the document or one of its passages (@techreport for reports, else @misc)."""
    key = re.sub(r"[^A-Za-z0-9]+", "_", document.symbol or document.id).strip("_") or "document"
    fields = [("title", document.title), ("author", f"{{{document.body}}}" if document.body else ""),
              ("year", (document.date or "")[:4]), ("number", document.symbol or ""),
              ("institution", "United Nations" if document.symbol else ""), ("url", url),
              ("note", citation(document, chunk))]
    if chunk is not None:
        fields.append(("pages", f"{chunk.page_start}--{chunk.page_end}" if chunk.page_end != chunk.page_start
                       else str(chunk.page_start)))
    entry = "techreport" if document.doc_type == "report" else "misc"
    body = ",\n".join(f"  {name} = {{{_bib_escape(value)}}}" for name, value in fields if value)
    return f"@{entry}{{{key},\n{body}\n}}\n"


def _bib_escape(value: str) -> str:
    """Escape BibTeX's special characters (braces kept where a value is already braced)."""
    if value.startswith("{") and value.endswith("}"):
        return value
    return re.sub(r"([&%$#_])", r"\\\1", value)
