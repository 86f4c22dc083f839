"""The symbols a document recalls or cites, with the passage each stands in."""
from __future__ import annotations

from collections.abc import Sequence

from ingest.symbols import find_symbols, normalise_symbol, symbol_aliases
from ingest.types import Chunk, Reference


def extract_references(chunks: Sequence[Chunk], own_symbol: str | None) -> list[Reference]:
    """Every symbol cited in `chunks`, once per (symbol, chunk), in reading order.

    The document's own symbol (in any of its written forms) is left out: it is the running
    header of every page, not a reference.
    """
    own = _own_forms(own_symbol)
    references: list[Reference] = []
    seen: set[tuple[str, int]] = set()
    for chunk in chunks:
        for match in find_symbols(chunk.text):
            key = (match.normalised, chunk.ordinal)
            if match.normalised in own or key in seen:
                continue
            seen.add(key)
            references.append(Reference(symbol=match.normalised, raw=match.raw, label=chunk.label,
                                        chunk_ordinal=chunk.ordinal))
    return references


def _own_forms(own_symbol: str | None) -> set[str]:
    """Normal forms that name the document itself."""
    if not own_symbol:
        return set()
    normal = normalise_symbol(own_symbol) or own_symbol
    return {own_symbol, normal} | {normalise_symbol(alias) or alias for alias in symbol_aliases(normal)}
