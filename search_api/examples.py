"""Example payloads shown in the OpenAPI documentation (shortened answers from the default corpus)."""
from __future__ import annotations

from typing import Any

DOCUMENT: dict[str, Any] = {
    "id": "ecosoc-resolution-1992-41-tcdc-3f2a1b", "title": "Technical cooperation among developing countries",
    "source": "ecosoc-resolution-1992-41-tcdc.txt", "doc_type": "resolution", "symbol": "E/RES/1992/41",
    "body": "ECOSOC", "date": "1992-07-30", "language": "en", "countries": [],
}

HIT: dict[str, Any] = {
    "rank": 1, "score": 0.0328, "chunk_id": 9,
    "text": "Related to the 4th topic, Human Resources Management, the use of talent bank database …",
    "page": 1, "page_end": 1, "label": None, "kind": "paragraph", "heading_path": [],
    "highlights": ["… the use of <mark>talent</mark> <mark>bank</mark> <mark>database</mark> and …"],
    "retrievers": ["keyword", "semantic"], "document": DOCUMENT,
}

SEARCH_RESPONSE: dict[str, Any] = {
    "query": "talent bank database", "mode": "hybrid", "k": 1, "offset": 0, "total": 76, "next_offset": 1,
    "took_ms": 12.1, "results": [HIT],
    "facets": {"doc_type": [{"value": "event report", "count": 40}, {"value": "resolution", "count": 20}],
               "year": [{"value": "2013", "count": 40}]},
}

SEARCH_BODY: dict[str, Any] = {
    "q": "experts from developing countries", "k": 5, "offset": 0, "mode": "hybrid",
    "filters": {"doc_type": "resolution", "year_from": 1978, "year_to": 2000, "kind": "operative"},
    "facets": True,
}

DOCUMENT_LIST: dict[str, Any] = {"total": 5, "offset": 0, "limit": 1, "next_offset": 1, "documents": [DOCUMENT]}

REFERENCES: dict[str, Any] = {
    "document_id": DOCUMENT["id"],
    "recalls": [{"symbol": "A/RES/33/134", "raw": "resolution 33/134", "label": "pp. 2", "chunk_ordinal": 3,
                 "document": None}],
    "recalled_by": [],
}

STATS: dict[str, Any] = {
    "documents": 5, "chunks": 212, "generation": "gen-000001", "updated_at": "2025-01-01T12:00:00Z",
    "model": {"name": "all-MiniLM-L6-v2", "dimension": 384},
    "by_doc_type": [{"value": "resolution", "documents": 2, "passages": 80}],
    "by_body": [{"value": "ECOSOC", "documents": 1, "passages": 30}],
    "by_year": [{"value": "1992", "documents": 1, "passages": 30}],
    "by_country": [{"value": "BRA", "documents": 1, "passages": 40}],
}

UPLOAD_RESPONSE: dict[str, Any] = {
    "generation": "gen-000002",
    "files": [
        {"filename": "lessons learned 2024.pdf", "saved_as": "lessons-learned-2024.pdf",
         "document_id": "lessons-learned-2024-8c1e2d", "status": "added", "reason": None, "message": None},
        {"filename": "notes.xlsx", "saved_as": None, "document_id": None, "status": "failed",
         "reason": "unsupported", "message": "unsupported file type '.xlsx'; send .pdf, .txt, .md, .html or .docx"},
    ],
}
