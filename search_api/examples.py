"""Example payloads shown in the OpenAPI documentation (shortened answers from the default corpus)."""
from __future__ import annotations

from typing import Any

from web.results import EXAMPLE_DOCUMENT, EXAMPLE_HIT, EXAMPLE_RESPONSE

DOCUMENT, HIT, SEARCH_RESPONSE = EXAMPLE_DOCUMENT, EXAMPLE_HIT, EXAMPLE_RESPONSE  # beside the shape they show

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
