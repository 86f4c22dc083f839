"""PDF cleaning, one module per stage: positioned text runs in, clean paragraphs, footnotes and a title out.

Everything here is pure: the PDF reader (ingest/readers/pdf.py) collects `Run`s (text with position,
size and boldness) page by page, and `clean_document` runs the stages in order:

    lines            runs on one baseline -> a `Line`, raised footnote markers lifted out
    running_headers  lines repeated at the top or bottom of pages (symbols, job numbers, page numbers) dropped
    contents         table-of-contents lines dropped
    footnotes        the footnote zone at a page's foot split off and parsed into notes
    paragraphs       body lines grouped into paragraphs by indent, spacing and item openings
    hyphens          a paragraph's lines joined, line-end hyphens kept or dropped by the document's vocabulary
    title            the first page's title, unless it is junk

The rules are tuned on UN documents (A/, E/, DP/ ... symbols, job numbers, barcodes, dot-leader
contents) but only rely on layout that most reports share.
"""

from __future__ import annotations

from ingest.pdf.contents import drop_contents, has_leader, is_contents_page
from ingest.pdf.document import CleanDocument, clean_document
from ingest.pdf.footnotes import parse_footnotes, split_footnotes
from ingest.pdf.hyphens import (
    Vocabulary,
    clean_text,
    finish_paragraph,
    hyphen_break,
    join_hyphenated,
    join_lines,
    keeps_hyphen,
    line_break_pairs,
    mend_page_break,
    repair_split_hyphens,
    strip_reference_markers,
)
from ingest.pdf.lines import build_lines, group_runs, make_line, split_run_lines
from ingest.pdf.paragraphs import doc_stats, group_paragraphs, starts_paragraph
from ingest.pdf.running_headers import (
    is_noise_line,
    is_strong_noise,
    line_key,
    own_symbols,
    running_line_keys,
    strip_running_lines,
)
from ingest.pdf.title import find_title, is_junk_title
from ingest.pdf.types import CleanPage, DocStats, Line, PageLayout, Run

__all__ = [
    "CleanDocument",
    "CleanPage",
    "DocStats",
    "Line",
    "PageLayout",
    "Run",
    "Vocabulary",
    "build_lines",
    "clean_document",
    "clean_text",
    "doc_stats",
    "drop_contents",
    "find_title",
    "finish_paragraph",
    "group_paragraphs",
    "group_runs",
    "has_leader",
    "hyphen_break",
    "is_contents_page",
    "is_junk_title",
    "is_noise_line",
    "is_strong_noise",
    "join_hyphenated",
    "join_lines",
    "keeps_hyphen",
    "line_break_pairs",
    "line_key",
    "make_line",
    "mend_page_break",
    "own_symbols",
    "parse_footnotes",
    "repair_split_hyphens",
    "running_line_keys",
    "split_footnotes",
    "split_run_lines",
    "starts_paragraph",
    "strip_reference_markers",
    "strip_running_lines",
]
