"""A result list as rows, written as CSV or JSON, and a search's newest passages as an Atom feed."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from index.types import Hit, SearchResult
from web.citation import citation

ROW_FIELDS = ("rank", "score", "citation", "title", "symbol", "doc_type", "body", "date", "label", "kind",
              "page_start", "page_end", "text", "document_id", "chunk_id", "url")
ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all; text extracted from PDFs sometimes holds them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def passage_path(hit: Hit) -> str:
    """The passage inside its document page."""
    return f"/documents/{hit.document.id}#c{hit.chunk.ordinal}"


def hit_row(hit: Hit, base_url: str) -> dict[str, object]:
    """One result as a flat record: what a spreadsheet or a script needs to cite and find it."""
    doc, chunk = hit.document, hit.chunk
    return {"rank": hit.rank, "score": hit.score, "citation": citation(doc, chunk), "title": doc.title,
            "symbol": doc.symbol, "doc_type": doc.doc_type, "body": doc.body, "date": doc.date,
            "label": chunk.label, "kind": chunk.kind, "page_start": chunk.page_start, "page_end": chunk.page_end,
            "text": chunk.text, "document_id": doc.id, "chunk_id": hit.chunk_id,
            "url": base_url.rstrip("/") + passage_path(hit)}


def result_json(result: SearchResult, rows: list[dict[str, object]], link: str, offset: int) -> dict[str, object]:
    """The JSON export: the search as asked, its stable link, and the rows."""
    filters = {name: value for name, value in result.filters.__dict__.items() if value is not None}
    return {"query": result.query, "mode": result.mode, "filters": filters, "offset": offset,
            "total": result.total, "link": link, "results": rows}


def to_csv(rows: list[dict[str, object]]) -> str:
    """Rows as CSV with a header; cells a spreadsheet would run as a formula are quoted with a leading '."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ROW_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _cell(value) for name, value in row.items()})
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def atom_feed(dated: list[tuple[Hit, str]], *, title: str, self_url: str, html_url: str, base_url: str) -> bytes:
    """A well-formed Atom 1.0 document; entry ids stay the same for as long as a passage is unchanged."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", title)
    _text(feed, "id", "tag:coopsearch,2025:search/" + hashlib.sha1(html_url.split("?", 1)[-1].encode()).hexdigest())
    _text(feed, "updated", max((added for _, added in dated), default="") or _now())
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=html_url)
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "coopsearch")
    _text(feed, "generator", "coopsearch")
    for hit, added in dated:
        feed.append(_entry(hit, added or _now(), base_url))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(hit: Hit, added: str, base_url: str) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    stamp = re.sub(r"\D", "", added)
    _text(entry, "id", f"tag:coopsearch,2025:passage/{hit.document.id}/{hit.chunk.ordinal}/{stamp}")
    _text(entry, "title", f"{citation(hit.document, hit.chunk)} — {hit.document.title}")
    _text(entry, "updated", added)
    _text(entry, "published", added)
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                  href=base_url.rstrip("/") + passage_path(hit))
    summary = _text(entry, "summary", hit.chunk.text)
    summary.set("type", "text")
    return entry


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    child.text = _NOT_XML.sub("", value)
    return child


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
