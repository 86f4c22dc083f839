"""JSON endpoints for researchers: a symbol's record (/symbols/{symbol}) and mandates (/mandates).

Each parses input, calls the core once (index/research.py) and shapes the answer.
"""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Request

from edge.access import policy
from index.errors import NotFound
from index.research import MandateFilters, MandateRecord, SymbolRecord
from search_api.routes import READ_ERRORS, engine_of, errors
from web.citation import citation

read_router = APIRouter(dependencies=[policy("read")], tags=["documents"])

SYMBOL = Path(..., min_length=1, max_length=200, description="A UN symbol, a resolution number or a readable form",
              examples=["A/RES/33/134"])


@read_router.get("/symbols/{symbol:path}", responses=errors(404, *READ_ERRORS))
def get_symbol(request: Request, symbol: str = SYMBOL) -> dict:
    """A symbol that is indexed or cited: its document, what recalls it (by document, with the passages),
    what it recalls, and links to its official record (undocs.org, the UN Digital Library), never fetched."""
    record = engine_of(request).symbol(symbol)
    if record is None:
        raise NotFound(f"{symbol!r} is neither indexed nor cited by an indexed document")
    return symbol_json(record)


def symbol_json(record: SymbolRecord) -> dict:
    """The record as JSON: documents as summaries, passages with their citation and page."""
    document = record.document
    return {
        "symbol": record.symbol, "official": record.official, "names": list(record.names),
        "undocs_url": record.undocs_url, "library_url": record.library_url,
        "document": None if document is None else {"id": document.id, "title": document.title,
                                                   "doc_type": document.doc_type, "body": document.body,
                                                   "date": document.date, "symbols": list(document.symbols)},
        "recalled_by": [{"document": {"id": r.document.id, "title": r.document.title, "symbol": r.document.symbol,
                                      "date": r.document.date},
                         "passages": [{"chunk_id": p.chunk.id, "raw": p.raw, "label": p.chunk.chunk.label,
                                       "page": p.chunk.chunk.page_start, "text": p.chunk.chunk.text,
                                       "citation": citation(r.document, p.chunk.chunk)} for p in r.passages]}
                        for r in record.recalled_by],
        "recalls": [{"symbol": link.symbol, "raw": link.raw, "label": link.label,
                     "document_id": link.document.id if link.document else None} for link in record.recalls],
    }


@read_router.get("/mandates", responses=errors(*READ_ERRORS))
def list_mandates(request: Request,
                  party: str | None = Query(None, max_length=200, description="Words of the party asked",
                                            examples=["Secretary-General"]),
                  body: str | None = Query(None, max_length=200, description="Body of the giving document (any alias)"),
                  due_from: int | None = Query(None, ge=1900, le=2100, description="Due in this year or later"),
                  due_to: int | None = Query(None, ge=1900, le=2100, description="Due in this year or earlier"),
                  status: Literal["answered", "open"] | None = Query(None, description="answered or open"),
                  doc_id: str | None = Query(None, max_length=200, description="Mandates of one document"),
                  offset: int = Query(0, ge=0, le=1_000_000), limit: int = Query(50, ge=1, le=100)) -> dict:
    """Requests and invitations of the indexed texts (who is asked, what, by when), newest first, with the later
    passages that say they answer them."""
    filters = MandateFilters(party=party, body=body, due_from=due_from, due_to=due_to, status=status, doc_id=doc_id)
    total, records = engine_of(request).mandates(filters, offset, limit)
    end = offset + len(records)
    return {"total": total, "offset": offset, "limit": limit, "next_offset": end if end < total else None,
            "mandates": [mandate_json(r) for r in records]}


def mandate_json(record: MandateRecord) -> dict:
    """One mandate as JSON."""
    m, d = record.mandate, record.document
    return {"document": {"id": d.id, "title": d.title, "symbol": d.symbol, "body": d.body, "date": d.date},
            "source_symbol": m.source_symbol, "label": m.label, "chunk_ordinal": m.chunk_ordinal, "verb": m.verb,
            "who": m.who, "what": m.what, "due": m.due, "due_year": m.due_year, "status": record.status,
            "answered_by": [{"document_id": a.document.id, "title": a.document.title, "symbol": a.document.symbol,
                             "chunk_ordinal": a.chunk_ordinal} for a in record.answered_by]}
