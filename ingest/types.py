"""Typed values that flow through ingestion: pages, blocks, documents and chunks."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PageText:
    """One page of extracted text; paragraphs are separated by a blank line."""

    number: int
    text: str


@dataclass(frozen=True)
class Footnote:
    """A footnote lifted out of the body text of a page."""

    page: int
    marker: str
    text: str


@dataclass(frozen=True)
class ExtractedText:
    """What a reader returns: cleaned page texts plus anything set aside."""

    pages: tuple[PageText, ...]
    title_hint: str | None = None
    footnotes: tuple[Footnote, ...] = ()
    notes: tuple[str, ...] = ()  # human-readable remarks, e.g. "2 contents pages dropped"
    # page 1's lines before running headers are removed: the masthead (symbol, distribution, date)
    masthead: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of body text with the page it starts and ends on."""

    text: str
    page_start: int
    page_end: int


# Block and chunk kinds. Plain strings keep the SQLite rows and JSON readable.
KIND_PARAGRAPH = "paragraph"
KIND_HEADING = "heading"
KIND_PREAMBULAR = "preambular"
KIND_OPERATIVE = "operative"
KIND_LIST_ITEM = "list_item"
KIND_FOOTNOTE = "footnote"
KIND_TITLE = "title"
CHUNK_KINDS = (
    KIND_PARAGRAPH, KIND_HEADING, KIND_PREAMBULAR, KIND_OPERATIVE,
    KIND_LIST_ITEM, KIND_FOOTNOTE, KIND_TITLE,
)

DOC_TYPES = (
    "resolution", "decision", "plan of action", "report", "article",
    "speech", "event report", "declaration", "draft", "other",
)


@dataclass(frozen=True)
class Block:
    """A structural unit of a document: a paragraph, an operative paragraph, a heading, ..."""

    kind: str
    text: str
    page_start: int
    page_end: int
    label: str | None = None  # "op. 4 (b)", "pp. 3", "para. 22"
    heading_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """A symbol the document recalls or cites, and where it does so."""

    symbol: str  # normalised, e.g. "A/RES/33/134"
    raw: str  # as written, e.g. "resolution 33/134"
    label: str | None = None  # paragraph label the reference stands in
    chunk_ordinal: int | None = None


@dataclass(frozen=True)
class Mandate:
    """A request or invitation in an operative paragraph."""

    chunk_ordinal: int
    label: str | None
    verb: str  # "requests", "invites", "calls upon"
    who: str
    what: str
    due: str | None  # "substantive session of 1994", "twenty-third session", "2026"
    due_year: int | None
    source_symbol: str | None  # the adopted text it belongs to: the document, or a decision inside a report


@dataclass(frozen=True)
class Response:
    """A passage saying it answers an earlier text (and perhaps one of its paragraphs)."""

    chunk_ordinal: int
    symbol: str
    paragraph: str | None  # "op. 10" when the passage names the paragraph


@dataclass(frozen=True)
class DocumentMetadata:
    """Metadata found in a document's text and name."""

    title: str
    doc_type: str = "other"
    symbol: str | None = None
    body: str | None = None
    date: str | None = None  # ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    language: str | None = None
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-3
    session: str | None = None
    symbols: tuple[str, ...] = ()  # every part of a joint symbol ("E/2025/L.16", "E/HLPF/2025/L.1"), first = symbol


@dataclass(frozen=True)
class Document:
    """A source file, understood: identity, provenance and metadata."""

    id: str
    source: str
    sha256: str
    title: str
    doc_type: str = "other"
    symbol: str | None = None
    body: str | None = None
    date: str | None = None
    language: str | None = None
    countries: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    pages: int = 0
    size_bytes: int = 0
    symbols: tuple[str, ...] = ()  # all parts of a joint symbol, the first being `symbol`
    session: str | None = None  # "80", "2025", "first regular session 2025"
    participants: tuple[str, ...] = ()  # countries named only in its lists of participants
    mandates: tuple[Mandate, ...] = ()  # requests and invitations of its operative paragraphs
    responses: tuple[Response, ...] = ()  # earlier texts it says it answers


@dataclass(frozen=True)
class Chunk:
    """A passage small enough to embed: one paragraph or a few, never cut mid-sentence."""

    doc_id: str
    ordinal: int
    text: str
    kind: str = KIND_PARAGRAPH
    label: str | None = None
    heading_path: tuple[str, ...] = ()
    page_start: int = 1
    page_end: int = 1
    char_start: int = 0
    char_end: int = 0
    countries: tuple[str, ...] = ()  # the countries the passage names (ISO 3166-1 alpha-3)

    @property
    def key(self) -> str:
        """A stable name for the chunk inside its document."""
        return f"{self.doc_id}#{self.ordinal}"


@dataclass(frozen=True)
class ParsedDocument:
    """The output of ingesting one file: the document and its chunks."""

    document: Document
    chunks: tuple[Chunk, ...] = field(default_factory=tuple)
