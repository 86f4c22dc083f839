"""What the index knows for a researcher. One symbol: the document, if indexed; everything that recalls
it, grouped by document with the recalling passage; what it recalls; where its official record lives.
Mandates: the requests and invitations of indexed texts, filtered, with the later passages that answer them.

The official record is only linked (undocs.org, the UN Digital Library), never fetched.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from index.store import Store
from index.types import Link, StoredChunk
from ingest.bodies import canonical_body
from ingest.instruments import instrument_names
from ingest.symbols import is_official_symbol, normalise_symbol
from ingest.types import Document, Mandate

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


# ---- mandates -----------------------------------------------------------------------------------

_ANSWERS = ("r.symbol = m.source_symbol AND r.doc_id != m.doc_id AND"
            " (r.paragraph = m.label OR (r.paragraph IS NULL AND m.reporting = 1))")


@dataclass(frozen=True)
class MandateFilters:
    """Which mandates to list: the party asked (words of it), the body, the due years, answered or open."""

    party: str | None = None
    body: str | None = None
    due_from: int | None = None
    due_to: int | None = None
    status: str | None = None  # "answered" or "open"
    doc_id: str | None = None


@dataclass(frozen=True)
class Answer:
    """A passage of a later document that says it answers the mandate."""

    document: Document
    chunk_ordinal: int | None


@dataclass(frozen=True)
class MandateRecord:
    """A stored mandate, with the document that gives it and the passages that answer it."""

    mandate: Mandate
    document: Document
    answered_by: tuple[Answer, ...]

    @property
    def status(self) -> str:
        """'answered' when a later indexed document says it responds to the mandate, else 'open'."""
        return "answered" if self.answered_by else "open"


def mandates(store: Store, filters: MandateFilters, offset: int = 0, limit: int = 50
             ) -> tuple[int, list[MandateRecord]]:
    """(total, a page of mandates passing the filters), by document date (newest first) then paragraph."""
    where, params = _mandate_sql(filters)
    base = f"FROM mandates m JOIN documents d ON d.id = m.doc_id{' WHERE ' + where if where else ''}"
    total = int(store.conn.execute(f"SELECT count(*) {base}", params).fetchone()[0])
    rows = store.conn.execute(f"SELECT m.rowid AS id, m.* {base} ORDER BY d.date DESC, m.doc_id, m.chunk_ordinal,"
                              " m.rowid LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
    documents = store.get_documents(row["doc_id"] for row in rows)
    return total, [MandateRecord(_mandate(row), documents[row["doc_id"]], _answers(store, row["id"]))
                   for row in rows if row["doc_id"] in documents]


def _mandate_sql(filters: MandateFilters) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if filters.party:
        clauses.append("m.who LIKE ?")
        params.append(f"%{filters.party.strip()}%")
    if filters.body:
        clauses.append("d.body = ? COLLATE NOCASE")
        params.append(canonical_body(filters.body))
    if filters.due_from is not None:
        clauses.append("m.due_year >= ?")
        params.append(filters.due_from)
    if filters.due_to is not None:
        clauses.append("m.due_year <= ?")
        params.append(filters.due_to)
    if filters.doc_id:
        clauses.append("m.doc_id = ?")
        params.append(filters.doc_id)
    if filters.status in ("answered", "open"):
        exists = f"EXISTS (SELECT 1 FROM doc_responses r WHERE {_ANSWERS})"
        clauses.append(exists if filters.status == "answered" else f"NOT {exists}")
    return " AND ".join(clauses), params


def _answers(store: Store, mandate_id: int) -> tuple[Answer, ...]:
    rows = store.conn.execute(f"SELECT r.doc_id, r.chunk_ordinal FROM mandates m JOIN doc_responses r ON {_ANSWERS}"
                              " WHERE m.rowid = ? ORDER BY r.doc_id, r.chunk_ordinal", (mandate_id,)).fetchall()
    documents = store.get_documents(row[0] for row in rows)
    return tuple(Answer(documents[row[0]], row[1]) for row in rows if row[0] in documents)


def _mandate(row: sqlite3.Row) -> Mandate:
    return Mandate(chunk_ordinal=row["chunk_ordinal"], label=row["label"], verb=row["verb"], who=row["who"],
                   what=row["what"], due=row["due"], due_year=row["due_year"], source_symbol=row["source_symbol"])
