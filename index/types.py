"""Typed values of the index layer: stored rows, filters, hits and reports."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from ingest.types import Chunk, Document

# The search modes, listed once: the API's schema, the page's choices and the CLI's choices come from here.
SearchMode = Literal["hybrid", "keyword", "semantic"]
SEARCH_MODES: tuple[SearchMode, ...] = get_args(SearchMode)
MODE_HINTS: dict[SearchMode, str] = {"hybrid": "words and meaning", "keyword": "the exact words",
                                     "semantic": "similar meaning"}


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored: its row id (also its FAISS id) and the chunk."""

    id: int
    chunk: Chunk


@dataclass(frozen=True)
class Filters:
    """Restrictions applied inside both retrievers, so k results come back whenever k chunks match."""

    doc_type: str | None = None
    body: str | None = None
    symbol: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    country: str | None = None
    kind: str | None = None
    doc_id: str | None = None

    def is_empty(self) -> bool:
        """True when no filter is set."""
        return all(value is None for value in self.__dict__.values())


@dataclass(frozen=True)
class Fragment:
    """A stretch of a passage to show, with the spans to mark; offsets are in the passage's text."""

    start: int
    end: int
    marks: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Duplicate:
    """Another place holding the same (or nearly the same) text as a hit, shown as "also in …"."""

    chunk_id: int
    chunk: Chunk
    document: Document


@dataclass(frozen=True)
class Hit:
    """One search result."""

    chunk_id: int
    chunk: Chunk
    document: Document
    score: float
    rank: int
    fragments: tuple[Fragment, ...] = ()  # where the query's terms stand; the edges render the marks
    retrievers: tuple[str, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()  # the same text elsewhere, collapsed into this hit


@dataclass(frozen=True)
class SearchResult:
    """Hits for a query, with what was asked and how long it took."""

    query: str
    mode: str
    hits: tuple[Hit, ...]
    took_ms: float
    total: int = 0
    filters: Filters = field(default_factory=Filters)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestions: tuple[str, ...] = ()  # other spellings of a query that found nothing


@dataclass(frozen=True)
class Link:
    """One edge of the precedent graph: a reference and the indexed document at its other end, if any."""

    symbol: str
    raw: str
    label: str | None
    chunk_ordinal: int | None
    document: Document | None  # the other document, when it is in the index


@dataclass(frozen=True)
class DocumentLinks:
    """What a document recalls, and which indexed documents recall it."""

    recalls: tuple[Link, ...]
    recalled_by: tuple[Link, ...]
