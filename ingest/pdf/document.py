"""The whole document: the stages in order, from page layouts to clean pages, footnotes and a title."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from ingest.pdf.contents import drop_contents
from ingest.pdf.footnotes import parse_footnotes, split_footnotes
from ingest.pdf.hyphens import Vocabulary, finish_paragraph, line_break_pairs, mend_page_break
from ingest.pdf.paragraphs import doc_stats, group_paragraphs
from ingest.pdf.running_headers import own_symbols, running_line_keys, strip_running_lines
from ingest.pdf.title import find_title
from ingest.pdf.types import CleanPage, Line, PageLayout
from ingest.types import Footnote


@dataclass(frozen=True)
class CleanDocument:
    """A cleaned document: its pages, footnotes and remarks on what was dropped."""

    pages: tuple[CleanPage, ...]
    footnotes: tuple[Footnote, ...]
    notes: tuple[str, ...]
    title: str | None = None


def _collect_footnotes(zones: Sequence[tuple[int, list[Line]]], vocab: Vocabulary) -> list[Footnote]:
    """Footnotes of all pages, a note's text carried over a page break appended to it."""
    footnotes: list[Footnote] = []
    last: int | None = None
    for number, zone in zones:
        found, carried = parse_footnotes(zone, number, last, vocab)
        if carried and footnotes:
            previous = footnotes[-1]
            footnotes[-1] = replace(previous, text=f"{previous.text} {carried}")
        footnotes += found
        digits = [int(note.marker) for note in found if note.marker.isdigit()]
        last = digits[-1] if digits else last
    return footnotes




def clean_document(pages: Sequence[PageLayout]) -> CleanDocument:
    """Clean every page of a document: headers, footers, contents, footnotes, paragraphs."""
    repeated = running_line_keys(pages)
    symbols = own_symbols(pages)
    stripped = [strip_running_lines(page, repeated, symbols, len(pages))[0] for page in pages]
    contents: dict[int, int] = {}
    kept: list[list[Line]] = []
    for page, lines in zip(pages, stripped, strict=True):
        lines, dropped = drop_contents(lines)
        kept.append(lines)
        if dropped:
            contents[page.number] = dropped
    stats = doc_stats(kept)
    bodies: list[list[Line]] = []
    zones: list[tuple[int, list[Line]]] = []
    for page, lines in zip(pages, kept, strict=True):
        body, zone = split_footnotes(lines, stats, page.height)
        bodies.append(body)
        zones.append((page.number, zone))
    vocab = Vocabulary.from_texts(line.text for lines in kept for line in lines)
    vocab = vocab.with_style(line_break_pairs(bodies), sum(len(lines) for lines in bodies))
    footnotes = _collect_footnotes(zones, vocab)
    texts: list[list[str]] = []
    for page, body in zip(pages, bodies, strict=True):
        markers = {m for line in body for ref in line.refs for m in ref.split(",")}
        markers |= {note.marker for note in footnotes if note.page == page.number}
        paragraphs = [finish_paragraph(p, vocab, markers) for p in group_paragraphs(body, stats)]
        texts.append([p for p in paragraphs if p])
    for previous, following in pairwise(texts):
        mend_page_break(previous, following, vocab)
    notes = []
    if contents:
        notes.append(f"dropped {sum(contents.values())} contents line(s) on {len(contents)} page(s): "
                     + ", ".join(map(str, contents)))
    by_page = {number: tuple(n for n in footnotes if n.page == number) for number, _ in zones}
    clean = tuple(CleanPage(page.number, tuple(t), by_page[page.number]) for page, t in zip(pages, texts, strict=True))
    title = find_title(stripped[0], pages[0].height, stats.body_size) if pages else None
    return CleanDocument(clean, tuple(footnotes), tuple(notes), title)
