"""JSON endpoints for researchers: a symbol's record (/symbols/{symbol}) and mandates (/mandates).

Each parses input, calls the core once (index/research.py) and shapes the answer.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request

from index.research import SymbolRecord, symbol_record
from search_api.access import require_read
from search_api.errors import ApiError
from search_api.routes import READ_ERRORS, engine_of, errors
from web.citation import citation

read_router = APIRouter(dependencies=[Depends(require_read)], tags=["documents"])

SYMBOL = Path(..., min_length=1, max_length=200, description="A UN symbol, a resolution number or a readable form",
              examples=["A/RES/33/134"])


@read_router.get("/symbols/{symbol:path}", responses=errors(404, *READ_ERRORS))
def get_symbol(request: Request, symbol: str = SYMBOL) -> dict:
    """A symbol that is indexed or cited: its document, what recalls it (by document, with the passages),
    what it recalls, and links to its official record (undocs.org, the UN Digital Library), never fetched."""
    record = symbol_record(engine_of(request).holder.current().store, symbol)
    if record is None:
        raise ApiError(404, "not_found", f"{symbol!r} is neither indexed nor cited by an indexed document")
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
