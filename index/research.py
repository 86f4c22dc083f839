"""What the index knows about one symbol: the document, if indexed; everything that recalls it, grouped
by document with the recalling passage; what it recalls; and where its official record lives.

The official record is only linked (undocs.org, the UN Digital Library), never fetched.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from index.store import Store
from index.types import Link, StoredChunk
from ingest.instruments import instrument_names
from ingest.symbols import is_official_symbol, normalise_symbol
from ingest.types import Document

UNDOCS = "https://undocs.org/"
DIGITAL_LIBRARY = "https://digitallibrary.un.org/search"


@dataclass(frozen=True)
class RecallingPassage:
    """A passage that recalls the symbol, and the words it uses."""

    chunk: StoredChunk
    raw: str


@dataclass(frozen=True)
class Recalling:
    """A document that recalls the symbol, with its recalling passages in reading order."""

    document: Document
    passages: tuple[RecallingPassage, ...]


@dataclass(frozen=True)
class SymbolRecord:
    """One symbol as the index knows it."""

    symbol: str
    official: bool  # a UN document symbol (undocs.org resolves it), not a readable form of a decision
    document: Document | None
    recalled_by: tuple[Recalling, ...]
    recalls: tuple[Link, ...]
    names: tuple[str, ...]  # named instruments recorded under the symbol
    undocs_url: str | None
    library_url: str


def official_links(symbol: str) -> tuple[str | None, str]:
    """(undocs.org address or None for a readable form, UN Digital Library search address)."""
    undocs = UNDOCS + quote(symbol, safe="/().-") if is_official_symbol(symbol) else None
    return undocs, DIGITAL_LIBRARY + "?" + urlencode({"ln": "en", "p": symbol})


def canonical_symbol(text: str) -> str:
    """The stored form of a symbol as typed ("a/res/33/134", "resolution 33/134" -> "A/RES/33/134")."""
    return normalise_symbol(text) or text.strip()


def symbol_record(store: Store, text: str) -> SymbolRecord | None:
    """The record of a symbol that is indexed or cited, or None when the index has never seen it."""
    symbol = canonical_symbol(text)
    owners = store.documents_with_symbols([symbol])
    document = store.get_document(owners[symbol]) if symbol in owners else None
    rows = [row for row in store.referring([symbol]) if document is None or row[0] != document.id]
    if document is None and not rows:
        return None
    undocs, library = official_links(symbol)
    return SymbolRecord(symbol=symbol, official=is_official_symbol(symbol), document=document,
                        recalled_by=_recalling(store, rows), recalls=_recalls(store, document),
                        names=instrument_names(symbol), undocs_url=undocs, library_url=library)


def _recalling(store: Store, rows: list[tuple[str, str, str, str | None, int | None]]) -> tuple[Recalling, ...]:
    """References grouped by citing document (newest first), each with its passages in reading order."""
    by_doc: dict[str, list[tuple[int, str]]] = {}
    for doc_id, _, raw, _, ordinal in rows:
        if ordinal is not None:
            by_doc.setdefault(doc_id, []).append((ordinal, raw))
    documents = store.get_documents(by_doc)
    out: list[Recalling] = []
    for doc_id, mentions in by_doc.items():
        ids = store.chunk_ids_for(doc_id, [ordinal for ordinal, _ in mentions])
        chunks = store.get_chunks(list(ids.values()))
        passages = tuple(RecallingPassage(chunks[ids[ordinal]], raw) for ordinal, raw in sorted(mentions)
                         if ordinal in ids and ids[ordinal] in chunks)
        if doc_id in documents:
            out.append(Recalling(documents[doc_id], passages))
    return tuple(sorted(out, key=lambda r: (r.document.date or "", r.document.title), reverse=True))


def _recalls(store: Store, document: Document | None) -> tuple[Link, ...]:
    """What the indexed document recalls, each linked to the indexed document it names, if any."""
    if document is None:
        return ()
    targets = store.documents_with_symbols([r.symbol for r in document.references])
    found = store.get_documents(targets.values())
    return tuple(Link(r.symbol, r.raw, r.label, r.chunk_ordinal, found.get(targets.get(r.symbol, "")))
                 for r in document.references)
