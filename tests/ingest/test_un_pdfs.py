"""The PDF reader over the 34 real UN documents in ../shared: no header, footer or contents
remnants in the text, footnotes found where documents have them, paragraphs recognisable.

Run with `pytest -s` to see the counts.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.types import ExtractedText

SHARED = Path(__file__).resolve().parents[3] / "shared"
UN_PDFS = SHARED / "data" / "un-pdfs"

JOB_NUMBER = re.compile(r"\b\d{2}-\d{5}\b(?:\s*\(E\)\s*\d{6})?")
BARCODE = re.compile(r"\*\d{7}\*")
DOT_LEADER = re.compile(r"\.{5,}")
SPLIT_HYPHEN = re.compile(r"[A-Za-z] -[A-Za-z]|\b[A-Z][a-z]+- [A-Z][a-z]+")
ODD_CHARACTER = re.compile("[\ufb00-\ufb06\u00ad]")  # ligatures, soft hyphen

# Documents with footnotes (counted by hand from the PDFs) and how many the reader must find.
FOOTNOTES_AT_LEAST = {
    "A_80_39": 14, "A_80_74": 20, "E_2025_28": 40, "E_2025_31": 20, "E_2025_57": 10, "E_2025_60": 20,
    "E_2025_61": 19, "E_2025_72": 20, "E_2025_8": 40, "E_2025_L.16": 25, "E_CN.6_2025_3": 300,
    "E_HLS_2025_1": 25, "A_HRC_59_60": 5, "DP_OPS_2025_6": 10, "E_HLPF_2025_6": 3, "A_56_509": 1,
}


def _symbol(name: str) -> str:
    """The document symbol a file is named after: A_80_39 -> A/80/39."""
    return name.replace("_", "/")


@pytest.fixture(scope="module")
def documents(un_pdfs: dict[str, tuple[bytes, ExtractedText]]) -> dict[str, ExtractedText]:
    """Every UN PDF as read (once per session, in tests/ingest/conftest.py), by symbol-like stem."""
    return {name.removesuffix(".en.pdf"): extracted for name, (_, extracted) in un_pdfs.items()}


def _items(extracted: ExtractedText) -> list[tuple[str, str]]:
    """(where, text) for every body paragraph and footnote."""
    items = [(f"p.{page.number}", paragraph) for page in extracted.pages
             for paragraph in page.text.split("\n\n") if paragraph]
    return items + [(f"footnote {note.marker} p.{note.page}", note.text) for note in extracted.footnotes]


def remnants(name: str, extracted: ExtractedText) -> list[str]:
    """Header, footer and contents leftovers in a document's paragraphs and footnotes."""
    symbol = re.escape(_symbol(name))
    # Page counters are "k/<pages>": a bare N/M would also match resolution numbers like 79/144.
    checks = {
        "page counter": re.compile(rf"(?<![\w/.])\d{{1,3}}/{len(extracted.pages)}(?![\w/])"),
        "own symbol at an edge": re.compile(rf"^{symbol}(?=\s|$)|(?<=\s){symbol}$"),
        "job number": JOB_NUMBER, "barcode": BARCODE, "dot leader": DOT_LEADER,
        "split hyphen": SPLIT_HYPHEN, "ligature or soft hyphen": ODD_CHARACTER,
    }
    found = []
    for where, text in _items(extracted):
        for kind, pattern in checks.items():
            for match in pattern.finditer(text):
                context = text[max(0, match.start() - 40):match.end() + 40]
                found.append(f"{name} {where}: {kind} {match.group(0)!r} in …{context}…")
    return found


def test_all_34_documents_are_read(documents: dict[str, ExtractedText]) -> None:
    assert len(documents) == 34
    pages = sum(len(d.pages) for d in documents.values())
    paragraphs = sum(len(_items(d)) - len(d.footnotes) for d in documents.values())
    footnotes = sum(len(d.footnotes) for d in documents.values())
    print(f"34 UN PDFs: {pages} pages, {paragraphs} paragraphs, {footnotes} footnotes")
    assert pages > 900 and paragraphs > 5000
    for name, extracted in documents.items():
        assert [p.number for p in extracted.pages] == list(range(1, len(extracted.pages) + 1)), name


def test_no_header_footer_or_contents_remnants(documents: dict[str, ExtractedText]) -> None:
    found = [line for name, extracted in documents.items() for line in remnants(name, extracted)]
    print(f"remnants found: {len(found)}")
    assert not found, "\n".join(found[:30])


def test_remnant_check_catches_a_header_left_in_place(documents: dict[str, ExtractedText]) -> None:
    """The check above must be able to fail: plant a UN running header and footer."""
    extracted = documents["A_80_39"]
    pages = list(extracted.pages)
    pages[6] = replace(pages[6], text="A/80/39\n\n25-09815 (E) 220725 5/33\n\n*2509815*\n\n" + pages[6].text)
    found = " ".join(remnants("A_80_39", replace(extracted, pages=tuple(pages))))
    for kind in ("own symbol", "job number", "page counter", "barcode"):
        assert kind in found


def test_footnotes_are_found_and_kept_out_of_the_body(documents: dict[str, ExtractedText]) -> None:
    counts = {name: len(documents[name].footnotes) for name in FOOTNOTES_AT_LEAST}
    print("footnotes:", ", ".join(f"{name} {n}" for name, n in counts.items()))
    short = {name: n for name, n in counts.items() if n < FOOTNOTES_AT_LEAST[name]}
    assert not short, f"too few footnotes found: {short}"
    for name, extracted in documents.items():
        bodies = {page.number: page.text for page in extracted.pages}
        for note in extracted.footnotes:
            assert note.text and "____" not in note.text, (name, note)
            if len(note.text) >= 60:  # a long note found word for word in its page's body was glued in
                assert note.text not in bodies[note.page], (name, note)


def test_paragraphs_stay_recognisable(documents: dict[str, ExtractedText]) -> None:
    report = documents["A_80_39"]
    assert report.title_hint == "Report of the High-level Committee on South-South Cooperation"
    paragraphs = [p for page in report.pages for p in page.text.split("\n\n")]
    assert "Decision 22/1" in paragraphs
    assert "I. Introduction" in paragraphs or any(p.startswith("Chapter I") for p in paragraphs)
    assert sum(p.startswith("Reaffirming") for p in paragraphs) >= 5
    opening = "1. The High-level Committee on South-South Cooperation adopted"
    assert any(p.startswith(opening) for p in paragraphs)
    numbered = [p for p in paragraphs if re.match(r"\d{1,3}\. [A-Z]", p)]
    assert len(numbered) >= 60
    assert any("contents" in note for note in report.notes)
