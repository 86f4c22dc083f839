"""A query that names a paragraph ("E/RES/1992/41 op. 4", "A/80/39 para. 22") gets that paragraph first.

One small step after the ranking: find the named document's passage with that label and move it to
the top (its score set just above the best), leaving the rest of the ranking as it was.
"""
from __future__ import annotations

import re

from index.fusion import Candidate, Fused
from index.store import Store
from index.types import Filters
from ingest.symbols import find_symbols

# "op. 4", "operative paragraph 4", "para. 22", "paragraph 22", "pp. 3", "preambular paragraph 3", "op. 6 (b)"
_PARAGRAPH = re.compile(
    r"\b(?P<kind>op\.?|operative\s+paragraph|para\.?|paragraph|pp\.?|preambular\s+paragraph)\s*(?P<number>\d{1,3})"
    r"(?:\s*\((?P<item>[a-z]{1,4})\))?", re.IGNORECASE)
_LABEL_PREFIX = {"op": "op.", "operative paragraph": "op.", "para": "para.", "paragraph": "para.", "pp": "pp.",
                 "preambular paragraph": "pp."}


def named_paragraph(query: str) -> tuple[str, str] | None:
    """(symbol, label) when the query names a document and one of its paragraphs, else None."""
    symbols = [m for m in find_symbols(query) if " " not in m.normalised]
    paragraph = _PARAGRAPH.search(query)
    if not symbols or paragraph is None:
        return None
    kind = re.sub(r"\s+", " ", paragraph["kind"].lower().rstrip("."))
    label = f"{_LABEL_PREFIX[kind]} {int(paragraph['number'])}"
    return symbols[0].normalised, f"{label} ({paragraph['item'].lower()})" if paragraph["item"] else label


def paragraph_first(store: Store, query: str, fused: Fused, filters: Filters) -> Fused:
    """`fused` with the passage(s) the query names by symbol and label moved to the top."""
    named = named_paragraph(query)
    if named is None:
        return fused
    symbol, label = named
    ids = [i for i in store.labelled_chunk_ids(symbol, label, filters)]
    if not ids:
        return fused
    found = {c.chunk_id: c.retrievers for c in fused}
    top = fused[0].score if fused else 0.0
    step = max(top, 1.0) * 1e-3
    head = [Candidate(item, top + step * (len(ids) - n), (*found.get(item, ()), "paragraph"))
            for n, item in enumerate(ids)]
    named_ids = set(ids)
    return head + [c for c in fused if c.chunk_id not in named_ids]
