"""Renderings of the result records (web/results.py): CSV rows, the JSON export, an Atom feed of the newest."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from web.results import SearchHit, SearchResponse

ROW_FIELDS = ("rank", "score", "citation", "title", "symbol", "doc_type", "body", "date", "label", "kind",
              "page_start", "page_end", "text", "document_id", "chunk_id", "url")
ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all; text extracted from PDFs sometimes holds them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_row(record: SearchHit) -> dict[str, object]:
    """A result record flattened for a spreadsheet: what one needs to cite and find the passage."""
    doc = record.document
    return {"rank": record.rank, "score": record.score, "citation": record.citation, "title": doc.title,
            "symbol": doc.symbol, "doc_type": doc.doc_type, "body": doc.body, "date": doc.date,
            "label": record.label, "kind": record.kind, "page_start": record.page, "page_end": record.page_end,
            "text": record.text, "document_id": doc.id, "chunk_id": record.chunk_id, "url": record.url}


def export_json(response: SearchResponse, link: str) -> dict[str, object]:
    """The JSON export: the API's search answer, with the search's stable link."""
    return {**response.model_dump(mode="json"), "link": link}


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


def atom_feed(dated: list[tuple[SearchHit, str]], *, title: str, self_url: str, html_url: str) -> bytes:
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
    for record, added in dated:
        feed.append(_entry(record, added or _now()))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(record: SearchHit, added: str) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    stamp = re.sub(r"\D", "", added)
    _text(entry, "id", f"tag:coopsearch,2025:passage/{record.document.id}/{record.ordinal}/{stamp}")
    _text(entry, "title", f"{record.citation} — {record.document.title}")
    _text(entry, "updated", added)
    _text(entry, "published", added)
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=record.url)
    summary = _text(entry, "summary", record.text)
    summary.set("type", "text")
    return entry


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    child.text = _NOT_XML.sub("", value)
    return child


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
