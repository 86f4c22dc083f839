"""What the PDF cleaning stages pass each other: runs, lines, page layouts, document measures, clean pages."""
from __future__ import annotations

from dataclasses import dataclass

from ingest.types import Footnote


@dataclass(frozen=True)
class Run:
    """A piece of text drawn at one position, as the PDF parser reports it."""

    text: str
    x: float
    y: float
    size: float
    bold: bool = False


@dataclass(frozen=True)
class Line:
    """A visual line of a page, rebuilt from runs on one baseline."""

    text: str
    x: float
    y: float
    size: float
    bold: float = 0.0  # share of the line's characters set in a bold font
    indented: bool = False  # the text layer starts the line with white space (a tab)
    refs: tuple[str, ...] = ()  # footnote reference markers lifted out of the line
    lead: str | None = None  # a raised marker opening the line: a footnote's number


@dataclass(frozen=True)
class PageLayout:
    """A page's lines plus its height, the input to the document-wide cleaning."""

    number: int
    lines: tuple[Line, ...]
    height: float


@dataclass(frozen=True)
class DocStats:
    """Typical measures of a document's body text, used to judge line and paragraph breaks."""

    body_size: float = 10.0
    spacing: float = 1.2  # baseline distance between lines of a paragraph, in font sizes
    line_chars: int = 80  # characters in a full-width body line


@dataclass(frozen=True)
class CleanPage:
    """One page after cleaning: body paragraphs and the footnotes lifted out of it."""

    number: int
    paragraphs: tuple[str, ...]
    footnotes: tuple[Footnote, ...] = ()
